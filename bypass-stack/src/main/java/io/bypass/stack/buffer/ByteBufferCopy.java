package io.bypass.stack.buffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies between frame memory and an application's {@link ByteBuffer} without allocating:
 * {@code MemorySegment.ofBuffer} would create a segment per call, so heap buffers go
 * through their array and direct buffers through absolute 8-byte accesses in the
 * buffer's own byte order (which leaves the bytes as they are).
 */
public final class ByteBufferCopy {
    private static final ValueLayout.OfLong LONG_BIG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LITTLE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ByteBufferCopy() {
    }

    /**
     * Copies {@code length} bytes from {@code memory} at {@code offset} into {@code dst} at
     * its position, and advances the position.
     *
     * @throws java.nio.BufferOverflowException when {@code dst} has less room
     */
    public static void toBuffer(MemorySegment memory, long offset, ByteBuffer dst, int length) {
        int position = dst.position();
        if (length > dst.remaining()) {
            throw new java.nio.BufferOverflowException();
        }
        if (dst.hasArray()) {
            MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset, dst.array(), dst.arrayOffset() + position, length);
        } else {
            ValueLayout.OfLong layout = dst.order() == ByteOrder.BIG_ENDIAN ? LONG_BIG : LONG_LITTLE;
            int i = 0;
            for (; i + Long.BYTES <= length; i += Long.BYTES) {
                dst.putLong(position + i, memory.get(layout, offset + i));
            }
            for (; i < length; i++) {
                dst.put(position + i, memory.get(ValueLayout.JAVA_BYTE, offset + i));
            }
        }
        dst.position(position + length);
    }

    /**
     * Copies {@code length} bytes from {@code src} at its position into {@code memory} at
     * {@code offset}, and advances the position.
     *
     * @throws java.nio.BufferUnderflowException when {@code src} has fewer bytes
     */
    public static void fromBuffer(ByteBuffer src, MemorySegment memory, long offset, int length) {
        int position = src.position();
        if (length > src.remaining()) {
            throw new java.nio.BufferUnderflowException();
        }
        if (src.hasArray()) {
            MemorySegment.copy(src.array(), src.arrayOffset() + position, memory, ValueLayout.JAVA_BYTE, offset, length);
        } else {
            ValueLayout.OfLong layout = src.order() == ByteOrder.BIG_ENDIAN ? LONG_BIG : LONG_LITTLE;
            int i = 0;
            for (; i + Long.BYTES <= length; i += Long.BYTES) {
                memory.set(layout, offset + i, src.getLong(position + i));
            }
            for (; i < length; i++) {
                memory.set(ValueLayout.JAVA_BYTE, offset + i, src.get(position + i));
            }
        }
        src.position(position + length);
    }
}
