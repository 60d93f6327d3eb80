package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/** RFC 7323 timestamps: TS.Recent (section 4.3), RTTM (section 4.1) and PAWS (section 5). */
class TcpTimestampTest {
    private static final int P = 5000;
    private final TcpHarness h = new TcpHarness();
    private int iss;
    private int ourTs;

    /** Active open with timestamps, the SYN-ACK arriving {@code rttMs} after the SYN. */
    private TcpConnection open(long rttMs) {
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN));
        iss = syn.seq;
        h.advance(rttMs * MS);
        h.send(Seg.of(SYN | ACK).seq(P).ack(iss + 1).mss(1460).ts(100, syn.tsVal));
        ourTs = h.expect(Seg.ack(iss + 1, P + 1).ts(0, 100)).tsVal;
        return c;
    }

    @Test
    void oldDuplicateIsDroppedByPawsAndAcked() {
        TcpConnection c = open(0);
        h.send(Seg.ack(P + 1, iss + 1).payload("abc").ts(200, ourTs));
        h.advance(40 * MS);
        h.expect(Seg.ack(iss + 1, P + 4).ts(0, 200));
        // RFC 7323 section 5.3 R1: TSval 150 < TS.Recent 200: not acceptable, ACK, drop.
        h.send(Seg.ack(P + 4, iss + 1).payload("def").ts(150, ourTs));
        h.expect(Seg.ack(iss + 1, P + 4).ts(0, 200));
        assertEquals(1, h.counters.get(Counter.TCP_PAWS_REJECTED));
        assertEquals(3, c.available());
        // The same data with a current TSval is taken.
        h.send(Seg.ack(P + 4, iss + 1).payload("def").ts(201, ourTs));
        assertEquals(6, c.available());
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void delayedAckEchoesTheEarliestUnacknowledgedSegment() {
        // RFC 7323 section 4.3: TS.Recent moves only for a segment at or left of Last.ACK.sent.
        open(0);
        h.send(Seg.ack(P + 1, iss + 1).payload("a").ts(300, ourTs));
        h.send(Seg.ack(P + 2, iss + 1).payload("b").ts(310, ourTs));
        h.advance(40 * MS);
        h.expect(Seg.ack(iss + 1, P + 3).ts(0, 300));
    }

    @Test
    void retransmittedSegmentGivesAnRttSampleFromItsEcho() {
        // RFC 7323 section 4.1: the echo names the transmission acknowledged, so unlike
        // Karn's rule (RFC 6298 section 3) a retransmission yields a sample too.
        TcpConnection c = open(80);
        assertEquals(80 * MS, c.srttNs());
        h.write(c, TcpHarness.bytes(100, 1));
        h.expect(Seg.ack(iss + 1, P + 1).flags(ACK | PSH).payload(TcpHarness.bytes(100, 1)));
        h.advance(c.rtoNs());
        Seg again = h.expect(Seg.ack(iss + 1, P + 1).payload(TcpHarness.bytes(100, 1)));
        h.advance(30 * MS);
        h.send(Seg.ack(P + 1, iss + 101).ts(400, again.tsVal));
        // SRTT = 7/8 * 80 ms + 1/8 * 30 ms (RFC 6298 section 2.3).
        assertEquals((7 * 80 * MS + 30 * MS) / 8, c.srttNs());
        assertEquals(1, h.counters.get(Counter.TCP_TIMEOUTS));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void tsValFollowsTheMillisecondClock() {
        TcpConnection c = open(0);
        h.advance(250 * MS);
        h.write(c, TcpHarness.bytes(10, 2));
        assertEquals(ourTs + 250, h.next().tsVal);
    }
}
