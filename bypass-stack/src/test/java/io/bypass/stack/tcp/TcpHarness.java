package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.TcpHeader;
import io.bypass.stack.wire.TcpOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One {@link TcpLayer} and a scripted peer, in the smoltcp style: the test {@link #send}s
 * segments as the peer, {@link #expect}s what the layer answers, and moves a virtual clock
 * with {@link #advance}. Frames come from a real pool, so leaks show in {@link #assertNoLeaks}.
 */
final class TcpHarness {
    static final int LOCAL_IP = Ipv4Address.parse("10.0.0.1");
    static final int REMOTE_IP = Ipv4Address.parse("10.0.0.2");
    static final int LOCAL_PORT = 80;
    static final int REMOTE_PORT = 40_000;
    static final long MS = 1_000_000L;

    final FramePool pool = new FramePool(Arena.ofAuto(), 512, 2048);
    final FakeIp ip = new FakeIp(pool, LOCAL_IP);
    final StackCounters counters = new StackCounters();
    final TimerWheel timers;
    final TcpLayer layer;
    long nowNs;
    /** The peer's ports as {@link #send} uses them. */
    int peerPort = REMOTE_PORT;
    int ourPort = LOCAL_PORT;

    TcpHarness() {
        this(config().build(), 1_000 * MS);
    }

    TcpHarness(TcpConfig config, long startNs) {
        this.nowNs = startNs;
        this.timers = new TimerWheel(MS, 1024, startNs);
        this.layer = new TcpLayer(config, ip, timers, counters);
    }

    /** Defaults with fixed secrets, as the simulation uses. */
    static TcpConfig.Builder config() {
        return TcpConfig.builder().isnSecret(0x0123456789abcdefL, 0xfedcba9876543210L).portSeed(42);
    }

    /** Delivers a segment from the peer to the layer. */
    void send(Seg s) {
        Frame frame = pool.allocate();
        assertNotNull(frame, "test pool exhausted");
        SegmentOptions o = new SegmentOptions();
        o.mss = s.mss != null ? s.mss : 0;
        o.windowScale = s.ws != null ? s.ws : -1;
        o.sackPermitted = s.sackOk;
        if (s.tsVal != null) {
            o.timestamps = true;
            o.tsVal = s.tsVal;
            o.tsEcr = s.tsEcr;
        }
        if (s.sack != null) {
            o.sackBlocks = s.sack.length / 2;
            System.arraycopy(s.sack, 0, o.sackEdges, 0, s.sack.length);
        }
        int headerLength = TcpHeader.MIN_LENGTH + o.length();
        int length = headerLength + s.payload.length;
        long at = IpSender.TRANSPORT_OFFSET;
        frame.window(0, (int) at + length);
        TcpHeader h = new TcpHeader();
        h.wrapUnchecked(frame.memory(), at, length);
        h.write(peerPort, ourPort, s.seq == null ? 0 : s.seq, s.ack == null ? 0 : s.ack, headerLength, s.flags,
                s.window == null ? 65_535 : s.window);
        o.write(frame.memory(), at + TcpHeader.MIN_LENGTH);
        MemorySegment.copy(MemorySegment.ofArray(s.payload), 0, frame.memory(), at + headerLength, s.payload.length);
        h.writeChecksum(REMOTE_IP, LOCAL_IP);
        layer.receive(frame, (int) at, length, REMOTE_IP, LOCAL_IP, nowNs);
    }

    /** Delivers raw transport bytes (for malformed-segment tests). */
    void sendRaw(byte[] transport, int declaredLength) {
        Frame frame = pool.allocate();
        long at = IpSender.TRANSPORT_OFFSET;
        frame.window(0, (int) at + transport.length);
        MemorySegment.copy(MemorySegment.ofArray(transport), 0, frame.memory(), at, transport.length);
        layer.receive(frame, (int) at, declaredLength, REMOTE_IP, LOCAL_IP, nowNs);
    }

    /** @return the next segment the layer sent, parsed, its frame released; fails if none */
    Seg next() {
        FakeIp.Sent sent = ip.sent.poll();
        if (sent == null) {
            fail("expected a segment, the layer sent nothing");
        }
        return parse(sent);
    }

    static Seg parse(FakeIp.Sent sent) {
        Frame frame = sent.frame();
        TcpHeader h = new TcpHeader();
        assertTrue(h.wrap(frame.memory(), IpSender.TRANSPORT_OFFSET, sent.transportLength()), "malformed segment sent");
        assertTrue(h.verifyChecksum(LOCAL_IP, sent.dstIp()) || h.verifyChecksum(REMOTE_IP, sent.dstIp()),
                "bad checksum on a sent segment");
        Seg s = Seg.of(h.flags()).seq(h.sequence()).ack(h.acknowledgment()).window(h.window());
        s.srcPort = h.sourcePort();
        s.dstPort = h.destinationPort();
        TcpOptions o = new TcpOptions();
        if (h.optionsLength() > 0) {
            assertTrue(o.parse(h.memory(), h.optionsOffset(), h.optionsLength()), "malformed options sent");
            assertTrue(h.optionsLength() <= TcpOptions.MAX_LENGTH);
            s.mss = o.mss() >= 0 ? o.mss() : null;
            s.ws = o.windowScale() >= 0 ? o.windowScale() : null;
            s.sackOk = o.sackPermitted();
            if (o.hasTimestamps()) {
                s.ts(o.timestampValue(), o.timestampEcho());
            }
            if (o.sackBlockCount() > 0) {
                s.sack = new int[2 * o.sackBlockCount()];
                for (int i = 0; i < o.sackBlockCount(); i++) {
                    s.sack[2 * i] = o.sackLeft(i);
                    s.sack[2 * i + 1] = o.sackRight(i);
                }
            }
        }
        byte[] payload = new byte[h.payloadLength()];
        MemorySegment.copy(h.memory(), h.payloadOffset(), MemorySegment.ofArray(payload), 0, payload.length);
        s.payload = payload;
        frame.release();
        return s;
    }

    /** Takes the next sent segment and checks the fields {@code want} sets. */
    Seg expect(Seg want) {
        Seg got = next();
        String where = "expected " + want + " got " + got;
        assertEquals(Seg.flagNames(want.flags), Seg.flagNames(got.flags), where);
        if (want.seq != null) {
            assertEquals(Integer.toUnsignedString(want.seq), Integer.toUnsignedString(got.seq), where);
        }
        if (want.ack != null) {
            assertEquals(Integer.toUnsignedString(want.ack), Integer.toUnsignedString(got.ack), where);
        }
        if (want.window != null) {
            assertEquals(want.window, got.window, where);
        }
        if (want.mss != null) {
            assertEquals(want.mss, got.mss, where);
        }
        if (want.ws != null) {
            assertEquals(want.ws, got.ws, where);
        }
        if (want.sackOk) {
            assertTrue(got.sackOk, where);
        }
        if (want.tsEcr != null) {
            assertEquals(want.tsEcr, got.tsEcr, where + ": TSecr");
        }
        if (want.sack != null) {
            assertTrue(java.util.Arrays.equals(want.sack, got.sack), where + ": SACK blocks differ");
        }
        if (want.payload.length > 0 || (want.flags & TcpHeader.SYN) == 0) {
            assertEquals(want.payload.length, got.payload.length, where);
            assertTrue(java.util.Arrays.equals(want.payload, got.payload), where + ": payload differs");
        }
        return got;
    }

    void expectNothing() {
        FakeIp.Sent sent = ip.sent.peek();
        if (sent != null) {
            fail("expected nothing, the layer sent " + parse(ip.sent.poll()));
        }
    }

    /** Moves the clock and fires due timers. */
    void advance(long ns) {
        nowNs += ns;
        timers.advance(nowNs);
    }

    // ---------------------------------------------------------------- common openings

    /** Passive open: the peer's SYN (ISN {@code peerIss}), our SYN-ACK, the peer's ACK. */
    TcpConnection acceptFrom(TcpListener l, int peerIss) {
        send(Seg.syn(peerIss).mss(1460));
        Seg synAck = expect(Seg.of(TcpHeader.SYN | TcpHeader.ACK).ack(peerIss + 1));
        send(Seg.ack(peerIss + 1, synAck.seq + 1));
        TcpConnection c = l.accept();
        assertNotNull(c, "handshake did not complete");
        assertEquals(TcpState.ESTABLISHED, c.state());
        return c;
    }

    /** Active open to the peer; returns our ISS via {@link #iss}. */
    TcpConnection connectTo(int peerIss) {
        TcpConnection c = layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, nowNs);
        Seg syn = expect(Seg.of(TcpHeader.SYN));
        iss = syn.seq;
        send(Seg.of(TcpHeader.SYN | TcpHeader.ACK).seq(peerIss).ack(iss + 1).mss(1460));
        expect(Seg.ack(iss + 1, peerIss + 1));
        assertEquals(TcpState.ESTABLISHED, c.state());
        return c;
    }

    int iss;

    /** Writes {@code bytes} into the connection. */
    int write(TcpConnection c, byte[] bytes) {
        return c.write(ByteBuffer.wrap(bytes), nowNs);
    }

    /** Reads everything available. */
    byte[] read(TcpConnection c) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        int n = c.read(b, nowNs);
        byte[] out = new byte[Math.max(n, 0)];
        b.flip().get(out);
        return out;
    }

    void assertNoLeaks() {
        ip.drop();
        assertEquals(0, pool.inUse(), "frames leaked");
        // With no frame held, no connection may still count as holding one: its share would shrink the others'.
        assertEquals(0, layer.receiveFrames().holders(), "connections counted as holding receive frames");
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }
}
