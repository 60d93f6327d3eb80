package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Receive memory is bounded in frames: a connection holds at most its share of the layer's
 * receive frames, its window never promises more than they hold and never shrinks (RFC 9293
 * section 3.8.6), data arriving within a window already offered is compacted into the frames
 * held (tcp_collapse) or declined and counted, and the peer's retransmission completes it.
 */
class TcpReceiveMemoryTest {
    private static final int MSS = 1460;

    private static TcpHarness harness(int totalFrames, int framesPerConnection) {
        return new TcpHarness(TcpHarness.config().receiveFramesTotal(totalFrames)
                .receiveFramesPerConnection(framesPerConnection).build(), 1_000 * MS);
    }

    /** The peer of one connection: its stream, where our ACKs and window stand, and what we read. */
    private static final class Peer {
        final TcpHarness h;
        final int port;
        final int iss;
        final byte[] data;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        TcpConnection c;
        int ourNext;
        /** Stream offsets: acknowledged, and the right edge we offered. */
        int acked;
        int edge;

        Peer(TcpHarness h, int port, int iss, byte[] data) {
            this.h = h;
            this.port = port;
            this.iss = iss;
            this.data = data;
        }

        /** Three-way handshake through the listener; checks the SYN-ACK's window. */
        int open(TcpListener l) {
            h.peerPort = port;
            h.send(Seg.syn(iss).mss(MSS));
            Seg synAck = h.expect(Seg.of(SYN | ACK).ack(iss + 1));
            ourNext = synAck.seq + 1;
            edge = synAck.window;
            h.send(Seg.ack(iss + 1, ourNext));
            c = l.accept();
            return synAck.window;
        }

        /** Sends {@code segment}-byte segments from the last acknowledged byte up to the offered edge. */
        void sendWindow(int segment) {
            h.peerPort = port;
            for (int at = acked; at < Math.min(edge, data.length); at += segment) {
                int n = Math.min(Math.min(segment, edge - at), data.length - at);
                h.send(Seg.ack(iss + 1 + at, ourNext).payload(Arrays.copyOfRange(data, at, at + n)));
            }
        }

        /** Takes one of our segments to this peer: the right edge we offer must never move left. */
        void sawAck(Seg s) {
            int ackOffset = s.ack - (iss + 1);
            int newEdge = ackOffset + s.window;
            assertTrue(newEdge >= edge, "window shrank: right edge " + edge + " -> " + newEdge);
            acked = Math.max(acked, ackOffset);
            edge = newEdge;
        }

        void read() {
            received.writeBytes(h.read(c));
        }
    }

    /** Flushes delayed ACKs and hands every segment we sent to its peer. */
    private static void deliverAcks(TcpHarness h, Peer... peers) {
        h.advance(200 * MS);
        while (!h.ip.sent.isEmpty()) {
            Seg s = h.next();
            for (Peer p : peers) {
                if (p.port == s.dstPort) {
                    p.sawAck(s);
                }
            }
        }
    }

