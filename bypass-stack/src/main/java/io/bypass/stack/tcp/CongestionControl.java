package io.bypass.stack.tcp;

/**
 * NewReno congestion control: slow start and congestion avoidance (RFC 5681 section 3.1),
 * fast retransmit and fast recovery (RFC 5681 section 3.2) with NewReno's partial
 * acknowledgments (RFC 6582 section 3.2). The connection tells it what the ACKs say; it
 * answers how much may be in flight ({@link #cwnd()}) and when to retransmit.
 */
final class CongestionControl {
    /** Duplicate ACKs that trigger fast retransmit (RFC 5681 section 3.2). */
    static final int DUP_THRESHOLD = 3;

    private int mss;
    private int cwnd;
    private int ssthresh;
    private int dupAcks;
    private int recover;
    private boolean inRecovery;
    /** Bytes sent by Limited Transmit since the last new ACK. */
    private int limitedTransmitBytes;

    /**
     * Starts a connection (RFC 5681 section 3.1 initial window, RFC 6582 section 3.2 step 1:
     * recover starts at the initial send sequence number).
     */
    void init(int mss, int iss) {
        this.mss = mss;
        this.cwnd = initialWindow(mss);
        this.ssthresh = Integer.MAX_VALUE;
        this.dupAcks = 0;
        this.recover = iss;
        this.inRecovery = false;
    }

    /** RFC 5681 section 3.1: IW by SMSS. */
    static int initialWindow(int mss) {
        if (mss > 2190) {
            return 2 * mss;
        }
        if (mss > 1095) {
            return 3 * mss;
        }
        return 4 * mss;
    }

    /** The path MTU went down (RFC 1191): keep the window in whole segments of the new size. */
    void mss(int newMss) {
        mss = newMss;
        cwnd = Math.max(cwnd, mss);
    }

    /**
     * An ACK of new data.
     *
     * @param ack         the cumulative ACK
     * @param acked       bytes (sequence space) it newly acknowledges
     * @param flightAfter bytes still outstanding after it
     * @return whether it was a partial ACK in fast recovery: the caller retransmits the
     *         first unacknowledged segment and restarts the retransmission timer
     */
    boolean onNewAck(int ack, int acked, int flightAfter) {
        if (inRecovery) {
            if (SeqNum.ge(ack, recover)) {
                // RFC 6582 section 3.2 step 3, full ACK: deflate the window (option 1).
                cwnd = Math.min(ssthresh, Math.max(flightAfter, mss) + mss);
                inRecovery = false;
                dupAcks = 0;
                return false;
            }
            // Step 4, partial ACK: deflate by what was acknowledged, add back one SMSS.
            cwnd = Math.max(mss, cwnd - acked + (acked >= mss ? mss : 0));
            return true;
        }
        dupAcks = 0;
        limitedTransmitBytes = 0;
        if (cwnd < ssthresh) {
            // Slow start, appropriate byte counting with L = 1 SMSS (RFC 5681 section 3.1, RFC 3465).
            cwnd = saturatedAdd(cwnd, Math.min(acked, mss));
        } else {
            // Congestion avoidance: about one SMSS per RTT (RFC 5681 equation 3).
            cwnd = saturatedAdd(cwnd, Math.max(1, (int) ((long) mss * mss / cwnd)));
        }
        return false;
    }

    /**
     * A duplicate ACK (RFC 5681 section 2 definition).
     *
     * @param ack    the cumulative ACK (= SND.UNA)
     * @param flight bytes outstanding
     * @param sndMax the highest sequence number sent
     * @return whether to fast-retransmit the first unacknowledged segment now
     */
    boolean onDupAck(int ack, int flight, int sndMax) {
        dupAcks++;
        if (inRecovery) {
            // RFC 5681 section 3.2 step 4: inflate for each segment that left the network.
            cwnd = saturatedAdd(cwnd, mss);
            return false;
        }
        if (dupAcks == DUP_THRESHOLD && SeqNum.gt(ack, recover)) {
            // RFC 6582 section 3.2 step 2: enter fast recovery only past the last one's recover
            // point. RFC 5681 section 3.2: Limited Transmit's segments are not in FlightSize here.
            ssthresh = Math.max((flight - limitedTransmitBytes) / 2, 2 * mss);
            limitedTransmitBytes = 0;
            recover = sndMax;
            cwnd = ssthresh + DUP_THRESHOLD * mss;
            inRecovery = true;
            return true;
        }
        return false;
    }

    /**
     * A retransmission timeout (RFC 5681 section 3.1 equation 4 and the loss window;
     * RFC 6582 section 3.2: recover is set to the highest sequence number sent).
     */
    void onTimeout(int flight, int sndMax) {
        ssthresh = Math.max(flight / 2, 2 * mss);
        cwnd = mss;
        dupAcks = 0;
        limitedTransmitBytes = 0;
        inRecovery = false;
        recover = sndMax;
    }

    /**
     * SACK-based loss recovery starts (RFC 6675 section 5 step 4.2): ssthresh = cwnd =
     * FlightSize / 2 (RFC 5681 equation 4). During it the connection paces sending by
     * RFC 6675's pipe and does not report ACKs here; cwnd stays at ssthresh until recovery
     * ends. NewReno's own recovery (duplicate ACK counting, inflation) is not used with SACK.
     */
    void sackRecoveryStarted(int flight) {
        ssthresh = Math.max(flight / 2, 2 * mss);
        cwnd = ssthresh;
        dupAcks = 0;
        limitedTransmitBytes = 0;
        inRecovery = false;
    }

    /**
     * How much may be in flight: cwnd, plus one SMSS for each of the first two duplicate
     * ACKs outside recovery (Limited Transmit, RFC 3042 section 2), so that a small window
     * still yields the three duplicates fast retransmit needs.
     */
    int sendWindow() {
        return inRecovery ? cwnd : saturatedAdd(cwnd, Math.min(dupAcks, 2) * mss);
    }

    /** New data of {@code bytes} went out; counted if it was Limited Transmit's (beyond cwnd). */
    void onNewDataSent(int bytes, int flightBefore) {
        if (!inRecovery && dupAcks > 0 && flightBefore + bytes > cwnd) {
            limitedTransmitBytes += bytes;
        }
    }

    /** @return the congestion window in bytes */
    int cwnd() {
        return cwnd;
    }

    /** @return the slow-start threshold in bytes */
    int ssthresh() {
        return ssthresh;
    }

    private static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }
}
