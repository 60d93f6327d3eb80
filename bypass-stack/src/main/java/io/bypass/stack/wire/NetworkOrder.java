package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Big-endian (network order) unsigned field access on off-heap memory, unaligned. */
public final class NetworkOrder {
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkOrder() {
    }

    /** @return the unsigned byte at {@code offset} */
    public static int getU8(MemorySegment memory, long offset) {
        return memory.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    /** Writes the low 8 bits of {@code value} at {@code offset}. */
    public static void putU8(MemorySegment memory, long offset, int value) {
        memory.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    /** @return the unsigned 16-bit field at {@code offset} */
    public static int getU16(MemorySegment memory, long offset) {
        return memory.get(U16, offset) & 0xffff;
    }

    /** Writes the low 16 bits of {@code value} at {@code offset}. */
    public static void putU16(MemorySegment memory, long offset, int value) {
        memory.set(U16, offset, (short) value);
    }

    /** @return the 32-bit field at {@code offset} (callers treat it as unsigned where needed) */
    public static int getI32(MemorySegment memory, long offset) {
        return memory.get(U32, offset);
    }

    /** Writes {@code value} as a 32-bit field at {@code offset}. */
    public static void putI32(MemorySegment memory, long offset, int value) {
        memory.set(U32, offset, value);
    }

    /**
     * @return the 64 bits at {@code offset}, the first byte in the high bits: several
     *         header fields read at once (every access is bounds- and liveness-checked, so
     *         hot paths read and write headers in as few, wide accesses as they can)
     */
    public static long getI64(MemorySegment memory, long offset) {
        return memory.get(U64, offset);
    }

    /** Writes {@code value} as 64 bits at {@code offset}, its high byte first (see {@link #getI64}). */
    public static void putI64(MemorySegment memory, long offset, long value) {
        memory.set(U64, offset, value);
    }

    /** @return the 48-bit field at {@code offset} (a MAC address) in the low bits */
    public static long getU48(MemorySegment memory, long offset) {
        return ((long) getU16(memory, offset) << 32) | (getI32(memory, offset + 2) & 0xffffffffL);
    }

    /** Writes the low 48 bits of {@code value} at {@code offset}. */
    public static void putU48(MemorySegment memory, long offset, long value) {
        putU16(memory, offset, (int) (value >>> 32));
        putI32(memory, offset + 2, (int) value);
    }
}
