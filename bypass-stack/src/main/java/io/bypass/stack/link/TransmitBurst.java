package io.bypass.stack.link;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;

/**
 * The stack's transmit burst: complete Ethernet frames waiting for one
 * {@link Link#transmit} call. Flushed when full and at the end of every poll, so that
 * frames leave in bursts (one doorbell per burst on real NICs) without waiting long.
 */
public final class TransmitBurst {
    private final Link link;
    private final StackCounters counters;
    private final Frame[] frames;
    private final int[] lengths;
    private int count;

    /**
     * @param link     where frames go
     * @param counters where TX_FRAMES, TX_BYTES and TX_DROP_LINK_FULL are counted
     * @param size     frames per burst
     */
    public TransmitBurst(Link link, StackCounters counters, int size) {
        this.link = link;
        this.counters = counters;
        this.frames = new Frame[size];
        this.lengths = new int[size];
    }

    /** Takes ownership of a frame whose window holds a complete Ethernet frame; flushes when the burst is full. */
    public void add(Frame frame) {
        lengths[count] = frame.length();
        frames[count++] = frame;
        if (count == frames.length) {
            flush();
        }
    }

    /**
     * @return how many more frames the link takes now after those waiting here
     *         ({@link Link#transmitRoom}); {@link Integer#MAX_VALUE} when it cannot tell
     */
    public int room() {
        int room = link.transmitRoom();
        return room == Integer.MAX_VALUE ? room : room - count;
    }

    /** @return how many frames wait for {@link #flush} */
    public int size() {
        return count;
    }

    /**
     * Hands the queued frames to the link.
     *
     * @return how many frames were handed over
     */
    public int flush() {
        int n = count;
        if (n == 0) {
            return 0;
        }
        count = 0;
        int queued = link.transmit(frames, n);
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            // Links queue a prefix of the burst and release the rest.
            if (i < queued) {
                bytes += lengths[i];
            }
            frames[i] = null;
        }
        counters.add(Counter.TX_FRAMES, queued);
        counters.add(Counter.TX_BYTES, bytes);
        counters.add(Counter.TX_DROP_LINK_FULL, n - queued);
        return n;
    }
}
