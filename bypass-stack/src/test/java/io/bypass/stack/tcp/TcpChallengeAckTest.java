package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.wire.TcpHeader.RST;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/** RFC 5961: challenge ACKs, ACK validation and their rate limit (section 7). */
class TcpChallengeAckTest {
    private static final int P = 5000;
    private final TcpHarness h = new TcpHarness(TcpHarness.config().challengeAcksPerSecond(2).build(), 0);

    @Test
    void challengeAcksAreRateLimitedPerSecond() {
        TcpConnection c = h.connectTo(P);
        for (int i = 0; i < 5; i++) {
            h.send(Seg.of(RST).seq(P + 100 + i));
        }
        // Section 7: two in this second, the other three counted and not sent.
        h.expect(Seg.ack(h.iss + 1, P + 1));
        h.expect(Seg.ack(h.iss + 1, P + 1));
        h.expectNothing();
        assertEquals(2, h.counters.get(Counter.TCP_CHALLENGE_ACKS));
        assertEquals(3, h.counters.get(Counter.TCP_CHALLENGE_ACKS_LIMITED));
        h.advance(1_000 * MS);
        h.send(Seg.syn(P + 7));
        h.expect(Seg.ack(h.iss + 1, P + 1));
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void ackOfDataNotYetSentIsDroppedWithAChallengeAck() {
        // Section 5.2: SEG.ACK > SND.NXT: the segment (and its data) is dropped, an ACK sent.
        TcpConnection c = h.connectTo(P);
        h.send(Seg.ack(P + 1, h.iss + 1000).payload("evil"));
        h.expect(Seg.ack(h.iss + 1, P + 1));
        assertEquals(0, c.available());
        assertEquals(1, h.counters.get(Counter.TCP_CHALLENGE_ACKS));
    }

    @Test
    void ackOlderThanTheLargestWindowIsDroppedWithAChallengeAck() {
        // Section 5.2: SEG.ACK < SND.UNA - MAX.SND.WND: blind injection; dropped with its data.
        TcpConnection c = h.connectTo(P);
        h.send(Seg.ack(P + 1, h.iss + 1 - 200_000).payload("evil"));
        h.expect(Seg.ack(h.iss + 1, P + 1));
        assertEquals(0, c.available());
        assertEquals(TcpState.ESTABLISHED, c.state());
    }
}
