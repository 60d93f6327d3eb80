package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Data transfer: ACK policy, Nagle, flow control, reassembly, wrap-around, ICMP. */
class TcpDataTest {
    private static final int P = 5000;
    private static final int MSS = 1460;
    private final TcpHarness h = new TcpHarness();

    @Test
    void delayedAckFiresAfterTheTimeout() {
        // RFC 1122 section 4.2.3.2: an ACK may be delayed, here 40 ms (< 500 ms).
        TcpConnection c = h.connectTo(P);
        AtomicInteger events = new AtomicInteger();
        c.listener(events::set);
        h.send(Seg.ack(P + 1, h.iss + 1).payload("hello"));
        assertEquals(SocketEvents.READABLE, events.get());
        h.expectNothing();
        h.advance(39 * MS);
        h.expectNothing();
        h.advance(MS);
        h.expect(Seg.ack(h.iss + 1, P + 6));
        assertArrayEquals("hello".getBytes(), h.read(c));
        h.assertNoLeaks();
    }

    @Test
    void everySecondFullSegmentIsAckedAtOnce() {
        // RFC 1122 section 4.2.3.2 / RFC 5681 section 4.2: ACK at least every second full segment.
        TcpConnection c = h.connectTo(P);
        h.send(Seg.ack(P + 1, h.iss + 1).payload(TcpHarness.bytes(MSS, 0)));
        h.expectNothing();
        h.send(Seg.ack(P + 1 + MSS, h.iss + 1).payload(TcpHarness.bytes(MSS, 1)));
        h.expect(Seg.ack(h.iss + 1, P + 1 + 2 * MSS));
        assertEquals(2 * MSS, c.available());
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void nagleHoldsSmallSegmentsWhileDataIsUnacknowledged() {
        // RFC 896 / RFC 9293 section 3.7.4.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.write(c, "a".getBytes());
        h.expect(Seg.of(ACK | PSH).seq(iss + 1).payload("a"));
        h.write(c, "b".getBytes());
        h.write(c, "c".getBytes());
        h.expectNothing();
        h.send(Seg.ack(P + 1, iss + 2));
        h.expect(Seg.of(ACK | PSH).seq(iss + 2).payload("bc"));
    }

    @Test
    void noDelaySendsSmallSegmentsAtOnce() {
        // RFC 9293 section 3.7.4: the application may disable Nagle.
        TcpConnection c = h.connectTo(P);
        c.setNoDelay(true);
        int iss = h.iss;
        h.write(c, "a".getBytes());
        h.expect(Seg.of(ACK | PSH).seq(iss + 1).payload("a"));
        h.write(c, "b".getBytes());
        h.expect(Seg.of(ACK | PSH).seq(iss + 2).payload("b"));
    }

    @Test
    void zeroWindowIsProbedByThePersistTimerWithBackoff() {
        // RFC 9293 section 3.8.6.1 and RFC 1122 section 4.2.2.17.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.write(c, TcpHarness.bytes(100, 0));
        h.next();
        h.send(Seg.ack(P + 1, iss + 101).window(0));
        h.write(c, TcpHarness.bytes(50, 1));
        h.expectNothing();
        h.advance(200 * MS);
        h.expect(Seg.ack(iss + 100, P + 1));
        h.advance(399 * MS);
        h.expectNothing();
        h.advance(MS);
        h.expect(Seg.ack(iss + 100, P + 1));
        assertEquals(2, h.counters.get(Counter.TCP_ZERO_WINDOW_PROBES));
        assertEquals(TcpState.ESTABLISHED, c.state());
        h.send(Seg.ack(P + 1, iss + 101).window(1000));
        h.expect(Seg.of(ACK | PSH).seq(iss + 101).payload(TcpHarness.bytes(50, 1)));
        h.assertNoLeaks();
    }

    @Test
    void senderSwsAvoidanceWaitsForAUsefulWindowThenTheOverrideTimerSends() {
        // RFC 9293 section 3.8.6.2.1: no tiny segment into a tiny window, unless the
        // override timeout expires.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.send(Seg.ack(P + 1, iss + 1).window(500));
        h.write(c, TcpHarness.bytes(2000, 0));
        h.expectNothing();
        h.advance(199 * MS);
        h.expectNothing();
        h.advance(MS);
        h.expect(Seg.of(ACK | PSH).seq(iss + 1).payload(java.util.Arrays.copyOf(TcpHarness.bytes(2000, 0), 500)));
        // A window of half the largest ever offered is useful at once.
        h.send(Seg.ack(P + 1, iss + 501).window(40_000));
        assertEquals(iss + 501, h.next().seq);
    }

    @Test
    void shuffledOverlappingDuplicatedSegmentsReassembleExactly() {
        // RFC 9293 section 3.10.7.4: any arrival order, any overlap, each byte once, in order.
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 50; round++) {
            TcpHarness t = new TcpHarness();
            TcpConnection c = t.connectTo(P);
            byte[] stream = TcpHarness.bytes(6000, round);
            java.util.List<int[]> pieces = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int start = random.nextInt(stream.length);
                pieces.add(new int[] {start, Math.min(stream.length, start + 1 + random.nextInt(1400))});
            }
            for (int start = 0; start < stream.length; start += 1000) {
                pieces.add(new int[] {start, Math.min(stream.length, start + 1000)});
            }
            java.util.Collections.shuffle(pieces, random);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            for (int[] piece : pieces) {
                t.send(Seg.ack(P + 1 + piece[0], t.iss + 1)
                        .payload(java.util.Arrays.copyOfRange(stream, piece[0], piece[1])));
                t.ip.drop();
                if (random.nextInt(4) == 0) {
                    got.writeBytes(t.read(c));
                }
            }
            got.writeBytes(t.read(c));
            assertArrayEquals(stream, got.toByteArray(), "round " + round);
            c.abort(t.nowNs);
            t.assertNoLeaks();
        }
    }

    @Test
    void readingReopensAClosedWindowWithAnUpdate() {
        // RFC 9293 section 3.8.6.2.2 (receiver SWS avoidance) and RFC 1122 section 4.2.3.3.
        TcpHarness t = new TcpHarness(TcpHarness.config().receiveBufferBytes(4096).build(), 0);
        TcpConnection c = t.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, t.nowNs);
        Seg syn = t.expect(Seg.of(SYN).window(4096));
        int iss = syn.seq;
        t.send(Seg.of(SYN | ACK).seq(P).ack(iss + 1).mss(1460));
        t.expect(Seg.ack(iss + 1, P + 1).window(4096));
        t.send(Seg.ack(P + 1, iss + 1).payload(TcpHarness.bytes(MSS, 0)));
        t.send(Seg.ack(P + 1 + MSS, iss + 1).payload(TcpHarness.bytes(MSS, 1)));
        t.expect(Seg.ack(iss + 1, P + 1 + 2 * MSS).window(4096 - 2 * MSS));
        t.send(Seg.ack(P + 1 + 2 * MSS, iss + 1).payload(TcpHarness.bytes(4096 - 2 * MSS, 2)));
        t.advance(40 * MS);
        t.expect(Seg.ack(iss + 1, P + 4097).window(0));
        // A segment beyond the closed window is not accepted, only acknowledged.
        t.send(Seg.ack(P + 4097, iss + 1).payload("x"));
        t.expect(Seg.ack(iss + 1, P + 4097).window(0));
        assertEquals(4096, t.read(c).length);
        t.expect(Seg.ack(iss + 1, P + 4097).window(4096));
        t.assertNoLeaks();
    }

    @Test
    void bareFinIsAcceptedByAZeroWindow() {
        // RFC 9293 3.10.7.4 would drop it (segment length 1, window 0); like Linux we take it,
        // since a FIN needs no buffer space.
        TcpHarness t = new TcpHarness(TcpHarness.config().receiveBufferBytes(2920).build(), 0);
        TcpConnection c = t.connectTo(P);
        int iss = t.iss;
        t.send(Seg.ack(P + 1, iss + 1).payload(TcpHarness.bytes(MSS, 0)));
        t.send(Seg.ack(P + 1 + MSS, iss + 1).payload(TcpHarness.bytes(MSS, 1)));
        t.expect(Seg.ack(iss + 1, P + 1 + 2 * MSS).window(0));
        t.send(Seg.of(FIN | ACK).seq(P + 1 + 2 * MSS).ack(iss + 1));
        t.expect(Seg.ack(iss + 1, P + 2 + 2 * MSS).window(0));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals(2 * MSS, t.read(c).length);
        assertEquals(-1, c.read(java.nio.ByteBuffer.allocate(1), t.nowNs));
    }

    @Test
    void outOfOrderSegmentIsHeldAndTheGapFillIsAckedAtOnce() {
        // RFC 9293 section 3.10.7.4 and RFC 5681 section 4.2: duplicate ACK for out-of-order
        // data, immediate ACK when the gap fills.
        TcpConnection c = h.connectTo(P);
        int b = P + 1;
        h.send(Seg.ack(b + 5, h.iss + 1).payload("world"));
        h.expect(Seg.ack(h.iss + 1, b));
        assertEquals(0, c.available());
        h.send(Seg.ack(b, h.iss + 1).payload("hello"));
        h.expect(Seg.ack(h.iss + 1, b + 10));
        assertArrayEquals("helloworld".getBytes(), h.read(c));
        assertEquals(1, h.counters.get(Counter.TCP_RX_OUT_OF_ORDER));
        h.assertNoLeaks();
    }

    @Test
    void overlappingAndDuplicateSegmentsAreTrimmed() {
        // RFC 9293 section 3.10.7.4: overlaps are trimmed so each byte is delivered once.
        TcpConnection c = h.connectTo(P);
        int b = P + 1;
        h.send(Seg.ack(b + 10, h.iss + 1).payload("abcdef"));
        h.send(Seg.ack(b + 13, h.iss + 1).payload("defghi"));
        h.send(Seg.ack(b + 10, h.iss + 1).payload("abcdef"));
        h.send(Seg.ack(b, h.iss + 1).payload("0123456789"));
        h.ip.drop();
        assertArrayEquals("0123456789abcdefghi".getBytes(), h.read(c));
        h.send(Seg.ack(b + 17, h.iss + 1).payload("hiJK"));
        assertArrayEquals("JK".getBytes(), h.read(c));
        h.send(Seg.ack(b, h.iss + 1).payload("0123"));
        h.expect(Seg.ack(h.iss + 1, b + 21));
        assertEquals(0, c.available());
        h.assertNoLeaks();
    }

    @Test
    void reassemblyQueueIsBounded() {
        TcpHarness t = new TcpHarness(TcpHarness.config().reassemblyLimitSegments(2).build(), 0);
        TcpConnection c = t.connectTo(P);
        t.send(Seg.ack(P + 11, t.iss + 1).payload("a"));
        t.send(Seg.ack(P + 21, t.iss + 1).payload("b"));
        t.send(Seg.ack(P + 31, t.iss + 1).payload("c"));
        assertEquals(1, t.counters.get(Counter.TCP_RX_DROP_REASSEMBLY_FULL));
        c.abort(t.nowNs);
        t.assertNoLeaks();
    }

    @Test
    void outOfOrderFramesOfAllConnectionsStayWithinTheLayerBudget() {
        // FrameBudget: reassembly queues together never hold more than reassemblyFramesTotal
        // frames, so the in-sequence segment that fills a hole always finds one.
        TcpHarness t = new TcpHarness(TcpHarness.config().reassemblyFramesTotal(2).build(), 0);
        TcpListener l = t.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        t.peerPort = 40_001;
        TcpConnection a = t.acceptFrom(l, P);
        t.peerPort = 40_002;
        TcpConnection b = t.acceptFrom(l, P);
        t.peerPort = 40_001;
        t.send(Seg.ack(P + 11, a.snd.max).payload("a"));
        t.send(Seg.ack(P + 12, a.snd.max).payload("b"));
        assertEquals(2, t.layer.reassemblyFramesHeld());
        t.peerPort = 40_002;
        t.send(Seg.ack(P + 11, b.snd.max).payload("c"));
        assertEquals(1, t.counters.get(Counter.TCP_RX_DROP_REASSEMBLY_FULL));
        assertEquals(2, t.layer.reassemblyFramesHeld());
        // In-sequence data needs no budget.
        t.send(Seg.ack(P + 1, b.snd.max).payload("0123456789"));
        assertEquals(10, b.available());
        // Filling a's hole hands its held frames to the receive queue and back to the budget.
        t.peerPort = 40_001;
        t.send(Seg.ack(P + 1, a.snd.max).payload("0123456789"));
        assertEquals(12, a.available());
        assertEquals(0, t.layer.reassemblyFramesHeld());
        a.abort(t.nowNs);
        b.abort(t.nowNs);
        t.assertNoLeaks();
    }

    @Test
    void tinySegmentsShareFramesInTheReceiveQueue() {
        // DESIGN.md: no socket pins a pool of frames holding one byte each.
        TcpConnection c = h.connectTo(P);
        for (int i = 0; i < 100; i++) {
            h.send(Seg.ack(P + 1 + i, h.iss + 1).payload(new byte[] {(byte) i}));
        }
        h.ip.drop();
        assertEquals(100, c.available());
        assertEquals(1, h.pool.inUse());
        byte[] got = h.read(c);
        for (int i = 0; i < 100; i++) {
            assertEquals((byte) i, got[i]);
        }
        h.assertNoLeaks();
    }

    @Test
    void receiveSequenceWrapsAroundZero() {
        // RFC 9293 section 3.4: arithmetic modulo 2^32.
        int peerIss = 0xFFFF_FFF0;
        TcpConnection c = h.connectTo(peerIss);
        byte[] data = TcpHarness.bytes(100, 3);
        h.send(Seg.ack(peerIss + 1, h.iss + 1).payload(data));
        h.advance(40 * MS);
        h.expect(Seg.ack(h.iss + 1, peerIss + 101));
        assertArrayEquals(data, h.read(c));
        h.send(Seg.of(FIN | ACK).seq(peerIss + 101).ack(h.iss + 1));
        h.expect(Seg.ack(h.iss + 1, peerIss + 102));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
    }

    @Test
    void sendSequenceWrapsAroundZero() {
        // Choose the clock so that our ISS is 2^32 - 256 (RFC 6528: ISN = M + F).
        TcpConfig config = TcpHarness.config().build();
        int f = new TcpHarness(config, 0).layer.isn(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, 0);
        long m = Integer.toUnsignedLong(0xFFFF_FF00 - f);
        TcpHarness t = new TcpHarness(config, m * 4_000L);
        TcpConnection c = t.connectTo(P);
        assertEquals(0xFFFF_FF00, t.iss);
        byte[] data = TcpHarness.bytes(1000, 5);
        t.write(c, data);
        t.expect(Seg.of(ACK | PSH).seq(0xFFFF_FF01).payload(data));
        t.send(Seg.ack(P + 1, 0xFFFF_FF01 + 1000));
        assertEquals(config.sendBufferBytes(), c.sendSpace());
        c.close(t.nowNs);
        t.expect(Seg.of(FIN | ACK).seq(0xFFFF_FF01 + 1000));
        t.send(Seg.of(FIN | ACK).seq(P + 1).ack(0xFFFF_FF01 + 1001));
        t.expect(Seg.ack(0xFFFF_FF01 + 1001, P + 2));
        assertEquals(TcpState.TIME_WAIT, c.state());
        t.assertNoLeaks();
    }

    @Test
    void writeReturnsZeroWhenTheSendBufferIsFull() {
        // No auto-tuning above 4 KiB: the cap is the size.
        TcpHarness t = new TcpHarness(TcpHarness.config().sendBufferBytes(4096).sendBufferMaxBytes(4096).build(), 0);
        TcpConnection c = t.connectTo(P);
        assertEquals(4096, t.write(c, new byte[10_000]));
        assertEquals(0, t.write(c, new byte[1]));
        assertEquals(0, c.readyOps() & SocketEvents.WRITABLE);
        AtomicInteger events = new AtomicInteger();
        c.listener(events::set);
        t.ip.drop();
        t.send(Seg.ack(P + 1, t.iss + 1 + 2920));
        assertEquals(SocketEvents.WRITABLE, events.get() & SocketEvents.WRITABLE);
        assertEquals(2920, c.sendSpace());
    }

    private static MemorySegment quote(int srcPort, int dstPort, int seq) {
        MemorySegment m = MemorySegment.ofArray(new byte[8]);
        io.bypass.stack.wire.NetworkOrder.putU16(m, 0, srcPort);
        io.bypass.stack.wire.NetworkOrder.putU16(m, 2, dstPort);
        io.bypass.stack.wire.NetworkOrder.putI32(m, 4, seq);
        return m;
    }

    @Test
    void portUnreachableWhileConnectingIsRefused() {
        // RFC 1122 section 4.2.3.9: port unreachable is a hard error during SYN-SENT.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.next();
        h.layer.onIcmpError(3, 3, 0, LOCAL_IP, REMOTE_IP, quote(LOCAL_PORT, REMOTE_PORT, syn.seq), 0, 8, h.nowNs);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.REFUSED, c.error());
    }

    @Test
    void hostUnreachableIsSoftUntilTheConnectTimesOut() {
        // RFC 1122 section 4.2.3.9: soft errors are reported only when the attempt fails.
        TcpHarness t = new TcpHarness(TcpHarness.config().synRetries(0).build(), 0);
        TcpConnection c = t.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, t.nowNs);
        Seg syn = t.next();
        t.layer.onIcmpError(3, 1, 0, LOCAL_IP, REMOTE_IP, quote(LOCAL_PORT, REMOTE_PORT, syn.seq), 0, 8, t.nowNs);
        assertEquals(TcpState.SYN_SENT, c.state());
        t.advance(1000 * MS);
        assertEquals(TcpError.UNREACHABLE, c.error());
    }

    @Test
    void icmpQuotingASequenceNotInFlightIsIgnored() {
        // RFC 5927 section 4.1.
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.next();
        h.layer.onIcmpError(3, 3, 0, LOCAL_IP, REMOTE_IP, quote(LOCAL_PORT, REMOTE_PORT, syn.seq + 9999), 0, 8,
                h.nowNs);
        assertEquals(TcpState.SYN_SENT, c.state());
    }

    @Test
    void fragmentationNeededLowersTheMssAndResends() {
        // RFC 1191 section 6.5.
        TcpConnection c = h.connectTo(P);
        int iss = h.iss;
        h.write(c, TcpHarness.bytes(MSS, 0));
        h.next();
        h.layer.onIcmpError(3, 4, 1000, LOCAL_IP, REMOTE_IP, quote(LOCAL_PORT, REMOTE_PORT, iss + 1), 0, 8,
                h.nowNs);
        assertEquals(960, c.mss());
        h.expect(Seg.of(ACK).seq(iss + 1).payload(java.util.Arrays.copyOf(TcpHarness.bytes(MSS, 0), 960)));
    }
}
