package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/** User timeout (RFC 5482 semantics as Linux's TCP_USER_TIMEOUT; RFC 9293 section 3.8.4). */
class TcpUserTimeoutTest {
    private static final int P = 5000;
    private static final long S = 1_000 * TcpHarness.MS;
    private final TcpHarness h = new TcpHarness();

    @Test
    void unacknowledgedDataAbortsAfterTheUserTimeout() {
        TcpConnection c = h.connectTo(P);
        c.userTimeoutNs(5 * S);
        h.write(c, TcpHarness.bytes(100, 1));
        h.expect(Seg.of(ACK | PSH).seq(h.iss + 1).payload(TcpHarness.bytes(100, 1)));
        // Retransmissions back off 1, 2, 4 s...; the abort comes at 5 s, not after 15 retries.
        h.advance(4 * S + 900 * TcpHarness.MS);
        assertEquals(TcpState.ESTABLISHED, c.state());
        h.advance(200 * TcpHarness.MS);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.TIMED_OUT, c.error());
        assertEquals(1, h.counters.get(Counter.TCP_USER_TIMEOUTS));
        h.assertNoLeaks();
    }

    @Test
    void forwardProgressRestartsTheUserTimeout() {
        TcpConnection c = h.connectTo(P);
        c.userTimeoutNs(5 * S);
        h.write(c, TcpHarness.bytes(100, 1));
        h.advance(4 * S);
        h.send(Seg.ack(P + 1, h.iss + 51));
        h.advance(4 * S);
        assertEquals(TcpState.ESTABLISHED, c.state(), "acknowledged 4 s ago: still within 5 s");
        h.advance(2 * S);
        assertEquals(TcpError.TIMED_OUT, c.error());
    }

    @Test
    void zeroMeansTheRetransmissionLimitDecides() {
        TcpHarness t = new TcpHarness(TcpHarness.config().maxRetransmissions(2).build(), S);
        TcpConnection c = t.connectTo(P);
        assertEquals(0, c.userTimeoutNs());
        t.write(c, TcpHarness.bytes(100, 1));
        for (int i = 0; i < 10 && c.state() != TcpState.CLOSED; i++) {
            t.advance(60 * S);
        }
        assertEquals(TcpError.TIMED_OUT, c.error());
        assertEquals(0, t.counters.get(Counter.TCP_USER_TIMEOUTS));
        assertEquals(3, t.counters.get(Counter.TCP_TIMEOUTS), "two retransmissions, then the abort");
        assertTrue(t.counters.get(Counter.TCP_RETRANSMITS) == 2);
    }
}
