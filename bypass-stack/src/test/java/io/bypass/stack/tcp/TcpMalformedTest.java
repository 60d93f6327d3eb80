package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import io.bypass.stack.wire.TcpHeader;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Malformed segments are dropped and counted, never thrown (RFC 9293 section 3.1, RFC 1122 4.2.2.7). */
class TcpMalformedTest {
    private final TcpHarness h = new TcpHarness();

    private byte[] segment(int flags, int dataOffsetWords, int totalLength) {
        byte[] b = new byte[totalLength];
        MemorySegment m = MemorySegment.ofArray(b);
        TcpHeader t = new TcpHeader();
        t.wrapUnchecked(m, 0, totalLength);
        t.write(40_000, LOCAL_PORT, 1, 0, 20, flags, 1000);
        m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 12, (byte) (dataOffsetWords << 4));
        t.writeChecksum(REMOTE_IP, LOCAL_IP);
        return b;
    }

    @Test
    void truncatedSegmentIsCountedMalformed() {
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.sendRaw(new byte[12], 12);
        h.expectNothing();
        assertEquals(1, h.counters.get(Counter.TCP_RX_DROP_MALFORMED));
        h.assertNoLeaks();
    }

    @Test
    void dataOffsetBelowFiveIsCountedMalformed() {
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.sendRaw(segment(SYN, 4, 40), 40);
        assertEquals(1, h.counters.get(Counter.TCP_RX_DROP_MALFORMED));
        h.expectNothing();
        h.assertNoLeaks();
    }

    @Test
    void dataOffsetBeyondTheSegmentIsCountedMalformed() {
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.sendRaw(segment(SYN, 15, 40), 40);
        assertEquals(1, h.counters.get(Counter.TCP_RX_DROP_MALFORMED));
        h.expectNothing();
        h.assertNoLeaks();
    }

    @Test
    void badChecksumIsCounted() {
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        byte[] b = segment(SYN, 5, 20);
        b[4] ^= 1;
        h.sendRaw(b, 20);
        assertEquals(1, h.counters.get(Counter.TCP_RX_DROP_BAD_CHECKSUM));
        h.expectNothing();
        h.assertNoLeaks();
    }

    @Test
    void synWithFinIsCountedBadFlags() {
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        h.send(Seg.of(SYN | FIN).seq(1));
        h.send(Seg.of(SYN | RST).seq(1));
        assertEquals(2, h.counters.get(Counter.TCP_RX_DROP_BAD_FLAGS));
        assertEquals(0, h.layer.connectionCount());
        h.expectNothing();
        h.assertNoLeaks();
    }

    @Test
    void portZeroIsCountedMalformed() {
        h.ourPort = 0;
        h.send(Seg.syn(1));
        assertEquals(1, h.counters.get(Counter.TCP_RX_DROP_MALFORMED));
        h.expectNothing();
        h.assertNoLeaks();
    }

    @Test
    void badOptionLengthIsCountedAndTheSynUsesTheDefaultMss() {
        // RFC 9293 section 3.2: a malformed option must not crash; we process without options.
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 4);
        byte[] b = segment(SYN, 6, 24);
        b[20] = 2;  // MSS
        b[21] = 9;  // length runs past the header
        MemorySegment m = MemorySegment.ofArray(b);
        TcpHeader t = new TcpHeader();
        t.wrapUnchecked(m, 0, 24);
        t.writeChecksum(REMOTE_IP, LOCAL_IP);
        h.sendRaw(b, 24);
        assertEquals(1, h.counters.get(Counter.TCP_RX_BAD_OPTIONS));
        h.expect(Seg.of(SYN | ACK).ack(2));
        h.send(Seg.ack(2, 0).flags(ACK));
        h.ip.drop();
    }
}
