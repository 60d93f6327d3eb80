package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bypass.stack.Counter;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Per-connection buffer sizes (SO_RCVBUF, SO_SNDBUF) and their auto-tuning: an explicit size
 * fixes the buffer and sizes the window scale (RFC 7323 section 2.3); the default grows up to
 * the configured caps.
 */
class TcpBufferTest {
    private static final int P = 5000;
    private static final int MSS = 1460;

    /** Completes an active open the layer started; returns our ISS. */
    private static int handshake(TcpHarness h, Seg syn) {
        h.send(Seg.of(SYN | ACK).seq(P).ack(syn.seq + 1).mss(MSS).ws(0));
        h.expect(Seg.ack(syn.seq + 1, P + 1));
        return syn.seq;
    }

    /** The peer sends {@code total} bytes from {@code seq} in full segments; returns the next seq. */
    private static int peerSends(TcpHarness h, int iss, int seq, int total) {
        for (int sent = 0; sent < total; sent += MSS) {
            int n = Math.min(MSS, total - sent);
            h.send(Seg.ack(seq, iss + 1).payload(new byte[n]));
            seq += n;
        }
        h.ip.drop();
        return seq;
    }

    @Test
    void buffersSetBeforeConnectFixTheSizesAndTheWindowScale() {
        TcpHarness h = new TcpHarness();
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, 60_000, 8192, h.nowNs);
        // 60,000 bytes fit the unscaled field: the SYN offers shift 0, not the default cap's 7.
        Seg syn = h.expect(Seg.of(SYN).ws(0));
        handshake(h, syn);
        assertEquals(60_000, c.receiveBufferBytes());
        assertEquals(8192, c.sendBufferBytes());
        assertEquals(8192, c.sendSpace());
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void acceptedConnectionsInheritTheListenersBuffers() {
        TcpHarness h = new TcpHarness();
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        l.receiveBufferBytes(1 << 20);
        l.sendBufferBytes(16_384);
        h.send(Seg.syn(P).mss(MSS).ws(2));
        // 1 MiB needs shift 5 (65535 * 32 >= 1 MiB).
        Seg synAck = h.expect(Seg.of(SYN | ACK).ws(5));
        h.send(Seg.ack(P + 1, synAck.seq + 1));
        TcpConnection c = l.accept();
        assertEquals(1 << 20, c.receiveBufferBytes());
        assertEquals(16_384, c.sendBufferBytes());
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void badBufferSizesAreRefused() {
        TcpHarness h = new TcpHarness();
        assertThrows(IllegalArgumentException.class,
                () -> h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, 100, 0, h.nowNs));
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        assertThrows(IllegalArgumentException.class, () -> l.sendBufferBytes(-1));
    }

