package io.bypass.stack.tcp;

/**
 * CUBIC (RFC 9438) over NewReno's loss recovery: after a congestion event the window follows
 *
 * <pre>
 *   W_cubic(t) = C * (t - K)^3 + W_max          (RFC 9438 equation 1)
 *   K          = cbrt((W_max - cwnd_epoch) / C)  (equation 2)
 * </pre>
 *
 * with t the seconds since the epoch began (the first congestion-avoidance ACK after the
 * event), W_max the window before the event, C = 0.4 and beta_cubic = 0.7; concave below
 * W_max, convex above it. Where Reno would be faster (short RTTs, small windows) it follows
 * the Reno-friendly estimate W_est instead (section 4.3). Fast convergence (section 4.7)
 * lowers W_max when a flow loses before regaining its last maximum. HyStart is not used:
 * slow start is RFC 5681's.
 *
 * <p>Arithmetic: cwnd stays in bytes (an {@code int}) as the connection needs it; the curve
 * is computed in doubles in units of segments and seconds, as the RFC writes it. Growth per
 * ACK is usually a fraction of a byte, so the fractional part is carried between ACKs rather
 * than lost. Time comes only from {@code nowNs}. Not modelled: freezing the epoch while the
 * sender is application-limited (section 5.8).
 */
final class CubicCongestion extends LossRecoveryCongestion {
    /** C of RFC 9438 section 4.2, in segments per second cubed. */
    static final double C = 0.4;
    /** beta_cubic of RFC 9438 section 4.6: the window keeps 70% of itself on a congestion event. */
    static final double BETA = 0.7;
    /** alpha_cubic of RFC 9438 section 4.3: 3 (1 - beta) / (1 + beta), Reno-friendly growth per RTT. */
    static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);
    private static final double NS_PER_SECOND = 1e9;

    /** W_max in segments: the window at the last congestion event (0 before any). */
    private double wMax;
    /** cwnd_prior in segments: the window before the last reduction (section 4.3's switch to alpha 1). */
    private double cwndPrior;
    /** K in seconds, for the current epoch. */
    private double k;
    /** W_est in segments, for the current epoch. */
    private double wEst;
    private boolean epochStarted;
    private long epochStartNs;
    /** Fractions of a byte of growth not yet added to cwnd. */
    private double carryBytes;

    @Override
    public CongestionAlgorithm algorithm() {
        return CongestionAlgorithm.CUBIC;
    }

    /**
     * RFC 9438 equation 2.
     *
     * @param wMax      W_max in segments
     * @param cwndEpoch the window at the start of the epoch, in segments
     * @return K in seconds: how long the curve takes to climb back to W_max
     */
    static double k(double wMax, double cwndEpoch) {
        return wMax <= cwndEpoch ? 0 : Math.cbrt((wMax - cwndEpoch) / C);
    }

    /**
     * RFC 9438 equation 1.
     *
     * @param tSeconds time since the epoch began
     * @param k        K in seconds
     * @param wMax     W_max in segments
     * @return W_cubic(t) in segments
     */
    static double wCubic(double tSeconds, double k, double wMax) {
        double d = tSeconds - k;
        return C * d * d * d + wMax;
    }

    @Override
    protected int lossThreshold(int flight, long nowNs) {
        double cwndSegments = (double) cwnd / mss;
        // Fast convergence (section 4.7): a flow that loses below its last W_max releases bandwidth.
        wMax = cwndSegments < wMax ? cwndSegments * (1 + BETA) / 2 : cwndSegments;
        cwndPrior = cwndSegments;
        newEpoch();
        // Section 4.6: ssthresh = flight_size * beta_cubic.
        return (int) (flight * BETA);
    }

    @Override
    protected void congestionAvoidance(int acked, long nowNs, long srttNs) {
        double cwndSegments = (double) cwnd / mss;
        if (!epochStarted) {
            // Section 4.2: the epoch begins with the first ACK in congestion avoidance.
            epochStarted = true;
            epochStartNs = nowNs;
            if (cwndSegments < wMax) {
                k = k(wMax, cwndSegments);
            } else {
                k = 0;
                wMax = cwndSegments;
            }
            wEst = cwndSegments;
            carryBytes = 0;
        }
        double tSeconds = (nowNs - epochStartNs) / NS_PER_SECOND;
        double ackedSegments = (double) acked / mss;
        // Section 4.3: W_est grows like Reno with alpha_cubic, and like Reno itself (alpha 1)
        // once it has regained the window before the reduction.
        double alpha = wEst >= cwndPrior ? 1 : ALPHA;
        wEst += alpha * ackedSegments / cwndSegments;
        if (wCubic(tSeconds, k, wMax) < wEst) {
            // Reno-friendly region (section 4.3): cwnd = W_est.
            double estBytes = Math.min(wEst * mss, Integer.MAX_VALUE);
            if (estBytes > cwnd) {
                cwnd = (int) estBytes;
            }
            carryBytes = 0;
            return;
        }
        // Concave and convex regions (sections 4.4, 4.5): aim at W_cubic one RTT ahead,
        // within [cwnd, 1.5 cwnd] (section 4.2), by (target - cwnd) / cwnd per segment acked.
        double target = wCubic(tSeconds + srttNs / NS_PER_SECOND, k, wMax);
        target = Math.max(cwndSegments, Math.min(target, 1.5 * cwndSegments));
        carryBytes += (target - cwndSegments) / cwndSegments * acked;
        if (carryBytes >= 1) {
            double whole = Math.floor(carryBytes);
            carryBytes -= whole;
            cwnd = whole >= Integer.MAX_VALUE - cwnd ? Integer.MAX_VALUE : cwnd + (int) whole;
        }
    }

    @Override
    protected void newEpoch() {
        epochStarted = false;
        carryBytes = 0;
    }

    /** @return W_max in segments (for tests and diagnostics) */
    double wMax() {
        return wMax;
    }

    /** @return K in seconds of the current epoch (for tests and diagnostics) */
    double k() {
        return k;
    }
}
