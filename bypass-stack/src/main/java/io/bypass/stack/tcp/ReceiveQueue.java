package io.bypass.stack.tcp;

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
 */
final class ReceiveQueue {
    private Frame[] frames = new Frame[16];
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];
    private int head;
    private int count;
    private int bytes;

    /** @return unread bytes */
    int bytes() {
        return bytes;
    }

    /**
     * Appends a payload; takes ownership of {@code frame} (keeps it, or copies the payload
     * into the tail frame and releases it).
     *
     * @param offset where the payload starts in {@code frame.memory()}
     * @param length payload bytes, more than 0
     */
    void append(Frame frame, int offset, int length) {
        if (count > 0) {
            int tail = (head + count - 1) & (frames.length - 1);
            Frame t = frames[tail];
            int end = offsets[tail] + lengths[tail];
            if (end + length <= t.capacity()) {
                MemorySegment.copy(frame.memory(), offset, t.memory(), end, length);
                lengths[tail] += length;
                bytes += length;
                frame.release();
                return;
            }
        }
        if (count == frames.length) {
            grow();
        }
        int slot = (head + count) & (frames.length - 1);
        frames[slot] = frame;
        offsets[slot] = offset;
        lengths[slot] = length;
        count++;
        bytes += length;
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
            ByteBuffer view = f.asByteBuffer();
            view.limit(off + n).position(off);
            dst.put(view);
            copied += n;
            bytes -= n;
            if (n == lengths[head]) {
                f.release();
                frames[head] = null;
                head = (head + 1) & (frames.length - 1);
                count--;
            } else {
                offsets[head] = off + n;
                lengths[head] -= n;
            }
        }
        return copied;
    }

    /** Releases every frame (the connection was reset or closed with data unread). */
    void clear() {
        while (count > 0) {
            frames[head].release();
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
