package io.bypass.stack.tcp;

/**
 * What NewReno and CUBIC share: slow start (RFC 5681 section 3.1, with appropriate byte
 * counting of RFC 3465), fast retransmit and fast recovery (RFC 5681 section 3.2) with
 * NewReno's partial acknowledgments (RFC 6582 section 3.2), and Limited Transmit (RFC 3042).
 * RFC 9438 section 4.9 keeps this loss recovery for CUBIC; the algorithms differ only in
 * how far the window falls on a congestion event ({@link #lossThreshold}) and how it grows
 * in congestion avoidance ({@link #congestionAvoidance}).
 */
abstract class LossRecoveryCongestion implements CongestionControl {
    /** The sender maximum segment size in bytes. */
    protected int mss;
    /** The congestion window in bytes. */
    protected int cwnd;
    /** The slow-start threshold in bytes. */
    protected int ssthresh;
    private int dupAcks;
    private int recover;
    private boolean inRecovery;
    /** Bytes sent by Limited Transmit since the last new ACK. */
    private int limitedTransmitBytes;

    @Override
    public void init(int mss, int iss) {
        this.mss = mss;
        this.cwnd = initialWindow(mss);
        this.ssthresh = Integer.MAX_VALUE;
        this.dupAcks = 0;
        this.recover = iss;
        this.inRecovery = false;
        this.limitedTransmitBytes = 0;
        newEpoch();
    }

    @Override
    public void continueFrom(CongestionControl previous, int mss, int sndUna) {
        this.mss = mss;
        this.cwnd = previous.cwnd();
        this.ssthresh = previous.ssthresh();
        this.dupAcks = 0;
        // Any loss from here on may start recovery (RFC 6582 step 2 needs ACK > recover); a
        // recovery the previous algorithm was in is left, as Linux's switch leaves it.
        this.recover = sndUna - 1;
        this.inRecovery = false;
        this.limitedTransmitBytes = 0;
        newEpoch();
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

    @Override
    public void mss(int newMss) {
        mss = newMss;
        cwnd = Math.max(cwnd, mss);
    }

    @Override
    public boolean onNewAck(int ack, int acked, int flightAfter, long nowNs, long srttNs) {
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
            congestionAvoidance(acked, nowNs, srttNs);
        }
        return false;
    }

    @Override
    public boolean onDupAck(int ack, int flight, int sndMax, long nowNs) {
        dupAcks++;
        if (inRecovery) {
            // RFC 5681 section 3.2 step 4: inflate for each segment that left the network.
            cwnd = saturatedAdd(cwnd, mss);
            return false;
        }
        if (dupAcks == DUP_THRESHOLD && SeqNum.gt(ack, recover)) {
            // RFC 6582 section 3.2 step 2: enter fast recovery only past the last one's recover
            // point. RFC 5681 section 3.2: Limited Transmit's segments are not in FlightSize here.
            ssthresh = Math.max(lossThreshold(flight - limitedTransmitBytes, nowNs), 2 * mss);
            limitedTransmitBytes = 0;
            recover = sndMax;
            cwnd = ssthresh + DUP_THRESHOLD * mss;
            inRecovery = true;
            return true;
        }
        return false;
    }

    @Override
    public void onTimeout(int flight, int sndMax, long nowNs) {
        // RFC 5681 section 3.1 equation 4 and the loss window; RFC 6582 section 3.2: recover
        // is set to the highest sequence number sent. RFC 9438 section 4.8: a timeout is a
        // congestion event for CUBIC as well.
        ssthresh = Math.max(lossThreshold(flight, nowNs), 2 * mss);
        cwnd = mss;
        dupAcks = 0;
        limitedTransmitBytes = 0;
        inRecovery = false;
        recover = sndMax;
    }

    @Override
    public void sackRecoveryStarted(int flight, long nowNs) {
        // RFC 6675 section 5 step 4.2, with the algorithm's own multiplicative decrease.
        ssthresh = Math.max(lossThreshold(flight, nowNs), 2 * mss);
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
    @Override
    public int sendWindow() {
        return inRecovery ? cwnd : saturatedAdd(cwnd, Math.min(dupAcks, 2) * mss);
    }

    @Override
    public void onNewDataSent(int bytes, int flightBefore) {
        if (!inRecovery && dupAcks > 0 && flightBefore + bytes > cwnd) {
            limitedTransmitBytes += bytes;
        }
    }

    @Override
    public int cwnd() {
        return cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }

    /**
     * A congestion event (the third duplicate ACK or a timeout) with {@code flight} bytes
     * outstanding: remember what the algorithm needs and return the new ssthresh (the caller
     * keeps it at least two segments).
     */
    protected abstract int lossThreshold(int flight, long nowNs);

    /** Grows {@link #cwnd} for {@code acked} new bytes acknowledged in congestion avoidance. */
    protected abstract void congestionAvoidance(int acked, long nowNs, long srttNs);

    /** Forgets the growth epoch: the next congestion-avoidance ACK starts a new one. */
    protected abstract void newEpoch();

    static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }
}
