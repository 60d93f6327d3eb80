package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CUBIC's window against the formulas of RFC 9438, driven ACK by ACK on a virtual clock. */
class CubicCongestionTest {
    private static final int MSS = 1000;
    private static final long MS = 1_000_000L;
    private final CubicCongestion cc = new CubicCongestion();
    private int sndUna = 1;
    private long nowNs = 1_000 * MS;

    @Test
    void kAndWCubicAreTheRfcFormulas() {
        // RFC 9438 equations 1 and 2 with C = 0.4: K = cbrt((W_max - cwnd_epoch) / C).
        assertEquals(Math.cbrt(30 / 0.4), CubicCongestion.k(100, 70), 1e-12);
        assertEquals(0, CubicCongestion.k(70, 80));
        double k = CubicCongestion.k(100, 70);
        assertEquals(70, CubicCongestion.wCubic(0, k, 100), 1e-9, "the curve starts at cwnd_epoch");
        assertEquals(100, CubicCongestion.wCubic(k, k, 100), 1e-9, "and reaches W_max at t = K");
        assertEquals(100 + 0.4 * 8, CubicCongestion.wCubic(k + 2, k, 100), 1e-9);
        assertEquals(3 * (1 - 0.7) / (1 + 0.7), CubicCongestion.ALPHA, 1e-12);
    }

    @Test
    void tripleDupAckSetsSsthreshToSeventyPercentOfFlight() {
        // RFC 9438 section 4.6: ssthresh = flight_size * beta_cubic, W_max = cwnd.
        cc.init(MSS, 0);
        cc.cwnd = 100 * MSS;
        for (int i = 0; i < 3; i++) {
            cc.onDupAck(sndUna, 100 * MSS, sndUna + 100 * MSS, nowNs);
        }
        assertEquals(70 * MSS, cc.ssthresh());
        assertEquals(100, cc.wMax(), 1e-9);
        assertEquals(73 * MSS, cc.cwnd(), "NewReno fast recovery: ssthresh + 3 SMSS");
    }

    @Test
    void fastConvergenceLowersWMaxWhenLosingBelowTheLastMaximum() {
        // RFC 9438 section 4.7: cwnd < W_max at the event: W_max = cwnd * (1 + beta) / 2.
        lossAt(100);
        lossAt(90);
        assertEquals(90 * 1.7 / 2, cc.wMax(), 1e-9);
    }

    @Test
    void windowFollowsTheCubicCurveAfterALoss() {
        // RFC 9438 sections 4.2, 4.4 and 4.5: concave up to W_max at t = K, convex beyond.
        long rttNs = 100 * MS;
        lossAt(100);
        double k = CubicCongestion.k(100, 70);
        long epochNs = nowNs;
        double[] checkpoints = {k / 2, k, k + 1.5};
        int next = 0;
        while (next < checkpoints.length) {
            // One RTT: every segment of the window is acknowledged, spread over the RTT.
            int segments = cc.cwnd() / MSS;
            for (int i = 0; i < segments; i++) {
                ack(MSS, rttNs / segments, cc.cwnd(), rttNs);
            }
            double t = (nowNs - epochNs) / 1e9;
            if (t >= checkpoints[next]) {
                // The window aims one RTT ahead of the curve, so it sits near W_cubic(t).
                double want = CubicCongestion.wCubic(t, k, 100);
                double got = (double) cc.cwnd() / MSS;
                assertEquals(want, got, want * 0.03, "at t=" + t + "s");
                next++;
            }
        }
        assertTrue(cc.k() > 4.2 && cc.k() < 4.22, "K = cbrt(75) = 4.217 s, was " + cc.k());
    }

    @Test
    void renoFriendlyRegionWinsOnShortRtts() {
        // RFC 9438 section 4.3: with a 1 ms RTT, W_est (alpha_cubic until the prior window,
        // then 1 per RTT) outgrows the curve; cwnd follows W_est, about 1,000 segments in 1 s.
        long rttNs = MS;
        lossAt(10);
        for (int rtt = 0; rtt < 1_000; rtt++) {
            int segments = cc.cwnd() / MSS;
            for (int i = 0; i < segments; i++) {
                ack(MSS, rttNs / segments, cc.cwnd(), rttNs);
            }
        }
        double cubicAfterOneSecond = CubicCongestion.wCubic(1.0, CubicCongestion.k(10, 7), 10);
        int segments = cc.cwnd() / MSS;
        assertTrue(cubicAfterOneSecond < 20, "the curve alone stays near W_max");
        assertTrue(segments > 950 && segments < 1_010, "cwnd follows W_est: " + segments + " segments");
    }

    @Test
    void timeoutCutsToOneSegmentAndSsthreshToSeventyPercent() {
        // RFC 9438 section 4.8: a timeout is a congestion event; then slow start from 1 SMSS.
        cc.init(MSS, 0);
        cc.cwnd = 50 * MSS;
        cc.ssthresh = 10 * MSS;
        cc.onTimeout(50 * MSS, 50 * MSS + 1, nowNs);
        assertEquals(MSS, cc.cwnd());
        assertEquals(35 * MSS, cc.ssthresh());
        assertEquals(50, cc.wMax(), 1e-9);
    }

    @Test
    void newRenoHalvesWhereCubicKeepsSeventyPercent() {
        // RFC 5681 equation 4 against RFC 9438 section 4.6, same loss.
        NewRenoCongestion reno = new NewRenoCongestion();
        reno.init(MSS, 0);
        reno.cwnd = 100 * MSS;
        reno.ssthresh = 50 * MSS;
        for (int i = 0; i < 3; i++) {
            reno.onDupAck(1, 100 * MSS, 100 * MSS + 1, nowNs);
        }
        assertEquals(50 * MSS, reno.ssthresh());
        lossAt(100);
        assertEquals(70 * MSS, cc.ssthresh());
    }

    /** cwnd at {@code segments}, three duplicate ACKs, then the full ACK ends recovery at ssthresh. */
    private void lossAt(int segments) {
        if (cc.cwnd() == 0) {
            cc.init(MSS, 0);
        }
        // A new ACK first, so that the duplicates lie past the last recovery point (RFC 6582 step 2).
        ack(MSS, MS, cc.cwnd(), 0);
        cc.cwnd = segments * MSS;
        cc.ssthresh = Math.min(cc.ssthresh, segments * MSS);
        int flight = segments * MSS;
        int sndMax = sndUna + flight;
        boolean retransmit = false;
        for (int i = 0; i < 3; i++) {
            retransmit = cc.onDupAck(sndUna, flight, sndMax, nowNs);
        }
        assertTrue(retransmit, "the third duplicate ACK fast-retransmits");
        // The full ACK: recovery ends with a window of ssthresh (enough still in flight).
        int acked = sndMax - sndUna;
        sndUna = sndMax;
        cc.onNewAck(sndUna, acked, cc.ssthresh(), nowNs, 0);
        assertEquals(cc.ssthresh(), cc.cwnd());
    }

    private void ack(int bytes, long afterNs, int flightAfter, long srttNs) {
        nowNs += afterNs;
        sndUna += bytes;
        cc.onNewAck(sndUna, bytes, flightAfter, nowNs, srttNs);
    }
}
