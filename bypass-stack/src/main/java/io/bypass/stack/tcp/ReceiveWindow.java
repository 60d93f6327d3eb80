package io.bypass.stack.tcp;

import java.util.function.LongSupplier;

/**
 * A connection's receive window: the receive buffer's size (SO_RCVBUF) with its auto-tuning,
 * and the right edge RCV.ADV we offered, which never moves left (RFC 9293 section 3.8.6.2.2,
 * RFC 7323 section 2.4). Received bytes themselves wait in the {@link ReceiveQueue}; this
 * only decides how much more the peer may send.
 *
 * <p>The window offered never promises more than the receive frames the connection may
 * still take can hold (at most {@link TcpConfig#receiveFramesPerConnection()}, and an even
 * share of the layer's free {@link TcpConfig#receiveFramesTotal()} among the connections
 * holding frames, {@link FrameBudget#share}; a full-sized segment per frame): a slow
 * reader's window closes when its frames run out, however large auto-tuning made its
 * buffer. Because the right edge never moves left (RFC 9293 section 3.8.6), data may still
 * arrive beyond what the frames hold; {@link ReceiveQueue} compacts or declines it.
 *
 * <p>Auto-tuning, unless the application fixed the size: per measurement of at least one
 * smoothed RTT, when the application drained more than half the buffer per RTT, the buffer
 * doubles up to the cap. A window that the application empties within an RTT is what limits the
 * transfer (RFC 7323 section 1.1: the window must cover the bandwidth-delay product), and
 * Linux's dynamic right-sizing keeps its buffer at twice what an RTT delivers for the same
 * reason. The buffer is only a bound on held frames, so growing it allocates nothing.
 */
final class ReceiveWindow {
    private int bufferBytes;
    private boolean fixed;
    /** RCV.ADV: the right edge we last offered. */
    private int rightEdge;
    private boolean measuring;
    private long measureStartNs;
    private long drained;

    /** @param bufferBytes the receive buffer a connection starts with */
    ReceiveWindow(int bufferBytes) {
        this.bufferBytes = bufferBytes;
    }

    /** @return the receive buffer's size now */
    int bufferBytes() {
        return bufferBytes;
    }

    /** Sets the buffer's size (SO_RCVBUF) and turns auto-tuning off. */
    void fix(int bytes) {
        bufferBytes = bytes;
        fixed = true;
    }

    /** Sets RCV.ADV outright: the handshake's first offer. */
    void rightEdge(int edge) {
        rightEdge = edge;
    }

    /** @return RCV.ADV */
    int rightEdge() {
        return rightEdge;
    }

    /** @return RCV.WND: what is left of the window we offered, from {@code rcvNxt} */
    int remaining(int rcvNxt) {
        return Math.max(rightEdge - rcvNxt, 0);
    }

    /**
     * The window field to put in a segment now, from free buffer space, with receiver SWS
     * avoidance (RFC 9293 section 3.8.6.2.2: the right edge moves only by at least
     * min(buffer / 2, MSS)); moves RCV.ADV to what it offers.
     *
     * @param shift  0 on a SYN (never scaled, RFC 7323 section 2.2), else our scale shift
     * @param queued bytes waiting for the application
     * @param mss    the receive MSS
     * @param roomBytes what the receive frames still allowed can hold
     */
    int advertise(int rcvNxt, int shift, int queued, int mss, int roomBytes) {
        // In whole units of 2^shift. Rounding down could pull the right edge left: then the
        // current window is rounded up instead (as Linux does), so RCV.ADV never moves left
        // (RFC 7323 section 2.4).
        int current = remaining(rcvNxt);
        int possible = possible(shift, queued, roomBytes);
        int window = possible - current >= swsThreshold(mss) ? possible : current;
        int field = window >>> shift;
        if (field << shift < current) {
            field = (int) Math.min(TcpConnection.MAX_WINDOW, ((long) current + (1 << shift) - 1) >>> shift);
        }
        rightEdge = rcvNxt + (field << shift);
        return field;
    }

    /**
     * @param roomBytes what the receive frames still allowed can hold
     * @return whether the window has opened by enough to be worth an update of its own (RFC 1122 4.2.3.3)
     */
    boolean worthUpdate(int rcvNxt, int shift, int queued, int mss, int roomBytes) {
        int current = remaining(rcvNxt);
        int possible = possible(shift, queued, roomBytes);
        return possible - current >= swsThreshold(mss) && possible >= 2 * current;
    }

    /**
     * The application read {@code copied} bytes: auto-tunes the buffer (see the class comment).
     * Asks {@code clock} for the time only at the first read and once more than half the
     * buffer has been drained since the measurement began: before that the buffer cannot grow,
     * so a read of a few bytes costs no clock read. A measurement is judged once it has lasted
     * a period, on its average: one that a slow drain stretched over many periods before it
     * passed half the buffer grows nothing, and the next starts.
     *
     * @param clock    the current time, asked only when needed
     * @param periodNs the smoothed RTT, or a stand-in before the first sample
     * @param maxBytes the cap
     * @return whether the buffer grew
     */
    boolean drained(int copied, LongSupplier clock, long periodNs, int maxBytes) {
        if (fixed) {
            return false;
        }
        if (!measuring) {
            measuring = true;
            measureStartNs = clock.getAsLong();
        }
        drained += copied;
        if (2 * drained <= bufferBytes) {
            return false;
        }
        long nowNs = clock.getAsLong();
        long elapsedNs = nowNs - measureStartNs;
        if (elapsedNs < periodNs) {
            return false;
        }
        boolean grew = false;
        // More than half the buffer per period, on average over the measurement (which a slow
        // drain may have stretched over many periods): drained / elapsed > (buffer / 2) / period.
        if (2.0 * drained * periodNs > (double) bufferBytes * elapsedNs) {
            int grown = (int) Math.min(2L * bufferBytes, maxBytes);
            grew = grown > bufferBytes;
            bufferBytes = grown;
        }
        measureStartNs = nowNs;
        drained = 0;
        return grew;
    }

    private int possible(int shift, int queued, int roomBytes) {
        return Math.max(0, Math.min(Math.min(bufferBytes - queued, roomBytes), TcpConnection.MAX_WINDOW << shift));
    }

    private int swsThreshold(int mss) {
        return Math.min(bufferBytes / 2, mss);
    }
}
