package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Opening connections: RFC 9293 sections 3.5 and 3.7.1. */
class TcpHandshakeTest {
    private final TcpHarness h = new TcpHarness();

    @Test
    void activeOpenCompletesOnSynAck() {
        // RFC 9293 section 3.5, figure 6.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        AtomicInteger events = new AtomicInteger();
        c.listener(e -> events.accumulateAndGet(e, (a, b) -> a | b));
        Seg syn = h.expect(Seg.of(SYN).window(65_535).mss(1460));
        assertEquals(TcpState.SYN_SENT, c.state());
        h.send(Seg.of(SYN | ACK).seq(1000).ack(syn.seq + 1).mss(1460));
        h.expect(Seg.ack(syn.seq + 1, 1001));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertTrue((events.get() & SocketEvents.CONNECTED) != 0);
        assertTrue((c.readyOps() & SocketEvents.WRITABLE) != 0);
        h.expectNothing();
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void passiveOpenQueuesConnectionForAcceptAfterThirdAck() {
        // RFC 9293 section 3.5, figure 6 from the other side; section 3.10.7.2.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        AtomicInteger events = new AtomicInteger();
        l.listener(events::set);
        h.send(Seg.syn(5000).mss(1460));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(5001).mss(1460).window(65_535));
        assertNull(l.accept(), "not established before the third ACK");
        h.send(Seg.ack(5001, synAck.seq + 1));
        h.expectNothing();
        assertEquals(SocketEvents.ACCEPTABLE, events.get());
        assertEquals(SocketEvents.ACCEPTABLE, l.readyOps());
        TcpConnection c = l.accept();
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(REMOTE_PORT, c.remotePort());
        assertEquals(1, h.counters.get(Counter.TCP_PASSIVE_OPENS));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void mssIsTheSmallerOfOursFromTheMtuAndThePeers() {
        // RFC 9293 section 3.7.1: ours = MTU - 40; effective = min(ours, peer's).
        h.ip.mtu = 1000;
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN).mss(960));
        h.send(Seg.of(SYN | ACK).seq(1).ack(syn.seq + 1).mss(1460));
        h.next();
        assertEquals(960, c.mss());
        c.abort(h.nowNs);

