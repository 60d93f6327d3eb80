package io.bypass.stack.tcp;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * In-order received data waiting for the application, left in the frames it arrived in
 * (DESIGN.md: one copy, into the application's buffer). Each entry is a frame with the
 * (offset, length) of its unread payload.
 *
 * <p>A payload that fits in the free room after the tail entry's bytes is copied there and
 * its own frame released, so a socket fed many tiny segments holds few frames, not one per
 * segment. The entry arrays grow (allocating) only when more entries are held than ever
 * before on this connection.
 *
 * <p>Memory is accounted in frames, not only bytes: every frame held is counted against the
 * layer's receive {@link FrameBudget} and against the connection's share
 * ({@link TcpConfig#receiveFramesPerConnection()}), and {@link ReceiveWindow} never offers
 * more than the frames still allowed can hold. A window already offered cannot be taken
 * back (RFC 9293 section 3.8.6: the right edge never moves left), so data may still arrive
 * for which no frame is allowed; then the queue is compacted as Linux's tcp_collapse does
 * (payloads copied together to fill whole frames, the emptied frames released) and the
 * payload copied into the room that made; what still does not fit is not accepted (RFC 9293
 * section 3.10.7.4 lets a receiver take only the part of a segment it can keep) and the peer
 * sends it again.
 *
 * <p>An empty queue may always take one frame, over the layer's budget if need be (as Linux
 * forces one buffer onto an empty socket): otherwise slow readers that filled the budget
 * would leave every other connection with a closed window, and an application waiting on
 * one of those before reading the slow ones would deadlock.
 */
final class ReceiveQueue {
    private final FrameBudget budget;
    private final StackCounters counters;
    private Frame[] frames = new Frame[16];
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];
    private int head;
    private int count;
    private int bytes;
    /** No {@link #collapse} could free a frame: nothing was added as a new entry since the last one. */
    private boolean compact;

    /**
     * @param budget   receive frames the whole layer may hold
     * @param counters where collapses are counted
     */
    ReceiveQueue(FrameBudget budget, StackCounters counters) {
        this.budget = budget;
        this.counters = counters;
    }

    /** @return frames held */
    int frames() {
        return count;
    }

    /** @return unread bytes */
    int bytes() {
        return bytes;
    }

    /**
     * Appends an in-sequence payload; takes ownership of {@code frame} (keeps it, or copies
     * the payload into frames already held and releases it). A new frame is kept only while
     * fewer than {@code maxFrames} are held and the layer's budget allows; otherwise the
     * queue is compacted and as much of the payload copied as there is room for.
     *
     * @param offset    where the payload starts in {@code frame.memory()}
     * @param length    payload bytes, more than 0
     * @param maxFrames frames this queue may hold
     * @return bytes accepted from the start of the payload, 0..length
     */
    int append(Frame frame, int offset, int length, int maxFrames) {
        if (keep(frame, offset, length, maxFrames)) {
            return length;
        }
        if (!compact && count > 0) {
            collapse();
            if (keep(frame, offset, length, maxFrames)) {
                return length;
            }
        }
        int n = count == 0 ? 0 : Math.min(length, tailRoom());
        if (n > 0) {
            int tail = slot(count - 1);
            MemorySegment.copy(frame.memory(), offset, frames[tail].memory(), offsets[tail] + lengths[tail], n);
            lengths[tail] += n;
            bytes += n;
        }
        frame.release();
        return n;
    }

    /**
     * Appends a payload whose frame is already counted against the layer's budget (it comes
     * from the {@link Reassembly} queue, which counted it); never refuses, so data that was
     * acknowledged selectively is never dropped (RFC 2018 section 8). Takes ownership.
     */
    void appendHeld(Frame frame, int offset, int length) {
        if (packIntoTail(frame, offset, length)) {
            budget.give();
            return;
        }
        add(frame, offset, length);
    }

    /** Packs the payload into the tail frame, or keeps its frame if one more is allowed. */
    private boolean keep(Frame frame, int offset, int length, int maxFrames) {
        if (packIntoTail(frame, offset, length)) {
            return true;
        }
        if (count >= maxFrames) {
            return false;
        }
        if (!budget.take()) {
            if (count > 0) {
                return false;
            }
            budget.force();
        }
        add(frame, offset, length);
        return true;
    }

    private boolean packIntoTail(Frame frame, int offset, int length) {
        if (count == 0 || length > tailRoom()) {
            return false;
        }
        int tail = slot(count - 1);
        MemorySegment.copy(frame.memory(), offset, frames[tail].memory(), offsets[tail] + lengths[tail], length);
        lengths[tail] += length;
        bytes += length;
        frame.release();
        return true;
    }

    private int tailRoom() {
        int tail = slot(count - 1);
        return frames[tail].capacity() - offsets[tail] - lengths[tail];
    }

    private void add(Frame frame, int offset, int length) {
        if (count == frames.length) {
            grow();
        }
        int slot = slot(count);
        frames[slot] = frame;
        offsets[slot] = offset;
        lengths[slot] = length;
        count++;
        bytes += length;
        compact = false;
    }

    /**
     * Copies the unread bytes together from the start of the held frames, each filled to its
     * capacity, and releases the frames left empty (Linux's tcp_collapse). Output frame
     * {@code j} is input frame {@code j}: by the time it is written, input {@code j}'s bytes
     * were already moved or lie at or after the write position (each input held at most its
     * capacity), and {@link MemorySegment#copy} handles the overlap within one frame.
     */
    private void collapse() {
        int out = 0;
        int outPos = 0;
        for (int i = 0; i < count; i++) {
            int s = slot(i);
            Frame src = frames[s];
            int off = offsets[s];
            int len = lengths[s];
            while (len > 0) {
                int o = slot(out);
                int room = frames[o].capacity() - outPos;
                if (room == 0) {
                    offsets[o] = 0;
                    lengths[o] = outPos;
                    out++;
                    outPos = 0;
                    continue;
                }
                int n = Math.min(room, len);
                MemorySegment.copy(src.memory(), off, frames[o].memory(), outPos, n);
                off += n;
                len -= n;
                outPos += n;
            }
        }
        int last = slot(out);
        offsets[last] = 0;
        lengths[last] = outPos;
        for (int i = out + 1; i < count; i++) {
            int s = slot(i);
            frames[s].release();
            frames[s] = null;
            budget.give();
        }
        count = out + 1;
        compact = true;
        counters.increment(Counter.TCP_RX_COLLAPSED);
    }

    private int slot(int i) {
        return (head + i) & (frames.length - 1);
    }

    /**
     * Copies as many bytes as {@code dst} has room for, releasing frames that empty.
     *
     * @return bytes copied
     */
    int read(ByteBuffer dst) {
        int copied = 0;
        while (count > 0 && dst.hasRemaining()) {
            Frame f = frames[head];
            int off = offsets[head];
            int n = Math.min(lengths[head], dst.remaining());
            // An absolute bulk put: no limit and position juggling on the frame's view.
            int at = dst.position();
            dst.put(at, f.asByteBuffer(), off, n);
            dst.position(at + n);
            copied += n;
            bytes -= n;
            if (n == lengths[head]) {
                f.release();
                budget.give();
                frames[head] = null;
                head = (head + 1) & (frames.length - 1);
                count--;
            } else {
                offsets[head] = off + n;
                lengths[head] -= n;
            }
        }
        if (copied > 0) {
            // Room freed at the head frame: a collapse may free a whole frame again.
            compact = false;
        }
        return copied;
    }

    /** Releases every frame (the connection was reset or closed with data unread). */
    void clear() {
        while (count > 0) {
            frames[head].release();
            budget.give();
            frames[head] = null;
            head = (head + 1) & (frames.length - 1);
            count--;
        }
        bytes = 0;
    }

    private void grow() {
        int n = frames.length;
        Frame[] f = new Frame[2 * n];
        int[] o = new int[2 * n];
        int[] l = new int[2 * n];
        for (int i = 0; i < count; i++) {
            int s = (head + i) & (n - 1);
            f[i] = frames[s];
            o[i] = offsets[s];
            l[i] = lengths[s];
        }
        frames = f;
        offsets = o;
        lengths = l;
        head = 0;
    }
}
