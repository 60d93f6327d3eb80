package io.bypass.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The TCP header flyweight (RFC 9293 section 3.1). */
class TcpHeaderTest {
    private final MemorySegment memory = MemorySegment.ofArray(new byte[100]);
    private final TcpHeader header = new TcpHeader();

    @Test
    void writtenFieldsReadBack() {
        header.wrapUnchecked(memory, 10, 30);
        header.write(1234, 80, 0xdeadbeef, 0x01020304, 24, TcpHeader.SYN | TcpHeader.ACK, 65_535);
        assertTrue(header.wrap(memory, 10, 30));
        assertEquals(1234, header.sourcePort());
        assertEquals(80, header.destinationPort());
        assertEquals(0xdeadbeef, header.sequence());
        assertEquals(0x01020304, header.acknowledgment());
        assertEquals(24, header.headerLength());
        assertEquals(4, header.optionsLength());
        assertEquals(6, header.payloadLength());
        assertEquals(10 + 24, header.payloadOffset());
        assertTrue(header.has(TcpHeader.SYN));
        assertFalse(header.has(TcpHeader.FIN));
        assertEquals(65_535, header.window());
        assertEquals(0, header.urgentPointer());
        assertEquals(7, header.sequenceLength(), "6 payload bytes and the SYN");
    }

    @Test
    void checksumCoversThePseudoHeader() {
        // RFC 9293 section 3.1: the checksum covers a pseudo-header with both addresses.
        header.wrapUnchecked(memory, 0, 25);
        header.write(1, 2, 3, 4, 20, TcpHeader.ACK, 100);
        memory.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 24, (byte) 0x7f);
        header.writeChecksum(0x0a000001, 0x0a000002);
        assertTrue(header.verifyChecksum(0x0a000001, 0x0a000002));
        assertFalse(header.verifyChecksum(0x0a000001, 0x0a000003));
    }

    @Test
    void wrapRejectsShortSegmentsAndBadDataOffsets() {
        assertFalse(header.wrap(memory, 0, 19));
        header.wrapUnchecked(memory, 0, 40);
        header.write(1, 2, 3, 4, 20, 0, 0);
        header.headerLength(16);
        assertFalse(header.wrap(memory, 0, 40), "data offset 4 words");
        header.headerLength(44);
        assertFalse(header.wrap(memory, 0, 40), "header longer than the segment");
        assertTrue(header.wrap(memory, 0, 44));
        assertFalse(header.wrap(memory, 90, 20), "segment beyond the memory");
    }
}
