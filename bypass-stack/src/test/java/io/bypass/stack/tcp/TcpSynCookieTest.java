package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SYN cookies at a listener whose SYN queue is full (RFC 4987 section 3.6), and the half-open limit. */
class TcpSynCookieTest {
    private static final int P = 5000;
    private static final long S = 1_000 * TcpHarness.MS;
    private final TcpHarness h = new TcpHarness();

    /** A listener with backlog 1 whose one half-open slot is taken by a peer on port 39999. */
    private TcpListener fullListener() {
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 1);
        h.peerPort = 39_999;
        h.send(Seg.syn(P).mss(1460));
        h.expect(Seg.of(SYN | ACK).ack(P + 1));
        h.peerPort = TcpHarness.REMOTE_PORT;
        return l;
    }

    @Test
    void fullSynQueueAnswersWithCookieAndKeepsNothing() {
        fullListener();
        h.send(Seg.syn(P).mss(1460));
        h.expect(Seg.of(SYN | ACK).ack(P + 1).mss(1460).window(65_535));
        assertEquals(1, h.layer.connectionCount(), "only the first SYN holds state");
        assertEquals(1, h.layer.halfOpenCount());
        assertEquals(1, h.counters.get(Counter.TCP_SYN_COOKIES_SENT));
        h.assertNoLeaks();
    }

    @Test
    void legitClientCompletesTheHandshakeWithItsCookieAndData() {
        TcpListener l = fullListener();
        h.send(Seg.syn(P).mss(1460));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(P + 1));
        h.send(Seg.ack(P + 1, synAck.seq + 1).payload("hello"));
        TcpConnection c = l.accept();
        assertNotNull(c, "the cookie's ACK opens the connection");
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1460, c.mss());
        assertEquals(1, h.counters.get(Counter.TCP_SYN_COOKIES_VALIDATED));
        assertArrayEquals("hello".getBytes(), h.read(c));
        h.write(c, "world".getBytes());
        h.expect(Seg.of(ACK | PSH).seq(synAck.seq + 1).ack(P + 6).payload("world"));
        h.assertNoLeaks();
    }

    @Test
    void cookieCarriesASmallerPeerMssRoundedDownToTheTable() {
        TcpListener l = fullListener();
        h.send(Seg.syn(P).mss(1000));
        Seg synAck = h.next();
        h.send(Seg.ack(P + 1, synAck.seq + 1));
        assertEquals(536, l.accept().mss());
    }

    @Test
    void forgedCookieGetsRstAndNoConnection() {
        TcpListener l = fullListener();
        h.send(Seg.syn(P).mss(1460));
        Seg synAck = h.next();
        h.send(Seg.ack(P + 1, synAck.seq + 2));
        h.expect(Seg.of(RST).seq(synAck.seq + 2));
        h.send(Seg.ack(P + 2, synAck.seq + 1));
        h.expect(Seg.of(RST).seq(synAck.seq + 1));
        assertNull(l.accept());
        assertEquals(2, h.counters.get(Counter.TCP_SYN_COOKIES_FAILED));
        assertEquals(1, h.layer.connectionCount());
    }

    @Test
    void staleCookieIsRefused() {
        fullListener();
        h.send(Seg.syn(P).mss(1460));
        Seg old = h.next();
        h.advance(200 * S);
        // The first half-open connection timed out by now; refill the SYN queue, then a
        // fresh cookie keeps the listener checking cookies.
        h.ip.drop();
        h.peerPort = 39_998;
        h.send(Seg.syn(P).mss(1460));
        h.next();
        h.peerPort = 39_997;
        h.send(Seg.syn(P).mss(1460));
        h.next();
        h.peerPort = TcpHarness.REMOTE_PORT;
        h.send(Seg.ack(P + 1, old.seq + 1));
        h.expect(Seg.of(RST).seq(old.seq + 1));
        assertEquals(1, h.counters.get(Counter.TCP_SYN_COOKIES_FAILED));
    }

    @Test
    void fullAcceptQueueDropsSynsEvenWithCookies() {
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 1);
        h.send(Seg.syn(P).mss(1460));
        h.send(Seg.ack(P + 1, h.next().seq + 1));
        assertEquals(1, l.queued());
        // Not accepted: the accept queue (backlog 1) is full.
        h.peerPort = 40_001;
        h.send(Seg.syn(P).mss(1460));
        h.expectNothing();
        assertEquals(1, h.counters.get(Counter.TCP_LISTEN_OVERFLOW));
        assertEquals(0, h.counters.get(Counter.TCP_SYN_COOKIES_SENT));
    }

    @Test
    void stackHalfOpenLimitDropsSynsWhenCookiesAreOff() {
        TcpHarness t = new TcpHarness(TcpHarness.config().synCookies(false).maxHalfOpen(2).build(), S);
        t.layer.listen(LOCAL_IP, LOCAL_PORT, 100);
        t.layer.listen(LOCAL_IP, LOCAL_PORT + 1, 100);
        t.peerPort = 40_001;
        t.send(Seg.syn(P).mss(1460));
        t.ourPort = LOCAL_PORT + 1;
        t.send(Seg.syn(P).mss(1460));
        t.peerPort = 40_002;
        t.send(Seg.syn(P).mss(1460));
        assertEquals(2, t.layer.halfOpenCount());
        assertEquals(2, t.layer.connectionCount());
        assertEquals(1, t.counters.get(Counter.TCP_DROP_HALF_OPEN_LIMIT));
        t.ip.drop();
    }

    @Test
    void synFloodBeyondTheBacklogLeavesAnEstablishedConnectionTransferring() {
        // 5,000 spoofed SYNs from random ports and ISNs, interleaved with a transfer on an
        // established connection; the flood costs at most the backlog in state, and a real
        // client still gets in through a cookie.
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8);
        h.send(Seg.syn(P).mss(1460));
        Seg ours = h.next();
        h.send(Seg.ack(P + 1, ours.seq + 1));
        TcpConnection c = l.accept();
        SplittableRandom random = new SplittableRandom(7);
        int peerSeq = P + 1;
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 5_000; i++) {
            h.peerPort = 1_024 + random.nextInt(60_000);
            if (h.peerPort == TcpHarness.REMOTE_PORT) {
                continue;
            }
            h.send(Seg.syn(random.nextInt()).mss(1460));
            if (i % 50 == 0) {
                h.peerPort = TcpHarness.REMOTE_PORT;
                byte[] chunk = TcpHarness.bytes(100, i);
                h.send(Seg.ack(peerSeq, ours.seq + 1).payload(chunk));
                peerSeq += chunk.length;
                sent.writeBytes(chunk);
                received.writeBytes(h.read(c));
            }
            h.ip.drop();
            assertTrue(h.layer.halfOpenCount() <= 8, "half-open bounded by the backlog");
            h.advance(TcpHarness.MS);
        }
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertArrayEquals(sent.toByteArray(), received.toByteArray());
        assertTrue(h.counters.get(Counter.TCP_SYN_COOKIES_SENT) > 4_000);
        assertTrue(h.layer.connectionCount() <= 1 + 8);
        // A real client amid the flood.
        h.peerPort = 33_333;
        h.send(Seg.syn(P).mss(1460));
        Seg synAck = h.next();
        h.send(Seg.ack(P + 1, synAck.seq + 1));
        TcpConnection real = l.accept();
        assertNotNull(real);
        assertEquals(33_333, real.remotePort());
        h.assertNoLeaks();
    }

    @Test
    void cookieCarriesWindowScaleSackAndTimestampsInItsTsval() {
        // As Linux's cookie_init_timestamp(): the SYN had timestamps, so the SYN-ACK answers
        // every option and hides WS 2 and SACK-permitted in TSval's low bits.
        TcpListener l = fullListener();
        h.send(Seg.syn(P).mss(1460).ws(2).sackOk().ts(1000, 0));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(P + 1).ws(7).sackOk());
        assertEquals(1000, synAck.tsEcr);
        assertEquals(0x12, synAck.tsVal & 0x3f);
        h.send(Seg.ack(P + 1, synAck.seq + 1).window(1000).ts(1001, synAck.tsVal).payload("hello"));
        TcpConnection c = l.accept();
        assertNotNull(c);
        assertEquals(1, h.counters.get(Counter.TCP_SYN_COOKIES_VALIDATED));
        // Timestamps in force: 12 option bytes come off the MSS, and segments carry them.
        assertEquals(1448, c.mss());
        // Our window is scaled by 7: 262,139 free bytes are 2047 units.
        h.advance(40 * TcpHarness.MS);
        h.expect(Seg.ack(synAck.seq + 1, P + 6).window(2047).ts(0, 1001));
        // SACK in force: an out-of-order segment is reported.
        h.send(Seg.ack(P + 16, synAck.seq + 1).window(1000).ts(1002, synAck.tsVal).payload("later"));
        h.expect(Seg.ack(synAck.seq + 1, P + 6).sack(P + 16, P + 21));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void cookieWithoutTimestampsCarriesOnlyTheMss() {
        TcpListener l = fullListener();
        h.send(Seg.syn(P).mss(1460).ws(2).sackOk());
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(P + 1).mss(1460));
        assertNull(synAck.ws);
        assertEquals(false, synAck.sackOk);
        assertNull(synAck.tsVal);
        h.send(Seg.ack(P + 1, synAck.seq + 1).payload("hello"));
        TcpConnection c = l.accept();
        assertEquals(1460, c.mss());
        h.advance(40 * TcpHarness.MS);
        h.expect(Seg.ack(synAck.seq + 1, P + 6).window(65_530));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void cookieEchoWithBitsWeNeverSetOpensNothing() {
        TcpListener l = fullListener();
        h.send(Seg.syn(P).mss(1460).ws(2).sackOk().ts(1000, 0));
        Seg synAck = h.next();
        h.send(Seg.ack(P + 1, synAck.seq + 1).ts(1001, synAck.tsVal | 0x20));
        h.expect(Seg.of(RST).seq(synAck.seq + 1));
        assertNull(l.accept());
        assertEquals(1, h.counters.get(Counter.TCP_SYN_COOKIES_FAILED));
        h.assertNoLeaks();
    }
}
