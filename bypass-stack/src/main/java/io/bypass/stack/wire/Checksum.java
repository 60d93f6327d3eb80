package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
 * sum of 16-bit words.
 *
 * <p>Sums are carried as {@code long} partial sums (of big-endian 16-bit words, not yet
 * folded) so that callers can add a pseudo-header and several ranges before
 * {@link #fold folding}.
 *
 * <p>Speed (this runs over every payload byte unless the link offloads it): a range is
 * summed 8 bytes per load, as two 32-bit halves added into a 64-bit accumulator, whose
 * carries collect in the high bits and are folded once at the end (RFC 1071 section 2(C),
 * "deferred carries", and 2(B), "parallel summation": the sum over wider words folds to the
 * same 16 bits). Words are loaded little-endian, the order of the machines we run on, and
 * the folded result is byte-swapped once (RFC 1071 section 2(B), "byte order
 * independence"), so the loop does no byte swapping.
 */
public final class Checksum {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long LOW32 = 0xffffffffL;

    private Checksum() {
    }

    /**
     * Adds {@code length} bytes at {@code offset} to a partial sum. A range of odd length
     * is padded with a zero byte, so only the last range of a checksum may be odd.
     *
     * @return the new partial sum
     */
    public static long add(long sum, MemorySegment memory, long offset, int length) {
        // One accumulator in a plain loop: C2 vectorises this reduction (SuperWord), which
        // beats unrolling by hand into several accumulators (that defeats the vectoriser and
        // ran at a third of the speed over a 9000-byte frame). Each step adds under 2^33; an
        // int length (under 2^28 steps) keeps the sum under 2^61, so nothing overflows
        // before the fold.
        long s = 0;
        long p = offset;
        long end = offset + length;
        long words = offset + (length & ~7);
        for (; p < words; p += 8) {
            long w = memory.get(U64, p);
            s += (w & LOW32) + (w >>> 32);
        }
        if (end - p >= 4) {
            s += memory.get(U32, p) & LOW32;
            p += 4;
        }
        if (end - p >= 2) {
            s += memory.get(U16, p) & 0xffff;
            p += 2;
        }
        if (end - p == 1) {
            // Little-endian view: the odd last byte is the low byte of its zero-padded word.
            s += memory.get(ValueLayout.JAVA_BYTE, p) & 0xff;
        }
        int littleEndian = fold16(s);
        return sum + (((littleEndian & 0xff) << 8) | (littleEndian >>> 8));
    }

    /** @return {@code sum} with the IPv4 pseudo-header (RFC 9293 section 3.1, RFC 768) added */
    public static long addPseudoHeader(long sum, int srcIp, int dstIp, int protocol, int length) {
        return sum + (srcIp & LOW32) + (dstIp & LOW32) + protocol + length;
    }

    /** @return the one's complement of the folded sum: the value to store in the header */
    public static int fold(long sum) {
        return ~fold16(sum) & 0xffff;
    }

    /**
     * The checksum field's content when the link completes the checksum (transmit offload,
     * see {@link io.bypass.stack.link.LinkCapabilities}): the pseudo-header sum folded to 16
     * bits and not complemented, as Linux leaves it for {@code CHECKSUM_PARTIAL} and DPDK's
     * {@code rte_ipv4_phdr_cksum} computes it.
     *
     * @param length the transport length (header and payload) in the pseudo-header
     * @return the value to store in the TCP or UDP checksum field
     */
    public static int pseudoHeaderPartial(int srcIp, int dstIp, int protocol, int length) {
        return fold16(addPseudoHeader(0, srcIp, dstIp, protocol, length));
    }

    /** @return the checksum of one range */
    public static int compute(MemorySegment memory, long offset, int length) {
        return fold(add(0, memory, offset, length));
    }

    /** @return whether a range that includes its checksum field sums to zero (it is intact) */
    public static boolean verify(MemorySegment memory, long offset, int length) {
        return compute(memory, offset, length) == 0;
    }

    /** Folds an unsigned 64-bit sum to 16 bits with end-around carries (not complemented). */
    private static int fold16(long sum) {
        long s = (sum & LOW32) + (sum >>> 32);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return (int) s;
    }
}
