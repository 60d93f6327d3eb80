package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/** Keep-alive: RFC 1122 section 4.2.3.6, with Linux's idle, interval and count. */
class TcpKeepaliveTest {
    private static final int P = 5000;
    private static final long S = 1_000 * TcpHarness.MS;
    private final TcpHarness h = new TcpHarness();

    private TcpConnection keptAlive() {
        TcpConnection c = h.connectTo(P);
        c.keepAliveTimes(10 * S, 2 * S, 3);
        c.keepAlive(true, h.nowNs);
        assertTrue(c.keepAlive());
        return c;
    }

    @Test
    void defaultsAreLinuxs() {
        TcpConfig config = TcpConfig.defaults();
        assertEquals(7_200 * S, config.keepAliveIdleNs());
        assertEquals(75 * S, config.keepAliveIntervalNs());
        assertEquals(9, config.keepAliveCount());
        assertFalse(h.connectTo(P).keepAlive(), "off unless asked for");
    }

    @Test
    void idleConnectionIsProbedWithSndNxtMinusOneAndNoData() {
        keptAlive();
        h.advance(10 * S - TcpHarness.MS);
        h.expectNothing();
        h.advance(2 * TcpHarness.MS);
        h.expect(Seg.ack(h.iss, P + 1));
        assertEquals(1, h.counters.get(Counter.TCP_KEEPALIVE_PROBES));
    }

    @Test
    void answeredProbeKeepsTheConnectionAndRestartsTheIdleWait() {
        TcpConnection c = keptAlive();
        h.advance(10 * S + TcpHarness.MS);
        h.expect(Seg.ack(h.iss, P + 1));
        // The peer answers the out-of-window probe with an ACK of its current state.
        h.send(Seg.ack(P + 1, h.iss + 1));
        h.advance(5 * S);
        h.expectNothing();
        h.advance(5 * S);
        h.expect(Seg.ack(h.iss, P + 1));
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void trafficFromThePeerPostponesTheFirstProbe() {
        keptAlive();
        h.advance(8 * S);
        h.send(Seg.ack(P + 1, h.iss + 1).payload("hi"));
        h.advance(5 * S);
        h.expect(Seg.ack(h.iss + 1, P + 3));
        h.expectNothing();
        h.advance(5 * S + TcpHarness.MS);
        h.expect(Seg.ack(h.iss, P + 3));
    }

    @Test
    void connectionIsDroppedAfterCountUnansweredProbes() {
        TcpConnection c = keptAlive();
        h.advance(10 * S + TcpHarness.MS);
        for (int i = 0; i < 3; i++) {
            h.expect(Seg.ack(h.iss, P + 1));
            h.advance(2 * S);
        }
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.TIMED_OUT, c.error());
        assertEquals(3, h.counters.get(Counter.TCP_KEEPALIVE_PROBES));
        assertEquals(1, h.counters.get(Counter.TCP_KEEPALIVE_TIMEOUTS));
        assertEquals(0, h.layer.connectionCount());
        h.assertNoLeaks();
    }

    @Test
    void switchedOffKeepaliveSendsNothing() {
        TcpConnection c = keptAlive();
        c.keepAlive(false, h.nowNs);
        h.advance(100 * S);
        h.expectNothing();
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void outstandingDataLeavesTheWatchToRetransmission() {
        // Like Linux: no keep-alive probes while the retransmission timer covers the peer.
        TcpConnection c = keptAlive();
        h.write(c, TcpHarness.bytes(100, 1));
        h.expect(Seg.of(ACK | io.bypass.stack.wire.TcpHeader.PSH).seq(h.iss + 1).payload(TcpHarness.bytes(100, 1)));
        h.advance(11 * S);
        assertEquals(0, h.counters.get(Counter.TCP_KEEPALIVE_PROBES));
    }
}
