package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.RST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** SO_LINGER: linger 0 resets (RFC 9293 section 3.10.5); a lingering close can wait for the ACK. */
class TcpLingerTest {
    private static final int P = 5000;
    private final TcpHarness h = new TcpHarness();

    @Test
    void lingerZeroSendsRstAndFreesAtOnce() {
        TcpConnection c = h.connectTo(P);
        h.write(c, TcpHarness.bytes(100, 1));
        h.expect(Seg.of(ACK | PSH).seq(h.iss + 1).payload(TcpHarness.bytes(100, 1)));
        c.abort(h.nowNs);
        h.expect(Seg.of(RST | ACK).seq(h.iss + 101));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, h.layer.connectionCount());
        assertTrue(c.allAcknowledged(), "nothing left to wait for");
        h.assertNoLeaks();
    }

    @Test
    void gracefulCloseReportsWhenDataAndFinAreSentAndAcknowledged() {
        TcpConnection c = h.connectTo(P);
        assertTrue(c.allSent());
        assertTrue(c.allAcknowledged());
        h.write(c, TcpHarness.bytes(100, 1));
        h.expect(Seg.of(ACK | PSH).seq(h.iss + 1).payload(TcpHarness.bytes(100, 1)));
        assertTrue(c.allSent());
        assertFalse(c.allAcknowledged(), "data in flight");
        c.close(h.nowNs);
        h.expect(Seg.of(ACK | FIN).seq(h.iss + 101));
        assertTrue(c.allSent());
        h.send(Seg.ack(P + 1, h.iss + 101));
        assertFalse(c.allAcknowledged(), "the data is acknowledged, the FIN not yet");
        h.send(Seg.ack(P + 1, h.iss + 102));
        assertTrue(c.allAcknowledged());
        assertEquals(TcpState.FIN_WAIT_2, c.state());
    }
}
