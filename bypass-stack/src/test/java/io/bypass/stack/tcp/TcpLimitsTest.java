package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/** The connection limit: a counted refusal, never a hang or an OutOfMemoryError. */
class TcpLimitsTest {
    private static final int P = 5000;

    @Test
    void connectBeyondTheLimitThrowsAndCounts() {
        TcpHarness h = new TcpHarness(TcpHarness.config().maxConnections(2).build(), 1_000 * TcpHarness.MS);
        h.layer.connect(LOCAL_IP, 0, REMOTE_IP, 1, h.nowNs);
        h.layer.connect(LOCAL_IP, 0, REMOTE_IP, 2, h.nowNs);
        TcpException e = assertThrows(TcpException.class, () -> h.layer.connect(LOCAL_IP, 0, REMOTE_IP, 3, h.nowNs));
        assertEquals(TcpException.Reason.CONNECTION_LIMIT, e.reason());
        assertEquals(1, h.counters.get(Counter.TCP_DROP_CONNECTION_LIMIT));
        assertEquals(2, h.layer.connectionCount());
        h.ip.drop();
    }

    @Test
    void synBeyondTheLimitIsDroppedEvenWithCookies() {
        // A cookie would only lead to an ACK the full table could not take.
        TcpHarness h = new TcpHarness(TcpHarness.config().maxConnections(1).build(), 1_000 * TcpHarness.MS);
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 8);
        h.send(Seg.syn(P).mss(1460));
        h.expect(Seg.of(SYN | io.bypass.stack.wire.TcpHeader.ACK));
        h.peerPort = 40_001;
        h.send(Seg.syn(P).mss(1460));
        h.expectNothing();
        assertEquals(1, h.counters.get(Counter.TCP_DROP_CONNECTION_LIMIT));
        assertEquals(0, h.counters.get(Counter.TCP_SYN_COOKIES_SENT));
        h.assertNoLeaks();
    }
}
