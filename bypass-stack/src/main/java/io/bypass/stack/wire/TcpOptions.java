package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Parses the options of a TCP header and writes the ones we send. One instance is reused
 * for every segment: {@link #parse} resets it, so it allocates nothing.
 *
 * <pre>
 *  kind 0  End of option list (EOL)            1 byte
 *  kind 1  No-operation (NOP)                  1 byte
 *  kind 2  Maximum segment size (RFC 9293)     len 4:  kind | 4 | MSS (16)
 *  kind 3  Window scale (RFC 7323)             len 3:  kind | 3 | shift (8)
 *  kind 4  SACK permitted (RFC 2018)           len 2:  kind | 2
 *  kind 5  SACK (RFC 2018)                     len 2+8n, n = 1..4: left/right edges (32 each)
 *  kind 8  Timestamps (RFC 7323)               len 10: kind | 10 | TSval (32) | TSecr (32)
 *  other   skipped by their length byte (RFC 9293 section 3.2: must be ignored)
 * </pre>
 *
 * <p>A length byte below 2, one that runs past the option area, or a wrong length for a
 * fixed-size kind makes {@link #parse} stop and answer {@code false}; what was parsed
 * before the bad option is cleared too, so the caller sees "no options".
 */
public final class TcpOptions {
    /** Option kind: end of option list. */
    public static final int KIND_EOL = 0;
    /** Option kind: no-operation. */
    public static final int KIND_NOP = 1;
    /** Option kind: maximum segment size. */
    public static final int KIND_MSS = 2;
    /** Option kind: window scale. */
    public static final int KIND_WINDOW_SCALE = 3;
    /** Option kind: SACK permitted. */
    public static final int KIND_SACK_PERMITTED = 4;
    /** Option kind: SACK blocks. */
    public static final int KIND_SACK = 5;
    /** Option kind: timestamps. */
    public static final int KIND_TIMESTAMPS = 8;
    /** Bytes {@link #writeMss} writes. */
    public static final int MSS_LENGTH = 4;
    /** Most SACK blocks an option can carry (40 option bytes). */
    public static final int MAX_SACK_BLOCKS = 4;
    /** Most option bytes a TCP header holds (data offset 15 words, RFC 9293 section 3.1). */
    public static final int MAX_LENGTH = 40;
    /** Bytes {@link #writeWindowScale} writes (NOP, then the 3-byte option: stays 32-bit aligned). */
    public static final int WINDOW_SCALE_LENGTH = 4;
    /** Bytes {@link #writeSackPermitted} writes (NOP, NOP, the 2-byte option). */
    public static final int SACK_PERMITTED_LENGTH = 4;
    /** Bytes {@link #writeTimestamps} and {@link #writeSackPermittedTimestamps} write. */
    public static final int TIMESTAMPS_LENGTH = 12;
    /** Bytes {@link #writeSack} writes before the blocks (NOP, NOP, kind, length). */
    public static final int SACK_HEADER_LENGTH = 4;
    /** Bytes per SACK block (left and right edge). */
    public static final int SACK_BLOCK_LENGTH = 8;
    /**
     * NOP, NOP, kind 8, length 10: the first word of the timestamps option as RFC 7323
     * appendix A lays it out, which every segment after the SYNs carries.
     */
    public static final int TIMESTAMPS_PREFIX = (KIND_NOP << 24) | (KIND_NOP << 16) | (KIND_TIMESTAMPS << 8) | 10;

    private int mss;
    private int windowScale;
    private boolean sackPermitted;
    private boolean timestamps;
    private int timestampValue;
    private int timestampEcho;
    private int sackBlocks;
    private final int[] sackEdges = new int[2 * MAX_SACK_BLOCKS];

    /**
     * Parses an option area, replacing what was parsed before.
     *
     * @param memory memory holding the options
     * @param offset where they start (just after the 20 fixed header bytes)
     * @param length option bytes (header length minus 20)
     * @return whether the options were well-formed; when not, nothing is reported present
     */
    public boolean parse(MemorySegment memory, long offset, int length) {
        clear();
        if (length == TIMESTAMPS_LENGTH && NetworkOrder.getI32(memory, offset) == TIMESTAMPS_PREFIX) {
            // The layout of RFC 7323 appendix A that every segment after the SYNs carries
            // (ours and Linux's): two accesses instead of a walk of six options.
            long values = NetworkOrder.getI64(memory, offset + 4);
            timestamps = true;
            timestampValue = (int) (values >>> 32);
            timestampEcho = (int) values;
            return true;
        }
        long p = offset;
        long end = offset + length;
        while (p < end) {
            int kind = NetworkOrder.getU8(memory, p);
            if (kind == KIND_EOL) {
                return true;
            }
            if (kind == KIND_NOP) {
                p++;
                continue;
            }
            if (p + 2 > end) {
                return fail();
            }
            int optionLength = NetworkOrder.getU8(memory, p + 1);
            if (optionLength < 2 || p + optionLength > end) {
                return fail();
            }
            switch (kind) {
                case KIND_MSS -> {
                    if (optionLength != 4) {
                        return fail();
                    }
                    mss = NetworkOrder.getU16(memory, p + 2);
                }
                case KIND_WINDOW_SCALE -> {
                    if (optionLength != 3) {
                        return fail();
                    }
                    // RFC 7323 section 2.3: a shift above 14 is used as 14.
                    windowScale = Math.min(NetworkOrder.getU8(memory, p + 2), 14);
                }
                case KIND_SACK_PERMITTED -> {
                    if (optionLength != 2) {
                        return fail();
                    }
                    sackPermitted = true;
                }
                case KIND_SACK -> {
                    int blocks = (optionLength - 2) / 8;
                    if ((optionLength - 2) % 8 != 0 || blocks < 1 || blocks > MAX_SACK_BLOCKS) {
                        return fail();
                    }
                    for (int i = 0; i < blocks; i++) {
                        sackEdges[2 * i] = NetworkOrder.getI32(memory, p + 2 + 8L * i);
                        sackEdges[2 * i + 1] = NetworkOrder.getI32(memory, p + 6 + 8L * i);
                    }
                    sackBlocks = blocks;
                }
                case KIND_TIMESTAMPS -> {
                    if (optionLength != 10) {
                        return fail();
                    }
                    timestamps = true;
                    timestampValue = NetworkOrder.getI32(memory, p + 2);
                    timestampEcho = NetworkOrder.getI32(memory, p + 6);
                }
                default -> {
                    // Unknown kinds are skipped by their length (RFC 9293 section 3.2).
                }
            }
            p += optionLength;
        }
        return true;
    }

    private boolean fail() {
        clear();
        return false;
    }

    /** Forgets what was parsed, as for a header without options. */
    public void clear() {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        timestamps = false;
        timestampValue = 0;
        timestampEcho = 0;
        sackBlocks = 0;
    }

    /** @return the MSS option's value, or -1 when absent */
    public int mss() {
        return mss;
    }

    /** @return the window scale shift (clamped to 14), or -1 when absent */
    public int windowScale() {
        return windowScale;
    }

    /** @return whether SACK-permitted was present */
    public boolean sackPermitted() {
        return sackPermitted;
    }

    /** @return whether a timestamps option was present */
    public boolean hasTimestamps() {
        return timestamps;
    }

    /** @return TSval (meaningful when {@link #hasTimestamps()}) */
    public int timestampValue() {
        return timestampValue;
    }

    /** @return TSecr (meaningful when {@link #hasTimestamps()}) */
    public int timestampEcho() {
        return timestampEcho;
    }

    /** @return how many SACK blocks were present (0..4) */
    public int sackBlockCount() {
        return sackBlocks;
    }

    /** @return the left edge of SACK block {@code i} */
    public int sackLeft(int i) {
        return sackEdges[2 * i];
    }

    /** @return the right edge (first sequence number after the block) of SACK block {@code i} */
    public int sackRight(int i) {
        return sackEdges[2 * i + 1];
    }

    /**
     * Writes an MSS option.
     *
     * @return bytes written, {@link #MSS_LENGTH}
     */
    public static int writeMss(MemorySegment memory, long offset, int mss) {
        NetworkOrder.putU8(memory, offset, KIND_MSS);
        NetworkOrder.putU8(memory, offset + 1, MSS_LENGTH);
        NetworkOrder.putU16(memory, offset + 2, mss);
        return MSS_LENGTH;
    }

    /**
     * Writes a window scale option behind a NOP (the layout Linux uses, RFC 7323 appendix A).
     *
     * @return bytes written, {@link #WINDOW_SCALE_LENGTH}
     */
    public static int writeWindowScale(MemorySegment memory, long offset, int shift) {
        NetworkOrder.putU8(memory, offset, KIND_NOP);
        NetworkOrder.putU8(memory, offset + 1, KIND_WINDOW_SCALE);
        NetworkOrder.putU8(memory, offset + 2, 3);
        NetworkOrder.putU8(memory, offset + 3, shift);
        return WINDOW_SCALE_LENGTH;
    }

    /**
     * Writes SACK-permitted behind two NOPs (used when no timestamps option follows).
     *
     * @return bytes written, {@link #SACK_PERMITTED_LENGTH}
     */
    public static int writeSackPermitted(MemorySegment memory, long offset) {
        NetworkOrder.putU8(memory, offset, KIND_NOP);
        NetworkOrder.putU8(memory, offset + 1, KIND_NOP);
        NetworkOrder.putU8(memory, offset + 2, KIND_SACK_PERMITTED);
        NetworkOrder.putU8(memory, offset + 3, 2);
        return SACK_PERMITTED_LENGTH;
    }

    /**
     * Writes a timestamps option behind two NOPs (RFC 7323 appendix A layout).
     *
     * @return bytes written, {@link #TIMESTAMPS_LENGTH}
     */
    public static int writeTimestamps(MemorySegment memory, long offset, int tsVal, int tsEcr) {
        // The layout of RFC 7323 appendix A, in three accesses: NOP, NOP, kind, length, then
        // TSval and TSecr.
        NetworkOrder.putI32(memory, offset, TIMESTAMPS_PREFIX);
        NetworkOrder.putI64(memory, offset + 4, ((long) tsVal << 32) | (tsEcr & 0xffffffffL));
        return TIMESTAMPS_LENGTH;
    }

    /**
     * Writes SACK-permitted followed by timestamps: the two NOPs of {@link #writeTimestamps}
     * replaced by the 2-byte SACK-permitted option, as Linux lays out its SYNs.
     *
     * @return bytes written, {@link #TIMESTAMPS_LENGTH}
     */
    public static int writeSackPermittedTimestamps(MemorySegment memory, long offset, int tsVal, int tsEcr) {
        NetworkOrder.putU8(memory, offset, KIND_SACK_PERMITTED);
        NetworkOrder.putU8(memory, offset + 1, 2);
        writeTimestampsBody(memory, offset + 2, tsVal, tsEcr);
        return TIMESTAMPS_LENGTH;
    }

    private static void writeTimestampsBody(MemorySegment memory, long offset, int tsVal, int tsEcr) {
        NetworkOrder.putU8(memory, offset, KIND_TIMESTAMPS);
        NetworkOrder.putU8(memory, offset + 1, 10);
        NetworkOrder.putI32(memory, offset + 2, tsVal);
        NetworkOrder.putI32(memory, offset + 6, tsEcr);
    }

    /**
     * Writes a SACK option behind two NOPs (RFC 2018 section 3).
     *
     * @param edges left and right edge of each block, in order
     * @param count blocks, 1..{@link #MAX_SACK_BLOCKS}
     * @return bytes written
     */
    public static int writeSack(MemorySegment memory, long offset, int[] edges, int count) {
        NetworkOrder.putU8(memory, offset, KIND_NOP);
        NetworkOrder.putU8(memory, offset + 1, KIND_NOP);
        NetworkOrder.putU8(memory, offset + 2, KIND_SACK);
        NetworkOrder.putU8(memory, offset + 3, 2 + SACK_BLOCK_LENGTH * count);
        for (int i = 0; i < count; i++) {
            NetworkOrder.putI32(memory, offset + SACK_HEADER_LENGTH + (long) SACK_BLOCK_LENGTH * i, edges[2 * i]);
            NetworkOrder.putI32(memory, offset + SACK_HEADER_LENGTH + (long) SACK_BLOCK_LENGTH * i + 4,
                    edges[2 * i + 1]);
        }
        return SACK_HEADER_LENGTH + SACK_BLOCK_LENGTH * count;
    }
}
