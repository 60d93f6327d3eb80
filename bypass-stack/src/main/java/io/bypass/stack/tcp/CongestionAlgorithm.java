package io.bypass.stack.tcp;

/**
 * The congestion control algorithms a connection can run. Chosen per stack with
 * {@link TcpConfig.Builder#congestionAlgorithm} and per connection with
 * {@link TcpConnection#congestionAlgorithm(CongestionAlgorithm)}.
 */
public enum CongestionAlgorithm {
    /** NewReno (RFC 5681, RFC 6582): halves the window on loss, grows it by one SMSS per RTT. */
    NEW_RENO,
    /**
     * CUBIC (RFC 9438), the default as in Linux: the window grows as a cubic function of
     * the time since the last congestion event, and shrinks to 0.7 of itself on loss.
     */
    CUBIC
}
