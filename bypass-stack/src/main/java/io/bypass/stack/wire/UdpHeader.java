package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * UDP header flyweight (RFC 768).
 *
 * <pre>
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |   Source Port   | Destination Port|  0
 * +--------+--------+--------+--------+
 * |     Length      |    Checksum     |  4
 * +--------+--------+--------+--------+
 * |          data octets ...          |  8
 * +-----------------------------------+
 * </pre>
 *
 * <p>The checksum covers a pseudo-header (source, destination, protocol, UDP length), the
 * header and the data. A received checksum of zero means the sender computed none; a
 * computed checksum of zero is sent as 0xffff (RFC 768), its one's complement twin.
 */
public final class UdpHeader {
    /** Header length in bytes. */
    public static final int LENGTH = 8;
    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int UDP_LENGTH = 4;
    private static final int CHECKSUM = 6;

    private MemorySegment memory;
    private long offset;

    /**
     * Views a received datagram.
     *
     * @param available the IP payload length
     * @return whether the length field is at least 8 and fits in {@code available} (bytes
     *         after it are ignored, RFC 768)
     */
    public boolean wrap(MemorySegment memory, long offset, int available) {
        if (available < LENGTH) {
            return false;
        }
        wrapUnchecked(memory, offset);
        int length = length();
        return length >= LENGTH && length <= available;
    }

    /** Views a datagram being written; the caller guarantees room for it. */
    public void wrapUnchecked(MemorySegment memory, long offset) {
        this.memory = memory;
        this.offset = offset;
    }

    /** @return the source port */
    public int sourcePort() {
        return NetworkOrder.getU16(memory, offset + SOURCE_PORT);
    }

    /** @return the destination port */
    public int destinationPort() {
        return NetworkOrder.getU16(memory, offset + DESTINATION_PORT);
    }

    /** @return header plus data bytes */
    public int length() {
        return NetworkOrder.getU16(memory, offset + UDP_LENGTH);
    }

    /** @return the checksum field (0: none) */
    public int checksum() {
        return NetworkOrder.getU16(memory, offset + CHECKSUM);
    }

    /** @return where the data starts */
    public long payloadOffset() {
        return offset + LENGTH;
    }

    /** @return data bytes */
    public int payloadLength() {
        return length() - LENGTH;
    }

    /** @return whether the checksum is absent (0) or right for this pseudo-header */
    public boolean checksumValid(int srcIp, int dstIp) {
        if (checksum() == 0) {
            return true;
        }
        int length = length();
        long sum = Checksum.addPseudoHeader(0, srcIp, dstIp, IpProtocol.UDP, length);
        return Checksum.fold(Checksum.add(sum, memory, offset, length)) == 0;
    }

    /** Writes ports and length and zeroes the checksum; write the data, then {@link #updateChecksum}. */
    public void write(int sourcePort, int destinationPort, int length) {
        NetworkOrder.putU16(memory, offset + SOURCE_PORT, sourcePort);
        NetworkOrder.putU16(memory, offset + DESTINATION_PORT, destinationPort);
        NetworkOrder.putU16(memory, offset + UDP_LENGTH, length);
        NetworkOrder.putU16(memory, offset + CHECKSUM, 0);
    }

    /** Sets the checksum field, e.g. to the pseudo-header sum a link with transmit offload completes. */
    public void checksum(int checksum) {
        NetworkOrder.putU16(memory, offset + CHECKSUM, checksum);
    }

    /** Computes and stores the checksum over the pseudo-header, header and data. */
    public void updateChecksum(int srcIp, int dstIp) {
        int length = length();
        NetworkOrder.putU16(memory, offset + CHECKSUM, 0);
        long sum = Checksum.addPseudoHeader(0, srcIp, dstIp, IpProtocol.UDP, length);
        int checksum = Checksum.fold(Checksum.add(sum, memory, offset, length));
        // RFC 768: an all-zero result is transmitted as all ones; zero means "no checksum".
        NetworkOrder.putU16(memory, offset + CHECKSUM, checksum == 0 ? 0xffff : checksum);
    }
}
