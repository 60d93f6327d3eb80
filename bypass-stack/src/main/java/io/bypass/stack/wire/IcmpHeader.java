package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * ICMP message header flyweight (RFC 792).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: Identifier             |  echo: Sequence Number        |  4
 * |  type 3: unused               |  code 4: Next-Hop MTU         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  echo: data ...   errors: IP header + first 8 bytes quoted    |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The next-hop MTU field is RFC 1191 section 4. The checksum covers the whole message.
 */
public final class IcmpHeader {
    /** Header length in bytes (up to the data or the quoted datagram). */
    public static final int LENGTH = 8;
    /** Echo reply. */
    public static final int TYPE_ECHO_REPLY = 0;
    /** Destination unreachable. */
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    /** Echo request. */
    public static final int TYPE_ECHO_REQUEST = 8;
    /** Time exceeded. */
    public static final int TYPE_TIME_EXCEEDED = 11;
    /** Destination unreachable code: port unreachable. */
    public static final int CODE_PORT_UNREACHABLE = 3;
    /** Destination unreachable code: fragmentation needed and DF set. */
    public static final int CODE_FRAGMENTATION_NEEDED = 4;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int IDENTIFIER = 4;
    private static final int SEQUENCE = 6;
    private static final int UNUSED = 4;
    private static final int NEXT_HOP_MTU = 6;

    private MemorySegment memory;
    private long offset;
    private int length;

    /**
     * Views a received message.
     *
     * @param length the message's length (IP payload length)
     * @return whether it is at least {@link #LENGTH} bytes long
     */
    public boolean wrap(MemorySegment memory, long offset, int length) {
        if (length < LENGTH) {
            return false;
        }
        wrapUnchecked(memory, offset, length);
        return true;
    }

    /** Views a message being written; the caller guarantees room for {@code length} bytes. */
    public void wrapUnchecked(MemorySegment memory, long offset, int length) {
        this.memory = memory;
        this.offset = offset;
        this.length = length;
    }

    /** @return the message type */
    public int type() {
        return NetworkOrder.getU8(memory, offset + TYPE);
    }

    /** @return the message code */
    public int code() {
        return NetworkOrder.getU8(memory, offset + CODE);
    }

    /** @return the checksum field */
    public int checksum() {
        return NetworkOrder.getU16(memory, offset + CHECKSUM);
    }

    /** @return the echo identifier */
    public int echoIdentifier() {
        return NetworkOrder.getU16(memory, offset + IDENTIFIER);
    }

    /** @return the echo sequence number */
    public int echoSequence() {
        return NetworkOrder.getU16(memory, offset + SEQUENCE);
    }

    /** @return the next-hop MTU of a fragmentation-needed message (0 from pre-RFC 1191 routers) */
    public int nextHopMtu() {
        return NetworkOrder.getU16(memory, offset + NEXT_HOP_MTU);
    }

    /** @return where the echo data or the quoted datagram starts */
    public long dataOffset() {
        return offset + LENGTH;
    }

    /** @return bytes of echo data or quoted datagram */
    public int dataLength() {
        return length - LENGTH;
    }

    /** @return whether the message sums to zero over its whole length */
    public boolean checksumValid() {
        return Checksum.verify(memory, offset, length);
    }

    /** Writes type and code, and zeroes the checksum and the rest of the header. */
    public void write(int type, int code) {
        NetworkOrder.putU8(memory, offset + TYPE, type);
        NetworkOrder.putU8(memory, offset + CODE, code);
        NetworkOrder.putU16(memory, offset + CHECKSUM, 0);
        NetworkOrder.putI32(memory, offset + UNUSED, 0);
    }

    /** Sets only the type (an echo reply keeps the request's rest of header and data). */
    public void type(int type) {
        NetworkOrder.putU8(memory, offset + TYPE, type);
    }

    /** Sets the echo identifier and sequence number. */
    public void echo(int identifier, int sequence) {
        NetworkOrder.putU16(memory, offset + IDENTIFIER, identifier);
        NetworkOrder.putU16(memory, offset + SEQUENCE, sequence);
    }

    /** Sets the next-hop MTU (type 3 code 4). */
    public void nextHopMtu(int mtu) {
        NetworkOrder.putU16(memory, offset + NEXT_HOP_MTU, mtu);
    }

    /** Computes and stores the checksum over the whole message; call after writing the data. */
    public void updateChecksum() {
        NetworkOrder.putU16(memory, offset + CHECKSUM, 0);
        NetworkOrder.putU16(memory, offset + CHECKSUM, Checksum.compute(memory, offset, length));
    }
}