        TcpHarness h2 = new TcpHarness();
        TcpConnection c2 = h2.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h2.nowNs);
        Seg syn2 = h2.next();
        h2.send(Seg.of(SYN | ACK).seq(1).ack(syn2.seq + 1).mss(700));
        assertEquals(700, c2.mss());
        c2.abort(h2.nowNs);
        h2.assertNoLeaks();
        h.assertNoLeaks();
    }

    @Test
    void peerWithoutMssOptionGets536() {
        // RFC 9293 section 3.7.1: the default send MSS is 536.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.next();
        h.send(Seg.of(SYN | ACK).seq(1).ack(syn.seq + 1));
        assertEquals(536, c.mss());
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void mssCapLimitsTheAdvertisedMss() {
        TcpHarness capped = new TcpHarness(TcpHarness.config().mssCap(1000).build(), 0);
        capped.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, capped.nowNs);
        capped.expect(Seg.of(SYN).mss(1000));
    }

    @Test
    void simultaneousOpenGoesThroughSynReceived() {
        // RFC 9293 section 3.5, figure 8.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN));
        h.send(Seg.syn(7000).mss(1460));
        h.expect(Seg.of(SYN | ACK).seq(syn.seq).ack(7001).mss(1460));
        assertEquals(TcpState.SYN_RECEIVED, c.state());
        h.send(Seg.of(SYN | ACK).seq(7000).ack(syn.seq + 1).mss(1460));
        h.expect(Seg.ack(syn.seq + 1, 7001));
        assertEquals(TcpState.ESTABLISHED, c.state());
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void lostSynIsRetransmittedWithBackoffThenTimesOut() {
        // RFC 6298 section 5.5 (backoff) and RFC 1122 4.2.3.5 (give up): initial RTO 1 s.
        TcpHarness t = new TcpHarness(TcpHarness.config().synRetries(2).build(), 0);
        TcpConnection c = t.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, t.nowNs);
        Seg syn = t.expect(Seg.of(SYN));
        t.advance(999 * MS);
        t.expectNothing();
        t.advance(MS);
        t.expect(Seg.of(SYN).seq(syn.seq));
        t.advance(1999 * MS);
        t.expectNothing();
        t.advance(MS);
        t.expect(Seg.of(SYN).seq(syn.seq));
        t.advance(4000 * MS);
        t.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.TIMED_OUT, c.error());
        assertEquals(0, t.layer.connectionCount());
        t.assertNoLeaks();
    }

    @Test
    void lostSynAckIsRepeatedWhenTheSynIsRepeated() {
        // RFC 9293 section 3.10.7.4: a duplicate SYN in SYN-RECEIVED.
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.send(Seg.syn(5000).mss(1460));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(5001));
        h.send(Seg.syn(5000).mss(1460));
        h.expect(Seg.of(SYN | ACK).seq(synAck.seq).ack(5001));
        assertEquals(1, h.layer.connectionCount());
    }

    @Test
    void rstAcknowledgingOurSynIsConnectionRefused() {
        // RFC 9293 section 3.10.7.3, SYN-SENT: RST with an acceptable ACK.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        AtomicInteger events = new AtomicInteger();
        c.listener(e -> events.accumulateAndGet(e, (a, b) -> a | b));
        Seg syn = h.next();
        h.send(Seg.of(RST | ACK).seq(0).ack(syn.seq + 1));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.REFUSED, c.error());
        assertEquals(SocketEvents.CONNECTED | SocketEvents.ERROR | SocketEvents.CLOSED | SocketEvents.READABLE,
                events.get());
        h.assertNoLeaks();
    }

    @Test
    void rstWithUnacceptableAckInSynSentIsIgnored() {
        // RFC 9293 section 3.10.7.3 and RFC 5961 section 3.2.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.next();
        h.send(Seg.of(RST | ACK).seq(0).ack(syn.seq + 77));
        h.expectNothing();
        assertEquals(TcpState.SYN_SENT, c.state());
    }

    @Test
    void synAckWithBadAckInSynSentGetsRst() {
        // RFC 9293 section 3.10.7.3: unacceptable ACK, not a RST: <SEQ=SEG.ACK><CTL=RST>.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.next();
        h.send(Seg.of(SYN | ACK).seq(1).ack(syn.seq + 500));
        h.expect(Seg.of(RST).seq(syn.seq + 500));
        assertEquals(TcpState.SYN_SENT, c.state());
    }

    @Test
    void ephemeralPortsAreInRangeAndDistinct() {
        // RFC 6056 section 3.3.3.
        TcpConnection a = h.layer.connect(LOCAL_IP, 0, REMOTE_IP, REMOTE_PORT, h.nowNs);
        TcpConnection b = h.layer.connect(LOCAL_IP, 0, REMOTE_IP, REMOTE_PORT, h.nowNs);
        assertTrue(a.localPort() >= 49_152 && a.localPort() <= 65_535);
        assertNotEquals(a.localPort(), b.localPort());
    }

    @Test
    void exhaustedEphemeralRangeThrowsNoEphemeralPort() {
        TcpHarness t = new TcpHarness(TcpHarness.config().ephemeralPorts(50_000, 50_001).build(), 0);
        t.layer.connect(LOCAL_IP, 0, REMOTE_IP, REMOTE_PORT, t.nowNs);
        t.layer.connect(LOCAL_IP, 0, REMOTE_IP, REMOTE_PORT, t.nowNs);
        TcpException e = assertThrows(TcpException.class,
                () -> t.layer.connect(LOCAL_IP, 0, REMOTE_IP, REMOTE_PORT, t.nowNs));
        assertEquals(TcpException.Reason.NO_EPHEMERAL_PORT, e.reason());
        assertEquals(1, t.counters.get(Counter.TCP_NO_EPHEMERAL_PORT));
    }

    @Test
    void sameFourTupleTwiceIsAddressInUse() {
        h.layer.connect(LOCAL_IP, 5555, REMOTE_IP, REMOTE_PORT, h.nowNs);
        TcpException e = assertThrows(TcpException.class,
                () -> h.layer.connect(LOCAL_IP, 5555, REMOTE_IP, REMOTE_PORT, h.nowNs));
        assertEquals(TcpException.Reason.ADDRESS_IN_USE, e.reason());
        h.layer.listen(LOCAL_IP, 80, 1);
        assertEquals(TcpException.Reason.ADDRESS_IN_USE,
                assertThrows(TcpException.class, () -> h.layer.listen(LOCAL_IP, 80, 1)).reason());
    }

    @Test
    void connectionLimitThrows() {
        TcpHarness t = new TcpHarness(TcpHarness.config().maxConnections(1).build(), 0);
        t.layer.connect(LOCAL_IP, 0, REMOTE_IP, REMOTE_PORT, t.nowNs);
        assertEquals(TcpException.Reason.CONNECTION_LIMIT, assertThrows(TcpException.class,
                () -> t.layer.connect(LOCAL_IP, 0, REMOTE_IP, REMOTE_PORT, t.nowNs)).reason());
    }
}
