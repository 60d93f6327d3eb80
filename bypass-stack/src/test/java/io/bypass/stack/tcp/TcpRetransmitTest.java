package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/** Retransmission (RFC 6298), fast retransmit and recovery (RFC 5681, RFC 6582). */
class TcpRetransmitTest {
    private static final int P = 5000;
    private static final int MSS = 1460;
    // These tests pin NewReno: the numbers are RFC 5681 and RFC 6582 ones (CUBIC is the default).
    private final TcpHarness h = new TcpHarness(
            TcpHarness.config().congestionAlgorithm(CongestionAlgorithm.NEW_RENO).build(), 1_000 * TcpHarness.MS);

    @Test
    void rttEstimatorFollowsRfc6298() {
        // RFC 6298 section 2: first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR.
        RttEstimator e = new RttEstimator(1_000 * MS, 200 * MS, 60_000 * MS);
        assertEquals(1_000 * MS, e.rtoNs());
        e.sample(100 * MS);
        assertEquals(100 * MS, e.srttNs());
        assertEquals(50 * MS, e.rttvarNs());
        assertEquals(300 * MS, e.rtoNs());
        // Later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|, SRTT = 7/8 SRTT + 1/8 R'.
        e.sample(200 * MS);
        assertEquals(62_500_000L, e.rttvarNs());
        assertEquals(112_500_000L, e.srttNs());
        assertEquals(362_500_000L, e.rtoNs());
        // Section 5.5: back off by doubling; section 2.5: capped at the maximum.
        e.backOff();
        assertEquals(725 * MS, e.rtoNs());
        for (int i = 0; i < 20; i++) {
            e.backOff();
        }
        assertEquals(60_000 * MS, e.rtoNs());
        e.undoBackoff();
        assertEquals(362_500_000L, e.rtoNs());
        // Section 2.4: never below the minimum.
        RttEstimator fast = new RttEstimator(1_000 * MS, 200 * MS, 60_000 * MS);
        fast.sample(MS);
        assertEquals(200 * MS, fast.rtoNs());
    }

    @Test
    void retransmissionTimeoutBacksOffAndKarnSkipsTheSample() {
        // RFC 6298 sections 5.4-5.6 (resend, double RTO) and section 3 (Karn's algorithm).
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        assertEquals(200 * MS, c.rtoNs());
        h.write(c, "a".getBytes());
        h.expect(Seg.of(ACK | PSH).seq(iss + 1).payload("a"));
        h.advance(199 * MS);
        h.expectNothing();
        h.advance(MS);
        h.expect(Seg.of(ACK).seq(iss + 1).payload("a"));
        assertEquals(400 * MS, c.rtoNs());
        h.advance(399 * MS);
        h.expectNothing();
        h.advance(MS);
        h.expect(Seg.of(ACK).seq(iss + 1).payload("a"));
        assertEquals(800 * MS, c.rtoNs());
        h.advance(50 * MS);
        h.send(Seg.ack(P + 1, iss + 2));
        // Karn: the ACK of a retransmitted segment gives no sample (SRTT unchanged). The
        // backoff is undone from SRTT/RTTVAR (RttEstimator.undoBackoff says why).
        assertEquals(0, c.srttNs());
        assertEquals(200 * MS, c.rtoNs());
        h.write(c, "b".getBytes());
        h.expect(Seg.of(ACK | PSH).seq(iss + 2).payload("b"));
        h.advance(50 * MS);
        h.send(Seg.ack(P + 1, iss + 3));
        assertEquals(6_250_000L, c.srttNs());
        assertEquals(200 * MS, c.rtoNs());
        assertEquals(2, h.counters.get(Counter.TCP_TIMEOUTS));
        h.assertNoLeaks();
    }