    @Test
    void windowPromisesNoMoreThanTheConnectionsFramesHold() {
        // Receive buffer 256 KiB, but a share of 4 frames: the SYN-ACK offers 4 full segments.
        TcpHarness h = harness(8, 4);
        TcpListener l = h.layer.listen(TcpHarness.LOCAL_IP, LOCAL_PORT, 4);
        Peer p = new Peer(h, REMOTE_PORT, 5000, TcpHarness.bytes(1000, 1));
        assertEquals(4 * MSS, p.open(l));
        p.c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void connectionsHoldingFramesShareTheFreeOnesEvenly() {
        // 12 frames for the layer and for each connection. The first reader holds 3, so a
        // connection opened now is offered half the 9 free ones, rounded up, not all 9; once
        // the first has read everything it holds none and the next is offered all 12.
        TcpHarness h = harness(12, 12);
        TcpListener l = h.layer.listen(TcpHarness.LOCAL_IP, LOCAL_PORT, 4);
        Peer first = new Peer(h, REMOTE_PORT, 5000, TcpHarness.bytes(3 * MSS, 1));
        assertEquals(12 * MSS, first.open(l));
        first.sendWindow(MSS);
        deliverAcks(h, first);
        assertEquals(3, h.layer.receiveFramesHeld());
        Peer second = new Peer(h, REMOTE_PORT + 1, 9000, TcpHarness.bytes(MSS, 2));
        assertEquals(5 * MSS, second.open(l));
        first.read();
        assertEquals(3 * MSS, first.received.size());
        deliverAcks(h, first, second);
        Peer third = new Peer(h, REMOTE_PORT + 2, 13000, TcpHarness.bytes(MSS, 3));
        assertEquals(12 * MSS, third.open(l));
        for (Peer p : new Peer[] {first, second, third}) {
            p.c.abort(h.nowNs);
        }
        h.assertNoLeaks();
    }

    @Test
    void slowReaderIsHeldToItsShareByCollapsingItsFrames() {
        // RFC 9293 section 3.8.6: the 5,840 bytes offered are accepted even though 1,000-byte
        // segments each start a frame of their own; the queue is compacted to stay within 4.
        TcpHarness h = harness(8, 4);
        TcpListener l = h.layer.listen(TcpHarness.LOCAL_IP, LOCAL_PORT, 4);
        byte[] data = TcpHarness.bytes(40_000, 7);
        Peer p = new Peer(h, REMOTE_PORT, 5000, data);
        p.open(l);
        p.sendWindow(1000);
        assertTrue(h.layer.receiveFramesHeld() <= 4, "held " + h.layer.receiveFramesHeld());
        deliverAcks(h, p);
        assertEquals(4 * MSS, p.acked, "every byte within the offered window accepted");
        assertTrue(h.counters.get(Counter.TCP_RX_COLLAPSED) >= 1);
        assertEquals(0, h.counters.get(Counter.TCP_RX_DROP_MEMORY));
        // The reader catches up: the rest flows, never more than 4 frames held.
        while (p.received.size() < data.length) {
            p.read();
            deliverAcks(h, p);
            p.sendWindow(1000);
            assertTrue(h.layer.receiveFramesHeld() <= 4, "held " + h.layer.receiveFramesHeld());
        }
        assertArrayEquals(data, p.received.toByteArray());
        p.c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void secondConnectionCompletesWhileTheFirstDoesNotRead() {
        // 6 frames for the layer, 4 per connection: both are offered 4 segments, then the slow
        // reader fills its share and the other must make do with the 2 frames left.
        TcpHarness h = harness(6, 4);
        TcpListener l = h.layer.listen(TcpHarness.LOCAL_IP, LOCAL_PORT, 4);
        byte[] slowData = TcpHarness.bytes(4 * MSS, 3);
        byte[] fastData = TcpHarness.bytes(30_000, 5);
        Peer slow = new Peer(h, REMOTE_PORT, 5000, slowData);
        Peer fast = new Peer(h, REMOTE_PORT + 1, 9000, fastData);
        slow.open(l);
        fast.open(l);
        slow.sendWindow(MSS);
        deliverAcks(h, slow, fast);
        assertEquals(4, h.layer.receiveFramesHeld());
        assertEquals(0, slow.edge - slow.acked, "the slow reader's window is closed");

        // The fast peer sends all 4 segments it was offered: 2 find frames, the third is
        // compacted in as far as room allows, the rest is declined and counted.
        fast.sendWindow(MSS);
        assertTrue(h.layer.receiveFramesHeld() <= 6, "held " + h.layer.receiveFramesHeld());
        assertTrue(h.counters.get(Counter.TCP_RX_DROP_MEMORY) >= 1);
        deliverAcks(h, slow, fast);
        while (fast.received.size() < fastData.length) {
            fast.read();
            deliverAcks(h, slow, fast);
            fast.sendWindow(MSS);
            assertTrue(h.layer.receiveFramesHeld() <= 6, "held " + h.layer.receiveFramesHeld());
        }
        assertArrayEquals(fastData, fast.received.toByteArray());

        // Now the slow reader reads: every byte exact.
        slow.read();
        assertArrayEquals(slowData, slow.received.toByteArray());
        slow.c.abort(h.nowNs);
        fast.c.abort(h.nowNs);
        assertEquals(0, h.layer.receiveFramesHeld());
        h.assertNoLeaks();
    }

    @Test
    void emptyQueueAlwaysTakesOneFrameSoAConnectionOpenedAfterTheBudgetIsFullStillCompletes() {
        // The slow reader holds the layer's whole budget of 4 frames; a connection opened now
        // is offered one segment at a time, one frame over the budget, and still completes.
        TcpHarness h = harness(4, 4);
        TcpListener l = h.layer.listen(TcpHarness.LOCAL_IP, LOCAL_PORT, 4);
        byte[] slowData = TcpHarness.bytes(4 * MSS, 3);
        byte[] lateData = TcpHarness.bytes(20_000, 9);
        Peer slow = new Peer(h, REMOTE_PORT, 5000, slowData);
        slow.open(l);
        slow.sendWindow(MSS);
        deliverAcks(h, slow);
        assertEquals(4, h.layer.receiveFramesHeld());
        Peer late = new Peer(h, REMOTE_PORT + 1, 9000, lateData);
        assertEquals(MSS, late.open(l));
        while (late.received.size() < lateData.length) {
            late.sendWindow(MSS);
            assertTrue(h.layer.receiveFramesHeld() <= 5, "held " + h.layer.receiveFramesHeld());
            late.read();
            deliverAcks(h, slow, late);
        }
        assertArrayEquals(lateData, late.received.toByteArray());
        slow.read();
        assertArrayEquals(slowData, slow.received.toByteArray());
        slow.c.abort(h.nowNs);
        late.c.abort(h.nowNs);
        assertEquals(0, h.layer.receiveFramesHeld());
        h.assertNoLeaks();
    }

    @Test
    void badReceiveFrameSettingsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TcpConfig.builder().receiveFramesTotal(8).receiveFramesPerConnection(9).build());
        assertTrue(e.getMessage().contains("receiveFramesPerConnection"));
        e = assertThrows(IllegalArgumentException.class, () -> TcpConfig.builder().receiveFramesTotal(0).build());
        assertTrue(e.getMessage().contains("receiveFramesTotal"));
    }
}