    @Test
    void receiveBufferDoublesWhenTheApplicationDrainsMoreThanHalfWithinAnRtt() {
        TcpHarness h = new TcpHarness(TcpHarness.config().receiveBufferBytes(16_384).receiveBufferMaxBytes(40_000)
                .build(), 1_000 * MS);
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        int iss = handshake(h, h.expect(Seg.of(SYN)));
        int seq = peerSends(h, iss, P + 1, 10_000);
        h.read(c);
        // One measurement later (no RTT sample yet: the minimum RTO, 200 ms), 10,000 + 1,000
        // bytes drained: more than half of 16 KiB.
        h.advance(250 * MS);
        seq = peerSends(h, iss, seq, 1_000);
        h.read(c);
        assertEquals(32_768, c.receiveBufferBytes());
        h.advance(250 * MS);
        // 24,000 bytes in 250 ms: 19,200 per 200 ms, more than half of 32 KiB per period.
        peerSends(h, iss, seq, 24_000);
        h.read(c);
        h.advance(250 * MS);
        h.send(Seg.ack(seq + 24_000, iss + 1).payload(new byte[1]));
        h.read(c);
        assertEquals(40_000, c.receiveBufferBytes(), "the cap");
        assertEquals(2, h.counters.get(Counter.TCP_RECEIVE_BUFFER_GROWN));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    /**
     * A read asks for the time only when it needs it (TcpConnection#read(ByteBuffer, LongSupplier)):
     * to start the receive buffer's measurement, once more than half the buffer has been
     * drained, or to send a window update; small reads of a ping-pong need none.
     */
    @Test
    void smallReadsAskNoTimeAndDrainingHalfTheBufferDoes() {
        TcpHarness h = new TcpHarness(TcpHarness.config().receiveBufferBytes(16_384).build(), 1_000 * MS);
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        int iss = handshake(h, h.expect(Seg.of(SYN)));
        long[] asked = {0};
        LongSupplier clock = () -> {
            asked[0]++;
            return h.nowNs;
        };
        ByteBuffer small = ByteBuffer.allocate(64);
        int seq = P + 1;
        for (int i = 0; i < 100; i++) {
            seq = peerSends(h, iss, seq, 64);
            small.clear();
            assertEquals(64, c.read(small, clock));
        }
        assertEquals(1, asked[0], "only the measurement's start");
        seq = peerSends(h, iss, seq, 8_000);
        assertEquals(8_000, c.read(ByteBuffer.allocate(8_000), clock));
        assertEquals(3, asked[0], "half the buffer drained: the time to judge growth, and a window update");
        assertEquals(0, h.counters.get(Counter.TCP_RECEIVE_BUFFER_GROWN), "not within one period");
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void slowReaderOrExplicitReceiveBufferDoesNotGrow() {
        TcpHarness h = new TcpHarness(TcpHarness.config().receiveBufferBytes(16_384).build(), 1_000 * MS);
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        int iss = handshake(h, h.expect(Seg.of(SYN)));
        int seq = P + 1;
        for (int i = 0; i < 4; i++) {
            // 4,000 bytes per 250 ms: less than half the buffer per measurement.
            seq = peerSends(h, iss, seq, 4_000);
            h.read(c);
            h.advance(250 * MS);
        }
        assertEquals(16_384, c.receiveBufferBytes());
        c.receiveBufferBytes(8192);
        for (int i = 0; i < 3; i++) {
            seq = peerSends(h, iss, seq, 8_000);
            h.read(c);
            h.advance(250 * MS);
        }
        assertEquals(8192, c.receiveBufferBytes(), "SO_RCVBUF turns auto-tuning off");
        assertEquals(0, h.counters.get(Counter.TCP_RECEIVE_BUFFER_GROWN));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void sendBufferGrowsWithTheCongestionWindowAndKeepsItsBytes() {
        TcpHarness h = new TcpHarness(TcpHarness.config().sendBufferBytes(4096).sendBufferMaxBytes(1 << 20)
                .build(), 1_000 * MS);
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        int iss = handshake(h, h.expect(Seg.of(SYN)));
        byte[] data = TcpHarness.bytes(4096, 7);
        assertEquals(4096, h.write(c, data));
        h.ip.drop();
        // The first segment is acknowledged: cwnd 4 MSS (RFC 5681 section 3.1: 4,380 + 1,460
        // in slow start); the ring of 4 KiB is replaced by one of 16 KiB (twice cwnd, in
        // doublings) holding the 2,636 bytes in flight.
        h.send(Seg.ack(P + 1, iss + 1 + MSS));
        assertEquals(16_384, c.sendBufferBytes());
        assertEquals(1, h.counters.get(Counter.TCP_SEND_BUFFER_GROWN));
        assertEquals(16_384 - (4096 - MSS), c.sendSpace());
        // The retransmission is rebuilt from the new ring: the same bytes.
        h.advance(1_100 * MS);
        h.expect(Seg.ack(iss + 1 + MSS, P + 1).payload(Arrays.copyOfRange(data, MSS, 2 * MSS)));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void sendBufferDoesNotGrowWhileTheApplicationNeverFillsIt() {
        TcpHarness h = new TcpHarness(TcpHarness.config().sendBufferBytes(4096).sendBufferMaxBytes(1 << 20)
                .build(), 1_000 * MS);
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        int iss = handshake(h, h.expect(Seg.of(SYN)));
        // cwnd grows with the ACK, but 100 bytes never needed more than 4 KiB: an idle
        // connection keeps its small ring (10,000 of them must not hold 256 KiB each).
        assertEquals(100, h.write(c, new byte[100]));
        h.ip.drop();
        h.send(Seg.ack(P + 1, iss + 1 + 100));
        assertEquals(4096, c.sendBufferBytes());
        assertEquals(0, h.counters.get(Counter.TCP_SEND_BUFFER_GROWN));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void explicitSendBufferTurnsAutoTuningOff() {
        TcpHarness h = new TcpHarness(TcpHarness.config().sendBufferBytes(4096).build(), 1_000 * MS);
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        int iss = handshake(h, h.expect(Seg.of(SYN)));
        c.sendBufferBytes(6000);
        assertEquals(6000, h.write(c, new byte[10_000]));
        h.ip.drop();
        h.send(Seg.ack(P + 1, iss + 1 + 6000));
        assertEquals(6000, c.sendBufferBytes());
        assertEquals(0, h.counters.get(Counter.TCP_SEND_BUFFER_GROWN));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }
}
