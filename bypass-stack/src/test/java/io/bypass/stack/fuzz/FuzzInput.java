package io.bypass.stack.fuzz;

/**
 * The fuzzer's bytes read front to back as the fields of a {@link FrameInputScenario}:
 * unsigned bytes, big-endian 16- and 32-bit values and byte runs. Past the end every read
 * answers zero (and byte runs come out empty), so that every input, however short, decodes
 * to a complete scenario and a mutation changes only the fields it touches.
 */
final class FuzzInput {
    private final byte[] data;
    private int position;

    FuzzInput(byte[] data) {
        this.data = data;
    }

    /** @return whether every byte has been read */
    boolean exhausted() {
        return position >= data.length;
    }

    /** @return the next byte, 0..255 */
    int u8() {
        return position < data.length ? data[position++] & 0xff : 0;
    }

    /** @return the next big-endian 16-bit value, 0..65535 */
    int u16() {
        return (u8() << 8) | u8();
    }

    /** @return the next big-endian 32-bit value */
    int i32() {
        return (u16() << 16) | u16();
    }

    /** @return the next {@code length} bytes, fewer when the input ends first */
    byte[] bytes(int length) {
        int n = Math.max(0, Math.min(length, data.length - position));
        byte[] run = new byte[n];
        System.arraycopy(data, position, run, 0, n);
        position += n;
        return run;
    }
}
