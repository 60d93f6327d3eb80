package io.bypass.stack.tcp;

/**
 * The retransmission timeout of RFC 6298: SRTT and RTTVAR from RTT samples, RTO with
 * exponential backoff. Samples come from segments that were not retransmitted (Karn's
 * algorithm, RFC 6298 section 3); the caller decides which those are.
 */
final class RttEstimator {
    /** Clock granularity G of RFC 6298 section 2: our time is in nanoseconds, we count 1 ms. */
    static final long GRANULARITY_NS = 1_000_000L;

    private final long initialRtoNs;
    private final long minRtoNs;
    private final long maxRtoNs;
    private long srttNs;
    private long rttvarNs;
    private long rtoNs;
    private boolean measured;

    RttEstimator(long initialRtoNs, long minRtoNs, long maxRtoNs) {
        this.initialRtoNs = initialRtoNs;
        this.minRtoNs = minRtoNs;
        this.maxRtoNs = maxRtoNs;
        this.rtoNs = initialRtoNs;
    }

    /** Takes one RTT measurement (RFC 6298 sections 2.2 and 2.3); it also undoes any backoff. */
    void sample(long rttNs) {
        if (rttNs < 0) {
            rttNs = 0;
        }
        if (!measured) {
            srttNs = rttNs;
            rttvarNs = rttNs / 2;
            measured = true;
        } else {
            // beta = 1/4, alpha = 1/8; RTTVAR first, with the old SRTT.
            rttvarNs = (3 * rttvarNs + Math.abs(srttNs - rttNs)) / 4;
            srttNs = (7 * srttNs + rttNs) / 8;
        }
        rtoNs = clamp(srttNs + Math.max(GRANULARITY_NS, 4 * rttvarNs));
    }

    /** Doubles the RTO after a timeout (RFC 6298 section 5.5), up to the maximum. */
    void backOff() {
        rtoNs = clamp(rtoNs > maxRtoNs / 2 ? maxRtoNs : 2 * rtoNs);
    }

    /**
     * Undoes the backoff without a new sample: the RTO goes back to what SRTT and RTTVAR
     * say, or to the initial RTO when there was never a sample (RFC 6298 section 2.1). Called
     * when an ACK of retransmitted data shows the path delivers again. Without timestamps
     * (RFC 7323 RTTM, used when negotiated) Karn's rule gives no sample while we resend after
     * a timeout, and at high loss the backed-off RTO would then never come down; Linux avoids
     * that with timestamp samples, we with those or, without timestamps, with this.
     */
    void undoBackoff() {
        rtoNs = measured ? clamp(srttNs + Math.max(GRANULARITY_NS, 4 * rttvarNs)) : initialRtoNs;
    }

    /** @return the current RTO */
    long rtoNs() {
        return rtoNs;
    }

    /** @return the smoothed RTT (0 before the first sample) */
    long srttNs() {
        return srttNs;
    }

    /** @return the RTT variation (0 before the first sample) */
    long rttvarNs() {
        return rttvarNs;
    }

    private long clamp(long ns) {
        // RFC 6298 section 2.4 (lower bound; ours is configurable) and 2.5 (upper bound).
        return Math.min(maxRtoNs, Math.max(minRtoNs, ns));
    }
}