    @Test
    void tooManyRetransmissionsAbortWithTimedOut() {
        // RFC 1122 section 4.2.3.5: R2 exceeded, the connection is closed.
        TcpHarness t = new TcpHarness(TcpHarness.config().maxRetransmissions(2).build(), 0);
        TcpConnection c = t.connectTo(P);
        t.write(c, "x".getBytes());
        t.next();
        t.advance(200 * MS);
        t.next();
        t.advance(400 * MS);
        t.next();
        t.advance(800 * MS);
        t.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.TIMED_OUT, c.error());
        t.assertNoLeaks();
    }

    /** Writes ten segments' worth and takes the three the initial window lets out. */
    private TcpConnection threeSegmentsInFlight() {
        TcpConnection c = h.connectTo(P);
        h.write(c, TcpHarness.bytes(10 * MSS, 1));
        for (int i = 0; i < 3; i++) {
            h.expect(Seg.of(ACK).seq(h.iss + 1 + i * MSS).payload(java.util.Arrays.copyOfRange(
                    TcpHarness.bytes(10 * MSS, 1), i * MSS, (i + 1) * MSS)));
        }
        h.expectNothing();
        return c;
    }

    private int seg(int i) {
        return h.iss + 1 + i * MSS;
    }

    @Test
    void initialWindowIsThreeSegmentsAndSlowStartGrowsIt() {
        // RFC 5681 section 3.1: IW = 3 * SMSS for 1095 < SMSS <= 2190; +SMSS per ACK in slow start.
        TcpConnection c = threeSegmentsInFlight();
        assertEquals(3 * MSS, c.congestionWindow());
        h.send(Seg.ack(P + 1, seg(1)));
        assertEquals(4 * MSS, c.congestionWindow());
        assertEquals(seg(3), h.next().seq);
        assertEquals(seg(4), h.next().seq);
        h.expectNothing();
    }

    @Test
    void firstTwoDupAcksReleaseNewSegmentsAndTheThirdFastRetransmits() {
        // RFC 3042 (Limited Transmit) and RFC 5681 section 3.2 steps 1-4.
        TcpConnection c = threeSegmentsInFlight();
        h.send(Seg.ack(P + 1, seg(1)));
        h.next();
        h.next();
        h.send(Seg.ack(P + 1, seg(1)));
        assertEquals(seg(5), h.next().seq, "Limited Transmit: one new segment per duplicate");
        h.send(Seg.ack(P + 1, seg(1)));
        assertEquals(seg(6), h.next().seq);
        h.expectNothing();
        h.send(Seg.ack(P + 1, seg(1)));
        assertEquals(seg(1), h.next().seq, "the first unacknowledged segment is resent");
        assertEquals(1, h.counters.get(Counter.TCP_FAST_RETRANSMITS));
        // ssthresh = FlightSize / 2 without Limited Transmit's two = 2 SMSS; cwnd = ssthresh + 3 SMSS.
        assertEquals(2 * MSS, c.slowStartThreshold());
        assertEquals(5 * MSS, c.congestionWindow());
        h.expectNothing();
        // Step 4: every further duplicate inflates cwnd by one SMSS; new data once it passes FlightSize.
        h.send(Seg.ack(P + 1, seg(1)));
        assertEquals(6 * MSS, c.congestionWindow());
        h.expectNothing();
        h.send(Seg.ack(P + 1, seg(1)));
        assertEquals(seg(7), h.next().seq);
    }

    @Test
    void newRenoPartialAckRetransmitsTheNextHoleAndFullAckEndsRecovery() {
        // RFC 6582 section 3.2 steps 3-5.
        TcpConnection c = threeSegmentsInFlight();
        h.send(Seg.ack(P + 1, seg(1)));
        h.next();
        h.next();
        for (int i = 0; i < 3; i++) {
            h.send(Seg.ack(P + 1, seg(1)));
        }
        assertEquals(seg(5), h.next().seq);
        assertEquals(seg(6), h.next().seq);
        assertEquals(seg(1), h.next().seq);
        // recover = end of segment 6 (highest sent when recovery began); segment 3 was lost too.
        h.send(Seg.ack(P + 1, seg(3)));
        assertEquals(seg(3), h.next().seq, "partial ACK: the next hole is resent at once");
        assertEquals(5 * MSS - 2 * MSS + MSS, c.congestionWindow());
        h.expectNothing();
        h.send(Seg.ack(P + 1, seg(7)));
        // Full ACK: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
        assertEquals(2 * MSS, c.congestionWindow());
        assertEquals(seg(7), h.next().seq);
        assertEquals(seg(8), h.next().seq);
        h.expectNothing();
        assertEquals(1, h.counters.get(Counter.TCP_FAST_RETRANSMITS));
        h.assertNoLeaks();
    }
}
