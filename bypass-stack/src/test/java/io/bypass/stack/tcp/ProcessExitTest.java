package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What the kernel does to an exiting process's sockets, done by the stack ({@link ProcessExit}). */
class ProcessExitTest {
    private static final int P = 7000;
    private final TcpHarness h = new TcpHarness();

    @Test
    void anOpenConnectionSendsItsQueuedDataThenFinAndIsDeliveredOnceThePeerAcknowledgesBoth() {
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        byte[] data = TcpHarness.bytes(100, 3);
        h.write(c, data);
        h.expect(Seg.of(PSH | ACK).seq(iss + 1).ack(P + 1).payload(data));

        ProcessExit.closeAll(h.layer, h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 101).ack(P + 1));
        assertEquals(1, ProcessExit.undelivered(h.layer), "data and FIN not acknowledged yet");

        h.send(Seg.ack(P + 1, iss + 101));
        assertEquals(1, ProcessExit.undelivered(h.layer), "the FIN is not acknowledged yet");
        h.send(Seg.ack(P + 1, iss + 102));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        assertEquals(0, ProcessExit.undelivered(h.layer), "the peer has everything we sent");
        assertEquals(0, ProcessExit.abortUndelivered(h.layer, h.nowNs));
        h.expectNothing();
    }

    @Test
    void aConnectionWithUnreadDataIsResetAsTheKernelDoesOnClose() {
        // RFC 2525 section 2.17: closing with unread received data resets the peer.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.send(Seg.of(PSH | ACK).seq(P + 1).ack(iss + 1).payload("unread"));
        ProcessExit.closeAll(h.layer, h.nowNs);
        h.expect(Seg.of(RST | ACK).seq(iss + 1));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, ProcessExit.undelivered(h.layer));
    }

    @Test
    void listenersStopAndTheirUnacceptedConnectionsAreReset() {
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.send(Seg.syn(P).mss(1460));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(P + 1));
        h.send(Seg.ack(P + 1, synAck.seq + 1));

        ProcessExit.closeAll(h.layer, h.nowNs);
        h.expect(Seg.of(RST | ACK).seq(synAck.seq + 1));
        assertEquals(0, h.layer.connectionCount());
        // Nobody listens any more: a new SYN is refused.
        h.send(Seg.syn(P + 5000).mss(1460));
        h.expect(Seg.of(RST | ACK).ack(P + 5001));
        assertEquals(0, ProcessExit.undelivered(h.layer));
    }

    @Test
    void whatIsStillUndeliveredWhenTheLingerEndsIsResetSoThePeerNeedNotTimeOut() {
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        ProcessExit.closeAll(h.layer, h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 1).ack(P + 1));
        assertEquals(1, ProcessExit.undelivered(h.layer));

        assertEquals(1, ProcessExit.abortUndelivered(h.layer, h.nowNs));
        h.expect(Seg.of(RST | ACK).seq(iss + 2));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, ProcessExit.undelivered(h.layer));
        h.assertNoLeaks();
    }
}
