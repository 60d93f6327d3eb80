package io.bypass.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    private static MemorySegment bytes(int... values) {
        MemorySegment m = Arena.ofAuto().allocate(values.length + 8);
        for (int i = 0; i < values.length; i++) {
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) values[i]);
        }
        return m;
    }

    /** Sums 16-bit words one at a time: the definition, to check the word-wise version against. */
    private static int reference(MemorySegment m, int offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += NetworkOrder.getU16(m, offset + i);
        }
        if ((length & 1) != 0) {
            sum += NetworkOrder.getU8(m, offset + length - 1) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    @Test
    void rfc1071ExampleSumsTo0xddf2() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (complement 220d).
        MemorySegment m = bytes(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
        assertEquals(0x220d, Checksum.compute(m, 0, 8));
    }

    @Test
    void knownIpv4HeaderVerifies() {
        // A real IPv4 header (Wikipedia's example) with checksum b861.
        MemorySegment m = bytes(0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
                0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7);
        assertTrue(Checksum.verify(m, 0, 20));
        NetworkOrder.putU16(m, 10, 0);
        assertEquals(0xb861, Checksum.compute(m, 0, 20));
    }

    @Test
    void wordWiseSumMatchesTheDefinitionForEveryLengthAndAlignment() {
        Random random = new Random(7);
        MemorySegment m = Arena.ofAuto().allocate(300);
        for (int i = 0; i < 300; i++) {
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        }
        for (int offset = 0; offset < 8; offset++) {
            for (int length = 0; length < 280; length++) {
                assertEquals(reference(m, offset, length), Checksum.compute(m, offset, length),
                        "offset " + offset + " length " + length);
            }
        }
    }

    @Test
    void rangesSplitOnEvenBoundariesSumLikeOneRange() {
        Random random = new Random(9);
        MemorySegment m = Arena.ofAuto().allocate(200);
        for (int i = 0; i < 200; i++) {
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        }
        long split = Checksum.add(Checksum.add(0, m, 0, 62), m, 62, 137);
        assertEquals(Checksum.compute(m, 0, 199), Checksum.fold(split));
    }

    @Test
    void allOnesJumboFrameFoldsEveryCarry() {
        // 9000 bytes of 0xff: every addition carries, the worst case for deferred carries.
        MemorySegment m = Arena.ofAuto().allocate(9001);
        m.fill((byte) 0xff);
        for (int length : new int[] {8999, 9000, 9001}) {
            assertEquals(reference(m, 0, length), Checksum.compute(m, 0, length), "length " + length);
        }
    }

    @Test
    void pseudoHeaderPartialCompletedByTheLinkEqualsTheFullChecksum() {
        // What a NIC does with a CHECKSUM_PARTIAL field: sums the transport bytes from the
        // header on (field holding the partial sum) and stores the complement.
        Random random = new Random(11);
        MemorySegment m = Arena.ofAuto().allocate(1480);
        for (int i = 0; i < 1480; i++) {
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        }
        int src = 0x0a000001;
        int dst = 0xc0a80002;
        NetworkOrder.putU16(m, 16, 0);
        int full = Checksum.fold(Checksum.add(Checksum.addPseudoHeader(0, src, dst, IpProtocol.TCP, 1479), m, 0, 1479));
        NetworkOrder.putU16(m, 16, Checksum.pseudoHeaderPartial(src, dst, IpProtocol.TCP, 1479));
        assertEquals(full, Checksum.compute(m, 0, 1479));
    }
}
