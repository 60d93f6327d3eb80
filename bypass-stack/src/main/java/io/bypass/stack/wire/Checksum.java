package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
 * sum of 16-bit words.
 *
 * <p>Sums are carried as {@code long} partial sums so that callers can add a pseudo-header
 * and several ranges before {@link #fold folding}; 32-bit big-endian words are summed at
 * a time (RFC 1071 section 2(B): the sum may be computed over larger words and folded).
 */
public final class Checksum {
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksum() {
    }

    /**
     * Adds {@code length} bytes at {@code offset} to a partial sum. A range of odd length
     * is padded with a zero byte, so only the last range of a checksum may be odd.
     *
     * @return the new partial sum
     */
    public static long add(long sum, MemorySegment memory, long offset, int length) {
        long end = offset + (length & ~3);
        long p = offset;
        for (; p < end; p += 4) {
            sum += memory.get(U32, p) & 0xffffffffL;
        }
        int rest = length & 3;
        if (rest >= 2) {
            sum += NetworkOrder.getU16(memory, p) & 0xffff;
            p += 2;
        }
        if ((rest & 1) != 0) {
            sum += (NetworkOrder.getU8(memory, p) << 8);
        }
        return sum;
    }

    /** @return {@code sum} with the IPv4 pseudo-header (RFC 9293 section 3.1, RFC 768) added */
    public static long addPseudoHeader(long sum, int srcIp, int dstIp, int protocol, int length) {
        return sum + (srcIp & 0xffffffffL) + (dstIp & 0xffffffffL) + protocol + length;
    }

    /** @return the one's complement of the folded sum: the value to store in the header */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** @return the checksum of one range */
    public static int compute(MemorySegment memory, long offset, int length) {
        return fold(add(0, memory, offset, length));
    }

    /** @return whether a range that includes its checksum field sums to zero (it is intact) */
    public static boolean verify(MemorySegment memory, long offset, int length) {
        return compute(memory, offset, length) == 0;
    }
}
