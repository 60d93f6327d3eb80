package io.bypass.stack.tcp;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A connection's send buffer: an off-heap ring holding the bytes from SND.UNA on, both
 * sent-but-unacknowledged and not yet sent. Application bytes are copied in once by
 * {@link #write}; each segment copies its payload out of the ring into a fresh frame, so a
 * retransmission rebuilds the segment from here.
 *
 * <p>The buffer's size (SO_SNDBUF) may be below the ring's: a smaller size set by the
 * application just leaves part of the ring unused. A larger one, or auto-tuning
 * ({@link TcpConnection}), moves the bytes into a larger ring ({@link #moveTo}): one
 * allocation and one copy per growth, never per packet or per write.
 *
 * <pre>
 *   head                        head+length         (indices modulo capacity)
 *   | acked bytes are consumed   |
 *   v                            v
 *   [ unacked ... | unsent ...   ][ free ...                   ]
 * </pre>
 */
final class SendBuffer {
    private MemorySegment ring;
    private ByteBuffer view;
    private int capacity;
    private int size;
    private int head;
    private int length;

    /** @param ring the ring's memory (one per connection, recycled by the layer); its size is the buffer's */
    SendBuffer(MemorySegment ring) {
        this.ring = ring;
        this.view = ring.asByteBuffer();
        this.capacity = (int) ring.byteSize();
        this.size = capacity;
    }

    /**
     * Moves the held bytes to the start of {@code larger} and uses it from now on.
     *
     * @return the ring given up, for recycling
     */
    MemorySegment moveTo(MemorySegment larger) {
        MemorySegment old = ring;
        copyOut(0, larger, 0, length);
        ring = larger;
        view = larger.asByteBuffer();
        capacity = (int) larger.byteSize();
        head = 0;
        return old;
    }

    /** Sets the buffer's size, at most the ring's; below what is held, writes wait until acks free room. */
    void size(int bytes) {
        size = Math.min(bytes, capacity);
    }

    /** @return the buffer's size: what may be held at most */
    int size() {
        return size;
    }

    /** @return the ring memory, for recycling */
    MemorySegment memory() {
        return ring;
    }

    /** @return bytes held (unacknowledged plus unsent) */
    int length() {
        return length;
    }

    /** @return free bytes */
    int free() {
        return Math.max(0, size - length);
    }

    /** @return the ring's size in bytes, at least {@link #size()} */
    int capacity() {
        return capacity;
    }

    /**
     * Copies as much of {@code src} as fits; advances its position.
     *
     * @return bytes taken
     */
    int write(ByteBuffer src) {
        int n = Math.min(src.remaining(), free());
        int taken = 0;
        while (taken < n) {
            int tail = wrap(head + length);
            int chunk = Math.min(n - taken, capacity - tail);
            // An absolute bulk put: no limit and position juggling on either buffer.
            int from = src.position();
            view.put(tail, src, from, chunk);
            src.position(from + chunk);
            length += chunk;
            taken += chunk;
        }
        return taken;
    }

    /**
     * Copies {@code count} bytes starting {@code from} bytes after the head into {@code dst}.
     */
    void copyOut(int from, MemorySegment dst, long dstOffset, int count) {
        int start = wrap(head + from);
        int first = Math.min(count, capacity - start);
        MemorySegment.copy(ring, start, dst, dstOffset, first);
        if (first < count) {
            MemorySegment.copy(ring, 0, dst, dstOffset + first, count - first);
        }
    }

    /** Drops {@code count} acknowledged bytes from the head. */
    void consume(int count) {
        head = wrap(head + count);
        length -= count;
    }

    /**
     * An index past the end taken back into the ring. Indexes here are below twice the
     * capacity (head and an offset within the held bytes), so one subtraction does what
     * {@code %} would, without an integer division on every segment.
     */
    private int wrap(int index) {
        return index >= capacity ? index - capacity : index;
    }
}
