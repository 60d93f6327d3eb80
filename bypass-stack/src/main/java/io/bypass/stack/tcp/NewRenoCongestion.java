package io.bypass.stack.tcp;

/**
 * NewReno (RFC 5681, RFC 6582): ssthresh = FlightSize / 2 on a congestion event (RFC 5681
 * equation 4) and one SMSS per RTT of growth in congestion avoidance (RFC 5681 equation 3).
 */
final class NewRenoCongestion extends LossRecoveryCongestion {
    @Override
    public CongestionAlgorithm algorithm() {
        return CongestionAlgorithm.NEW_RENO;
    }

    @Override
    protected int lossThreshold(int flight, long nowNs) {
        return flight / 2;
    }

    @Override
    protected void congestionAvoidance(int acked, long nowNs, long srttNs) {
        // About one SMSS per RTT (RFC 5681 equation 3).
        cwnd = saturatedAdd(cwnd, Math.max(1, (int) ((long) mss * mss / cwnd)));
    }

    @Override
    protected void newEpoch() {
        // NewReno's growth has no memory beyond cwnd.
    }
}
