package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

/**
 * TIME-WAIT as a record of its own ({@link TimeWait}): the connection closes into it, the
 * layer keeps only the record, and the record answers what arrives as RFC 9293 section
 * 3.10.7.4, RFC 7323 (PAWS) and RFC 5961 ask.
 */
class TcpTimeWaitTest {
    private static final int P = 5000;
    private TcpHarness h = harness(false);
    private int iss;
    /** Our ACK of the peer's FIN, the last segment the connection sent. */
    private Seg lastAck;

    /** A 10 s TIME-WAIT; with {@code reuse}, connects may take its 4-tuple ({@link TcpConfig#timeWaitReuse}). */
    private static TcpHarness harness(boolean reuse) {
        return new TcpHarness(TcpHarness.config().timeWaitNs(10_000 * MS).timeWaitReuse(reuse).build(), 1_000 * MS);
    }

    /** Our close, the peer's ACK and FIN, our ACK: TIME-WAIT; with timestamps when {@code peerTs} > 0. */
    private TcpConnection closedByUs(int peerTs) {
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN));
        iss = syn.seq;
        Seg synAck = Seg.of(SYN | ACK).seq(P).ack(iss + 1).mss(1460);
        h.send(peerTs > 0 ? synAck.ts(peerTs, syn.tsVal) : synAck);
        h.expect(Seg.ack(iss + 1, P + 1));
        c.close(h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 1).ack(P + 1));
        Seg fin = Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2);
        h.send(peerTs > 0 ? fin.ts(peerTs + 10, 0) : fin);
        lastAck = h.expect(Seg.ack(iss + 2, P + 2));
        assertEquals(TcpState.TIME_WAIT, c.state());
        return c;
    }

    private WeakReference<TcpConnection> closedByUsAndForgotten() {
        return new WeakReference<>(closedByUs(0));
    }

    @Test
    void theLayerKeepsTheRecordNotTheConnection() throws InterruptedException {
        WeakReference<TcpConnection> closed = closedByUsAndForgotten();
        assertEquals(1, h.layer.connectionCount());
        assertEquals(1, h.layer.timeWaitCount());
        // Cancelled timers stay linked in their wheel slot until it passes (TimerWheel): 4 s.
        h.advance(5_000 * MS);
        for (int i = 0; i < 20 && closed.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(closed.get(), "the layer still holds the connection in TIME-WAIT");
        // The record still answers the peer's retransmitted FIN, with the connection's numbers.
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2));
        h.expect(Seg.ack(iss + 2, P + 2).window(lastAck.window));
        h.advance(10_000 * MS);
        assertEquals(0, h.layer.connectionCount());
        h.assertNoLeaks();
    }

    @Test
    void anAbortAfterTheConnectionClosedIntoTimeWaitGivesBackTheDataNobodyWillRead() {
        // Found by the fuzzer: the connection is CLOSED once its record takes over, and an abort
        // of a closed connection used to do nothing, so the unread data's frame stayed held.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        iss = h.expect(Seg.of(SYN)).seq;
        h.send(Seg.of(SYN | ACK).seq(P).ack(iss + 1).mss(1460));
        h.expect(Seg.ack(iss + 1, P + 1));
        c.shutdownOutput(h.nowNs);
        h.expect(Seg.of(FIN | ACK).seq(iss + 1).ack(P + 1));
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2).payload("late"));
        h.expect(Seg.ack(iss + 2, P + 6));
        assertEquals(TcpState.TIME_WAIT, c.state());
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void aResetAtRcvNxtEndsTheWaitAndOneElsewhereInTheWindowIsChallenged() {
        TcpConnection c = closedByUs(0);
        h.send(Seg.of(RST).seq(P + 100));
        h.expect(Seg.ack(iss + 2, P + 2));
        assertEquals(1, h.counters.get(Counter.TCP_CHALLENGE_ACKS));
        assertEquals(TcpState.TIME_WAIT, c.state());
        h.send(Seg.of(RST).seq(P + 2));
        h.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, h.layer.connectionCount());
        assertEquals(1, h.counters.get(Counter.TCP_RST_RECEIVED));
    }

    @Test
    void anAckForDataNeverSentIsChallengedAndOneInRangeIsNotAnswered() {
        closedByUs(0);
        h.send(Seg.ack(P + 2, iss + 1_000));
        h.expect(Seg.ack(iss + 2, P + 2));
        assertEquals(1, h.counters.get(Counter.TCP_CHALLENGE_ACKS));
        h.send(Seg.ack(P + 2, iss + 2));
        h.expectNothing();
    }

    @Test
    void pawsDropsAnOldDuplicateAndTheAckEchoesTsRecent() {
        closedByUs(100);
        h.send(Seg.ack(P + 2, iss + 2).ts(50, 0));
        h.expect(Seg.ack(iss + 2, P + 2).ts(0, 110));
        assertEquals(1, h.counters.get(Counter.TCP_PAWS_REJECTED));
        // A current TSval on an acceptable segment moves TS.Recent (RFC 7323 section 4.3).
        h.send(Seg.ack(P + 2, iss + 2).ts(120, 0));
        h.expectNothing();
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2).ts(130, 0));
        h.expect(Seg.ack(iss + 2, P + 2).ts(0, 120));
    }

    /** The record's ACKs continue the connection's TSvals and never go back, as the connection's own (OptionNegotiation#notBefore). */
    @Test
    void theRecordsTsValNeverGoesBackBeforeTheConnectionsLast() {
        closedByUs(100);
        // The harness starts at a tick's start: one nanosecond older is the tick before.
        h.nowNs -= 1;
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(iss + 2).ts(130, 0));
        assertEquals(lastAck.tsVal, h.expect(Seg.ack(iss + 2, P + 2)).tsVal);
    }

    /** A passive connection with timestamps (the peer's TSval {@code peerTs}, then +10 on its FIN) that we close first. */
    private TcpConnection acceptedAndClosedByUs(TcpListener l, int peerTs) {
        h.send(Seg.syn(P).mss(1460).ts(peerTs, 0));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(P + 1));
        h.send(Seg.ack(P + 1, synAck.seq + 1).ts(peerTs, synAck.tsVal));
        TcpConnection c = l.accept();
        c.close(h.nowNs);
        Seg fin = h.expect(Seg.of(FIN | ACK).ack(P + 1));
        h.send(Seg.of(FIN | ACK).seq(P + 1).ack(fin.seq + 1).ts(peerTs + 10, fin.tsVal));
        lastAck = h.expect(Seg.ack(fin.seq + 1, P + 2));
        assertEquals(TcpState.TIME_WAIT, c.state());
        return c;
    }

    @Test
    void aSynWithANewerTimestampOpensANewIncarnationWhateverItsSequenceNumber() {
        // RFC 6191 section 2: timestamps tell incarnations apart; this SYN's ISN is below RCV.NXT.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        TcpConnection old = acceptedAndClosedByUs(l, 1_000);
        h.send(Seg.syn(P - 50_000).mss(1460).ts(1_011, 0));
        h.expect(Seg.of(SYN | ACK).ack(P - 50_000 + 1));
        assertEquals(TcpState.CLOSED, old.state());
        assertEquals(0, h.layer.timeWaitCount());
    }

    @Test
    void aSynWithAnOlderTimestampIsAnOldDuplicateWhateverItsSequenceNumber() {
        // RFC 6191 section 2 and RFC 7323 PAWS: TSval 1,000 < TS.Recent 1,010.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        TcpConnection old = acceptedAndClosedByUs(l, 1_000);
        h.send(Seg.syn(P + 100_000).mss(1460).ts(1_000, 0));
        h.expect(Seg.ack(lastAck.seq, P + 2).ts(0, 1_010));
        assertEquals(TcpState.TIME_WAIT, old.state());
        assertEquals(1, h.counters.get(Counter.TCP_PAWS_REJECTED));
    }

    @Test
    void withReuseAConnectTakesTheTupleFromOurTimeWaitOnceThePeerIsQuietForASecond() {
        // Linux's tcp_tw_reuse: a client that closes first need not wait 2 MSL for its ports.
        h = harness(true);
        TcpConnection old = closedByUs(100);
        int oldSndMax = iss + 2;
        TcpException tooSoon = assertThrows(TcpException.class,
                () -> h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs));
        assertEquals(TcpException.Reason.ADDRESS_IN_USE, tooSoon.reason());
        h.advance(TimeWait.REUSE_AFTER_NS);
        h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN));
        assertTrue(SeqNum.ge(syn.seq, oldSndMax + 65_536), "the new ISS lies beyond the old incarnation's sequence space");
        assertTrue(syn.tsVal - lastAck.tsVal > 0, "the new incarnation's TSval is newer");
        assertEquals(TcpState.CLOSED, old.state());
        assertEquals(1, h.counters.get(Counter.TCP_TIME_WAIT_REUSED));
        assertEquals(1, h.layer.connectionCount());
    }

    @Test
    void withReuseATupleWhoseConnectionHadNoTimestampsStaysInUse() {
        h = harness(true);
        closedByUs(0);
        h.advance(TimeWait.REUSE_AFTER_NS);
        TcpException e = assertThrows(TcpException.class,
                () -> h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs));
        assertEquals(TcpException.Reason.ADDRESS_IN_USE, e.reason());
    }

    @Test
    void itsFourTupleIsInUseForAConnectFromTheSamePort() {
        closedByUs(0);
        TcpException e = assertThrows(TcpException.class,
                () -> h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs));
        assertEquals(TcpException.Reason.ADDRESS_IN_USE, e.reason());
        h.advance(10_000 * MS);
        h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        h.expect(Seg.of(SYN));
    }
}
