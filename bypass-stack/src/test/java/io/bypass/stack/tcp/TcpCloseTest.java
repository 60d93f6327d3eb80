package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.bypass.stack.Counter;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Closing connections: RFC 9293 sections 3.6 and 3.10.4, TIME-WAIT. */
class TcpCloseTest {
    private static final int P = 5000;
    private final TcpHarness h = new TcpHarness(TcpHarness.config().timeWaitNs(10_000 * MS).build(), 1_000 * MS);

    @Test
    void activeCloseGoesThroughFinWait2AndTimeWait() {
        // RFC 9293 section 3.6, figure 12 (normal close, our side first).
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        c.close(h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 1).ack(P + 1));
        assertEquals(TcpState.FIN_WAIT_1, c.state());
        h.send(Seg.ack(P + 1, iss + 2));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        h.expectNothing();
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2));
        h.expect(Seg.ack(iss + 2, P + 2));
        assertEquals(TcpState.TIME_WAIT, c.state());
        h.assertNoLeaks();
    }

    @Test
    void timeWaitLastsTheConfiguredDurationThenCloses() {
        // RFC 9293 section 3.6: TIME-WAIT lasts 2 MSL.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        c.close(h.nowNs);
        h.next();
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2));
        h.next();
        assertEquals(TcpState.TIME_WAIT, c.state());
        h.advance(9_999 * MS);
        assertEquals(TcpState.TIME_WAIT, c.state());
        h.advance(MS);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, h.layer.connectionCount());
        h.assertNoLeaks();
    }

    @Test
    void retransmittedFinInTimeWaitIsAckedAndRestartsTheWait() {
        // RFC 9293 section 3.10.7.4, TIME-WAIT: acknowledge it and restart the 2 MSL timeout.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        c.close(h.nowNs);
        h.next();
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2));
        h.next();
        h.advance(6_000 * MS);
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2));
        h.expect(Seg.ack(iss + 2, P + 2));
        h.advance(6_000 * MS);
        assertEquals(TcpState.TIME_WAIT, c.state());
        h.advance(4_000 * MS);
        assertEquals(TcpState.CLOSED, c.state());
    }

    @Test
    void passiveCloseGoesThroughCloseWaitAndLastAck() {
        // RFC 9293 section 3.6, figure 12 (the peer closes first).
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 1));
        h.expect(Seg.ack(iss + 1, P + 2));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals(-1, c.read(ByteBuffer.allocate(10), h.nowNs));
        c.close(h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 1).ack(P + 2));
        assertEquals(TcpState.LAST_ACK, c.state());
        h.send(Seg.ack(P + 2, iss + 2));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.NONE, c.error());
        assertEquals(0, h.layer.connectionCount());
        h.assertNoLeaks();
    }

    @Test
    void simultaneousCloseGoesThroughClosing() {
        // RFC 9293 section 3.6, figure 13.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        c.close(h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 1).ack(P + 1));
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 1));
        h.expect(Seg.ack(iss + 2, P + 2));
        assertEquals(TcpState.CLOSING, c.state());
        h.send(Seg.ack(P + 2, iss + 2));
        assertEquals(TcpState.TIME_WAIT, c.state());
        h.assertNoLeaks();
    }

    @Test
    void halfCloseStillReceivesData() {
        // RFC 9293 section 3.10.4: after our FIN we keep receiving until the peer's FIN.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.write(c, "req".getBytes());
        h.expect(Seg.of(ACK | PSH).seq(iss + 1).ack(P + 1).payload("req"));
        c.shutdownOutput(h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 4).ack(P + 1));
        assertEquals(TcpState.FIN_WAIT_1, c.state());
        h.send(Seg.ack(P + 1, iss + 5).payload("response"));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        assertArrayEquals("response".getBytes(), h.read(c));
        h.send(Seg.of(FIN | ACK).seq(P + 9).ack(iss + 5));
        h.expect(Seg.ack(iss + 5, P + 10));
        assertEquals(TcpState.TIME_WAIT, c.state());
        assertEquals(-1, c.read(ByteBuffer.allocate(4), h.nowNs));
        h.assertNoLeaks();
    }

    @Test
    void closeWithUnreadDataSendsRst() {
        // RFC 9293 section 3.10.4 and RFC 2525 section 2.17: unread data means RST, not FIN.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.send(Seg.ack(P + 1, iss + 1).payload("unread"));
        c.close(h.nowNs);
        h.expect(Seg.of(RST | ACK).seq(iss + 1).ack(P + 7));
        assertEquals(TcpState.CLOSED, c.state());
        h.assertNoLeaks();
    }

    @Test
    void abortSendsRstAndReleasesQueuedFrames() {
        // RFC 9293 section 3.10.5, ABORT.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.send(Seg.ack(P + 1, iss + 1).payload("held in a frame"));
        h.send(Seg.ack(P + 100, iss + 1).payload("out of order"));
        h.ip.drop();
        c.abort(h.nowNs);
        h.expect(Seg.of(RST | ACK).seq(iss + 1));
        assertEquals(TcpState.CLOSED, c.state());
        h.assertNoLeaks();
    }

    @Test
    void newSynInTimeWaitOpensANewIncarnation() {
        // RFC 9293 section 3.10.7.4 (TIME-WAIT) and RFC 6191: a SYN above RCV.NXT may reopen.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        TcpConnection old = h.acceptFrom(l, P);
        Seg fin = null;
        old.close(h.nowNs);
        fin = h.expect(Seg.of(FIN | ACK).ack(P + 1));
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(fin.seq + 1));
        h.expect(Seg.ack(fin.seq + 1, P + 2));
        assertEquals(TcpState.TIME_WAIT, old.state());

        h.send(Seg.syn(P + 100_000).mss(1460));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(P + 100_001));
        assertEquals(TcpState.CLOSED, old.state());
        h.send(Seg.ack(P + 100_001, synAck.seq + 1));
        TcpConnection reborn = l.accept();
        assertNotSame(old, reborn);
        assertEquals(TcpState.ESTABLISHED, reborn.state());
        assertEquals(1, h.layer.connectionCount());
    }

    @Test
    void oldSynInTimeWaitGetsAnAckNotANewConnection() {
        // RFC 9293 section 3.10.7.4 and RFC 5961 section 4.2.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        TcpConnection old = h.acceptFrom(l, P);
        old.close(h.nowNs);
        Seg fin = h.next();
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(fin.seq + 1));
        h.next();
        h.send(Seg.syn(P).mss(1460));
        h.expect(Seg.ack(fin.seq + 1, P + 2));
        assertEquals(TcpState.TIME_WAIT, old.state());
    }

    @Test
    void orphanedFinWait2TimesOut() {
        // Linux tcp_fin_timeout: a closed socket must not wait for the peer's FIN for ever.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        c.close(h.nowNs);
        h.next();
        h.send(Seg.ack(P + 1, iss + 2));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        h.advance(10_000 * MS);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(1, h.counters.get(Counter.TCP_ESTABLISHED));
    }

    @Test
    void listenerCloseResetsUnacceptedConnections() {
        // RFC 9293 section 3.10.4: CLOSE of a listener; pending connections are reset.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.acceptFrom(l, P).abort(h.nowNs);
        h.ip.drop();
        h.peerPort = 40_001;
        h.send(Seg.syn(P).mss(1460));
        Seg synAck = h.next();
        h.send(Seg.ack(P + 1, synAck.seq + 1));
        h.peerPort = 40_002;
        h.send(Seg.syn(P).mss(1460));
        h.next();
        l.close(h.nowNs);
        h.expect(Seg.of(RST | ACK));
        h.expect(Seg.of(RST | ACK));
        assertEquals(0, h.layer.connectionCount());
        h.assertNoLeaks();
    }

    /**
     * Linux's tcp_max_tw_buckets: TIME-WAIT is bounded on its own, and a connection beyond the
     * bound acknowledges the peer's FIN and closes at once. Connections in TIME-WAIT do not
     * count against maxConnections: a server that closes first kept 60 s of its connection
     * rate there, and at 1,100 connections a second it refused every SYN after a minute.
     */
    @Test
    void timeWaitBeyondItsBoundClosesAtOnceAndNeverKeepsANewConnectionOut() {
        TcpHarness w = new TcpHarness(TcpHarness.config().timeWaitNs(10_000 * MS).maxConnections(1).maxTimeWait(1)
                .build(), 1_000 * MS);
        TcpListener l = w.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        TcpConnection first = acceptedAndClosedByUs(w, l, TcpHarness.REMOTE_PORT, 7000);
        assertEquals(TcpState.TIME_WAIT, first.state());
        // maxConnections 1 and the first in TIME-WAIT: the second is accepted all the same.
        TcpConnection second = acceptedAndClosedByUs(w, l, TcpHarness.REMOTE_PORT + 1, 9000);
        assertEquals(TcpState.CLOSED, second.state(), "no room in TIME-WAIT: closed once the FIN was acknowledged");
        assertEquals(1, w.counters.get(Counter.TCP_TIME_WAIT_OVERFLOW));
        assertEquals(0, w.counters.get(Counter.TCP_DROP_CONNECTION_LIMIT));
        assertEquals(1, w.layer.timeWaitCount());
        assertEquals(TcpState.TIME_WAIT, first.state());
        w.advance(10_000 * MS);
        assertEquals(TcpState.CLOSED, first.state());
        assertEquals(0, w.layer.timeWaitCount());
        assertEquals(0, w.layer.connectionCount());
        w.assertNoLeaks();
    }

    /** A passive connection from {@code port} that we close first; the peer's FIN must be acknowledged either way. */
    private static TcpConnection acceptedAndClosedByUs(TcpHarness w, TcpListener l, int port, int peerIss) {
        w.peerPort = port;
        w.send(Seg.syn(peerIss).mss(1460));
        Seg synAck = w.expect(Seg.of(SYN | ACK).ack(peerIss + 1));
        int ours = synAck.seq + 1;
        w.send(Seg.ack(peerIss + 1, ours));
        TcpConnection c = l.accept();
        c.close(w.nowNs);
        w.expect(Seg.of(FIN | ACK).seq(ours).ack(peerIss + 1));
        w.send(Seg.ack(peerIss + 1, ours + 1));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        w.send(Seg.of(FIN | ACK).seq(peerIss + 1).ack(ours + 1));
        w.expect(Seg.ack(ours + 1, peerIss + 2));
        return c;
    }
}
