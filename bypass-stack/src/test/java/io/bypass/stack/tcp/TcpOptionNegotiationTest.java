package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Option negotiation in the SYN exchange (RFC 7323 sections 2.2 and 3.2, RFC 2018 section
 * 2): an option is in force only if both SYNs carry it; SYN windows are never scaled,
 * every later window is.
 */
class TcpOptionNegotiationTest {
    private static final int P = 5000;

    @ParameterizedTest(name = "peer ws={0} ts={1} sack={2}, ours on={3}")
    @CsvSource({
        "true,true,true,true", "true,false,false,true", "false,true,false,true", "false,false,true,true",
        "false,false,false,true", "true,true,true,false", "false,true,true,true", "true,true,false,true"})
    void synAckCarriesExactlyTheOptionsBothSidesOffer(boolean ws, boolean ts, boolean sack, boolean ours) {
        // Receive buffer fixed at 256 KiB (no auto-tuning cap above it): shift 3.
        TcpHarness h = new TcpHarness(TcpHarness.config().windowScaling(ours).timestamps(ours).sack(ours)
                .receiveBufferMaxBytes(256 << 10).build(), 1_000 * MS);
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        Seg syn = Seg.syn(P).mss(1460).window(1000);
        if (ws) {
            syn.ws(2);
        }
        if (ts) {
            syn.ts(777, 0);
        }
        if (sack) {
            syn.sackOk();
        }
        h.send(syn);
        // The SYN-ACK's own window is unscaled, at most 65535.
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(P + 1).mss(1460).window(65_535));
        assertEquals(ws && ours ? Integer.valueOf(3) : null, synAck.ws);
        assertEquals(sack && ours, synAck.sackOk);
        if (ts && ours) {
            assertEquals(777, synAck.tsEcr);
        } else {
            assertNull(synAck.tsVal);
        }
        Seg ack = Seg.ack(P + 1, synAck.seq + 1).window(1000).payload(TcpHarness.bytes(100, 1));
        if (ts && ours) {
            ack.ts(778, synAck.tsVal);
        }
        h.send(ack);
        TcpConnection c = l.accept();
        assertNotNull(c);
        h.advance(40 * MS);
        // The window after the handshake: 262144 - 100 bytes free, in units of 8 (rounded
        // down) with scaling; without, the 65535 offered less the 100 bytes taken.
        Seg dataAck = h.expect(Seg.ack(synAck.seq + 1, P + 101).window(ws && ours ? 32_755 : 65_435));
        assertEquals(ts && ours, dataAck.tsVal != null);
        // Three more bytes: 262037 left of the offered 262040. Rounding down to 32754 units
        // would pull the right edge left; it is rounded up instead (RFC 7323 section 2.4).
        Seg more = Seg.ack(P + 101, synAck.seq + 1).window(1000).payload("xyz");
        if (ts && ours) {
            more.ts(779, synAck.tsVal);
        }
        h.send(more);
        h.advance(40 * MS);
        h.expect(Seg.ack(synAck.seq + 1, P + 104).window(ws && ours ? 32_755 : 65_432));
        // The peer's window of 1000 is scaled by its shift 2 only if both offered scaling.
        h.write(c, TcpHarness.bytes(3000, 2));
        int sent = 0;
        Seg s;
        while (h.ip.sent.peek() != null) {
            s = h.next();
            sent += s.payload.length;
        }
        c.abort(h.nowNs);
        // With scaling two full segments go and Nagle holds the rest; without, the 1000 bytes offered.
        assertEquals(ws && ours ? 2 * (ts && ours ? 1448 : 1460) : 1000, sent);
        h.assertNoLeaks();
    }

    @Test
    void activeOpenOffersEverythingAndFollowsTheSynAck() {
        TcpHarness h = new TcpHarness();
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        // The shift covers the 4 MiB the receive buffer may be auto-tuned to (Linux: tcp_rmem[2]).
        Seg syn = h.expect(Seg.of(SYN).window(65_535).mss(1460).ws(7).sackOk());
        assertNotNull(syn.tsVal);
        assertEquals(0, syn.tsEcr);
        // The SYN-ACK's window of 100 is not scaled (RFC 7323 section 2.2) ...
        h.send(Seg.of(SYN | ACK).seq(P).ack(syn.seq + 1).mss(1460).window(100).ws(2).ts(9000, syn.tsVal));
        h.expect(Seg.ack(syn.seq + 1, P + 1).ts(0, 9000));
        h.write(c, TcpHarness.bytes(1000, 3));
        h.expect(Seg.ack(syn.seq + 1, P + 1).payload(TcpHarness.bytes(100, 3)));
        // ... but every later one is: 100 << 2 = 400 bytes.
        h.send(Seg.ack(P + 1, syn.seq + 101).window(100).ts(9001, syn.tsVal));
        assertEquals(400, h.next().payload.length);
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void timestampsTakeTwelveBytesOffEverySegment() {
        // RFC 6691: the MSS option counts no options; the sender subtracts them.
        TcpHarness h = new TcpHarness();
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN));
        h.send(Seg.of(SYN | ACK).seq(P).ack(syn.seq + 1).mss(1460).ts(1, syn.tsVal));
        h.expect(Seg.ack(syn.seq + 1, P + 1));
        assertEquals(1448, c.mss());
        h.write(c, TcpHarness.bytes(3000, 4));
        assertEquals(1448, h.next().payload.length);
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void nothingOfferedWhenSwitchedOff() {
        TcpHarness h = new TcpHarness(TcpHarness.config().windowScaling(false).timestamps(false).sack(false).build(),
                0);
        h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN).mss(1460));
        assertNull(syn.ws);
        assertNull(syn.tsVal);
        assertFalse(syn.sackOk);
    }

    @Test
    void shiftCoversTheReceiveBuffer() {
        // RFC 7323 section 2.3: the smallest shift whose window reaches the buffer, at most 14.
        assertEquals(0, OptionNegotiation.shiftFor(65_535));
        assertEquals(1, OptionNegotiation.shiftFor(65_536));
        assertEquals(5, OptionNegotiation.shiftFor(2_000_000));
        assertEquals(6, OptionNegotiation.shiftFor(2 << 20));
        assertEquals(7, OptionNegotiation.shiftFor(4 << 20));
        assertEquals(14, OptionNegotiation.shiftFor(1 << 30));
    }
    /**
     * A caller may hand the connection a time a little older than the one it last used (the
     * provider reads the clock before it takes the stack lock, and another thread may have
     * used a later time in between): across a tick boundary the TSval went back by one, and a
     * peer's PAWS (RFC 7323 section 5.3) drops such a segment as an old duplicate.
     */
    @Test
    void aTsValNeverGoesBackWhenTheConnectionIsHandedAnOlderTime() {
        TcpHarness h = new TcpHarness();
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.next();
        h.send(Seg.of(SYN | ACK).seq(P).ack(syn.seq + 1).mss(1460).window(1000).ts(9000, syn.tsVal));
        h.next();
        h.nowNs = (h.nowNs / MS + 5) * MS;
        h.write(c, TcpHarness.bytes(10, 1));
        Seg first = h.next();
        h.send(Seg.ack(P + 1, syn.seq + 11).window(1000).ts(9001, first.tsVal));
        // One nanosecond older: the tick before.
        h.nowNs -= 1;
        h.write(c, TcpHarness.bytes(10, 2));
        Seg second = h.next();
        assertEquals(first.tsVal, second.tsVal, "the TSval stays where it was, not one tick back");
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }
}
