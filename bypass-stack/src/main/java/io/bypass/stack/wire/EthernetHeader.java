package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * Ethernet II header flyweight (IEEE 802.3 with an EtherType; no 802.1Q tag, no FCS).
 *
 * <pre>
 *  0                   6                   12      14
 *  +-------------------+-------------------+-------+----------
 *  | destination MAC   | source MAC        | type  | payload
 *  +-------------------+-------------------+-------+----------
 * </pre>
 */
public final class EthernetHeader {
    /** Header length in bytes. */
    public static final int LENGTH = 14;
    private static final int DESTINATION = 0;
    private static final int SOURCE = 6;
    private static final int ETHER_TYPE = 12;

    private MemorySegment memory;
    private long offset;
    private int frameLength;

    /**
     * Views a received frame.
     *
     * @return whether the frame is long enough to hold the header; if not, the view is unusable
     */
    public boolean wrap(MemorySegment memory, long offset, int frameLength) {
        if (frameLength < LENGTH) {
            return false;
        }
        wrapUnchecked(memory, offset, frameLength);
        return true;
    }

    /** Views a frame being written; the caller guarantees room for the header. */
    public void wrapUnchecked(MemorySegment memory, long offset, int frameLength) {
        this.memory = memory;
        this.offset = offset;
        this.frameLength = frameLength;
    }

    /** @return the destination MAC in the low 48 bits */
    public long destination() {
        return NetworkOrder.getU48(memory, offset + DESTINATION);
    }

    /** @return the source MAC in the low 48 bits */
    public long source() {
        return NetworkOrder.getU48(memory, offset + SOURCE);
    }

    /** @return the EtherType, e.g. {@link EtherType#IPV4} */
    public int etherType() {
        return NetworkOrder.getU16(memory, offset + ETHER_TYPE);
    }

    /** @return where the payload starts in the wrapped memory */
    public long payloadOffset() {
        return offset + LENGTH;
    }

    /** @return payload bytes in the frame (may include Ethernet padding) */
    public int payloadLength() {
        return frameLength - LENGTH;
    }

    /** Writes all three fields. */
    public void write(long destination, long source, int etherType) {
        // Three accesses, not five: the destination and the source's first two bytes as one
        // 64-bit word, then the source's last four bytes and the EtherType.
        NetworkOrder.putI64(memory, offset + DESTINATION, (destination << 16) | ((source >>> 32) & 0xffff));
        NetworkOrder.putI32(memory, offset + SOURCE + 2, (int) source);
        NetworkOrder.putU16(memory, offset + ETHER_TYPE, etherType);
    }
}
