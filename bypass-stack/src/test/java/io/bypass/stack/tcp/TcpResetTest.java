package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** RST generation and acceptance: RFC 9293 sections 3.10.7.1 and 3.10.7.4, RFC 5961. */
class TcpResetTest {
    private static final int P = 5000;
    private final TcpHarness h = new TcpHarness();

    @Test
    void rstAtExactlyRcvNxtResetsTheConnection() {
        // RFC 5961 section 3.2: a RST whose sequence number is RCV.NXT is believed.
        TcpConnection c = h.connectTo(P);
        h.send(Seg.of(RST).seq(P + 1));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.RESET, c.error());
        assertTrue((c.readyOps() & SocketEvents.ERROR) != 0);
        assertEquals(-1, c.read(ByteBuffer.allocate(1), h.nowNs));
        assertEquals(0, h.layer.connectionCount());
        h.assertNoLeaks();
    }

    @Test
    void inWindowRstGetsChallengeAck() {
        // RFC 5961 section 3.2: in the window but not RCV.NXT: challenge ACK, stay.
        TcpConnection c = h.connectTo(P);
        h.send(Seg.of(RST).seq(P + 100));
        h.expect(Seg.ack(h.iss + 1, P + 1));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1, h.counters.get(Counter.TCP_CHALLENGE_ACKS));
    }

    @Test
    void outOfWindowRstIsIgnored() {
        // RFC 9293 section 3.10.7.4, first check: an unacceptable RST is dropped silently.
        TcpConnection c = h.connectTo(P);
        h.send(Seg.of(RST).seq(P - 1000));
        h.send(Seg.of(RST).seq(P + 1 + 70_000));
        h.expectNothing();
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void synInEstablishedGetsChallengeAck() {
        // RFC 5961 section 4.2.
        TcpConnection c = h.connectTo(P);
        h.send(Seg.syn(P + 10));
        h.expect(Seg.ack(h.iss + 1, P + 1));
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void synToClosedPortGetsRstAck() {
        // RFC 9293 section 3.10.7.1: no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
        h.send(Seg.syn(P));
        h.expect(Seg.of(RST | ACK).seq(0).ack(P + 1));
        assertEquals(1, h.counters.get(Counter.TCP_RX_NO_SOCKET));
        h.assertNoLeaks();
    }

    @Test
    void ackToClosedPortGetsRstWithItsAckAsSeq() {
        // RFC 9293 section 3.10.7.1: with ACK: <SEQ=SEG.ACK><CTL=RST>.
        h.send(Seg.ack(P, 123_456).payload("data"));
        h.expect(Seg.of(RST).seq(123_456));
        h.assertNoLeaks();
    }

    @Test
    void rstToClosedPortIsNeverAnswered() {
        // RFC 9293 section 3.10.7.1: "An incoming segment containing a RST is discarded."
        h.send(Seg.of(RST).seq(P));
        h.send(Seg.of(RST | ACK).seq(P).ack(9));
        h.expectNothing();
        assertEquals(2, h.counters.get(Counter.TCP_RX_NO_SOCKET));
        h.assertNoLeaks();
    }

    @Test
    void ackToListenerGetsRst() {
        // RFC 9293 section 3.10.7.2: LISTEN, an ACK: <SEQ=SEG.ACK><CTL=RST>.
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.send(Seg.ack(P, 777));
        h.expect(Seg.of(RST).seq(777));
        assertEquals(0, h.layer.connectionCount());
    }

    @Test
    void listenerBacklogOverflowDropsSynWithoutCookies() {
        // A full backlog drops the SYN (the peer retries), counted; with cookies off.
        TcpHarness h = new TcpHarness(TcpHarness.config().synCookies(false).build(), 1_000 * TcpHarness.MS);
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 2);
        h.peerPort = 40_001;
        h.send(Seg.syn(P).mss(1460));
        h.expect(Seg.of(SYN | ACK));
        h.peerPort = 40_002;
        h.send(Seg.syn(P).mss(1460));
        h.expect(Seg.of(SYN | ACK));
        h.peerPort = 40_003;
        h.send(Seg.syn(P).mss(1460));
        h.expectNothing();
        assertEquals(1, h.counters.get(Counter.TCP_LISTEN_OVERFLOW));
        assertEquals(2, h.layer.connectionCount());
        h.assertNoLeaks();
    }

    @Test
    void rstInSynReceivedReturnsQuietlyAndFreesBacklog() {
        // RFC 9293 section 3.10.7.4, second check, SYN-RECEIVED from a passive open.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 1);
        h.send(Seg.syn(P).mss(1460));
        h.next();
        h.send(Seg.of(RST).seq(P + 1));
        assertEquals(0, h.layer.connectionCount());
        h.peerPort = 40_009;
        h.send(Seg.syn(P).mss(1460));
        h.expect(Seg.of(SYN | ACK));
        assertEquals(0, h.counters.get(Counter.TCP_LISTEN_OVERFLOW));
        assertEquals(null, l.accept());
    }

    @Test
    void badAckInSynReceivedGetsRst() {
        // RFC 9293 section 3.10.7.4, fifth check, SYN-RECEIVED: <SEQ=SEG.ACK><CTL=RST>.
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 1);
        h.send(Seg.syn(P).mss(1460));
        Seg synAck = h.next();
        h.send(Seg.ack(P + 1, synAck.seq + 1000));
        h.expect(Seg.of(RST).seq(synAck.seq + 1000));
    }

    @Test
    void finWithoutAckIsDropped() {
        // RFC 9293 section 3.10.7.4, fifth check: "if the ACK bit is off, drop the segment".
        TcpConnection c = h.connectTo(P);
        h.send(Seg.of(FIN).seq(P + 1));
        h.expectNothing();
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1, h.counters.get(Counter.TCP_RX_DROP_BAD_FLAGS));
    }
}
