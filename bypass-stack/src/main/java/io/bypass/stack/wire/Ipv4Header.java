package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * IPv4 header flyweight (RFC 791 section 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |0|D|M|     Fragment Offset     |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)          |    Padding    | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>{@link #wrap} checks everything a receiver must before trusting a length: version 4,
 * IHL at least 5, and {@code IHL * 4 <= total length <= available bytes}. It does not
 * verify the checksum ({@link #checksumValid()}), so that the caller can count that
 * reason separately.
 */
public final class Ipv4Header {
    /** Length of a header without options. */
    public static final int MIN_LENGTH = 20;
    /** Don't Fragment flag in the flags/fragment-offset word. */
    public static final int FLAG_DF = 0x4000;
    /** More Fragments flag in the flags/fragment-offset word. */
    public static final int FLAG_MF = 0x2000;
    /** The fragment offset's bits in the flags/fragment-offset word (a count of 8-byte units). */
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    private static final int VERSION_IHL = 0;
    private static final int DSCP_ECN = 1;
    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;

    private MemorySegment memory;
    private long offset;

    /**
     * Views a received packet.
     *
     * @param available bytes from {@code offset} to the end of the frame (may include padding)
     * @return whether the header is well-formed (see the class comment); if not, the view is unusable
     */
    public boolean wrap(MemorySegment memory, long offset, int available) {
        if (!wrapQuoted(memory, offset, available)) {
            return false;
        }
        // Version, IHL and total length in one access (wrapQuoted checked that 20 bytes are there).
        int first = NetworkOrder.getI32(memory, offset + VERSION_IHL);
        int total = first & 0xffff;
        return total >= ((first >>> 24) & 0xf) * 4 && total <= available;
    }

    /**
     * Views the header quoted in an ICMP error (RFC 792): the quoted datagram is cut short,
     * so its total length is not checked against {@code available}.
     *
     * @return whether version is 4, IHL is at least 5 and the header fits in {@code available}
     */
    public boolean wrapQuoted(MemorySegment memory, long offset, int available) {
        if (available < MIN_LENGTH) {
            return false;
        }
        wrapUnchecked(memory, offset);
        int versionIhl = NetworkOrder.getU8(memory, offset + VERSION_IHL);
        int ihl = versionIhl & 0xf;
        return (versionIhl >>> 4) == 4 && ihl >= 5 && ihl * 4 <= available;
    }

    /** Views a header being written; the caller guarantees room for it. */
    public void wrapUnchecked(MemorySegment memory, long offset) {
        this.memory = memory;
        this.offset = offset;
    }

    /**
     * @return bytes 0 to 7 in one access: version and IHL (bits 63..56), DSCP and ECN
     *         (55..48), total length (47..32), identification (31..16), flags and fragment
     *         offset (15..0); for the receive path, where every access is bounds- and
     *         liveness-checked
     */
    public long versionToFragment() {
        return NetworkOrder.getI64(memory, offset + VERSION_IHL);
    }

    /** @return bytes 8 to 15 in one access: TTL (bits 63..56), protocol (55..48), checksum (47..32), source (31..0) */
    public long ttlToSource() {
        return NetworkOrder.getI64(memory, offset + TTL);
    }

    /** @return the version field (4 for a wrapped packet) */
    public int version() {
        return NetworkOrder.getU8(memory, offset + VERSION_IHL) >>> 4;
    }

    /** @return the header length in bytes (IHL * 4), options included */
    public int headerLength() {
        return (NetworkOrder.getU8(memory, offset + VERSION_IHL) & 0xf) * 4;
    }

    /** @return the DSCP and ECN byte (former type of service) */
    public int dscpEcn() {
        return NetworkOrder.getU8(memory, offset + DSCP_ECN);
    }

    /** @return header plus payload bytes, as the sender declared */
    public int totalLength() {
        return NetworkOrder.getU16(memory, offset + TOTAL_LENGTH);
    }

    /** @return the identification field */
    public int identification() {
        return NetworkOrder.getU16(memory, offset + IDENTIFICATION);
    }

    /** @return whether Don't Fragment is set */
    public boolean dontFragment() {
        return (NetworkOrder.getU16(memory, offset + FLAGS_FRAGMENT) & FLAG_DF) != 0;
    }

    /** @return whether More Fragments is set */
    public boolean moreFragments() {
        return (NetworkOrder.getU16(memory, offset + FLAGS_FRAGMENT) & FLAG_MF) != 0;
    }

    /** @return the fragment offset in bytes (the field counts 8-byte units) */
    public int fragmentOffset() {
        return (NetworkOrder.getU16(memory, offset + FLAGS_FRAGMENT) & FRAGMENT_OFFSET_MASK) * 8;
    }

    /** @return whether the packet is a fragment (MF set or a non-zero offset), RFC 791 section 3.2 */
    public boolean isFragment() {
        return (NetworkOrder.getU16(memory, offset + FLAGS_FRAGMENT) & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /** @return time to live */
    public int ttl() {
        return NetworkOrder.getU8(memory, offset + TTL);
    }

    /** @return the protocol number, e.g. {@link IpProtocol#UDP} */
    public int protocol() {
        return NetworkOrder.getU8(memory, offset + PROTOCOL);
    }

    /** @return the header checksum field */
    public int checksum() {
        return NetworkOrder.getU16(memory, offset + CHECKSUM);
    }

    /** @return the source address */
    public int source() {
        return NetworkOrder.getI32(memory, offset + SOURCE);
    }

    /** @return the destination address */
    public int destination() {
        return NetworkOrder.getI32(memory, offset + DESTINATION);
    }

    /** @return where the payload (the transport header) starts in the wrapped memory */
    public long payloadOffset() {
        return offset + headerLength();
    }

    /** @return payload bytes according to the header (Ethernet padding excluded) */
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    /** @return whether the header, options included, sums to zero (RFC 791 section 3.1) */
    public boolean checksumValid() {
        return Checksum.verify(memory, offset, headerLength());
    }

    /**
     * Writes a header without options and its checksum ({@link #writeWithoutChecksum} and
     * {@link #updateChecksum}).
     *
     * @param totalLength    header plus payload bytes
     * @param identification the identification field
     * @param dontFragment   whether to set DF
     * @param ttl            time to live
     * @param protocol       the transport's protocol number
     * @param source         source address
     * @param destination    destination address
     */
    public void write(int totalLength, int identification, boolean dontFragment, int ttl, int protocol,
                      int source, int destination) {
        writeWithoutChecksum(totalLength, identification, dontFragment, ttl, protocol, source, destination);
        updateChecksum();
    }

    /**
     * Writes a header without options with a zero checksum, for a link that fills the
     * checksum in (transmit offload, {@link io.bypass.stack.link.LinkCapabilities}).
     *
     * @param totalLength    header plus payload bytes
     * @param identification the identification field
     * @param dontFragment   whether to set DF
     * @param ttl            time to live
     * @param protocol       the transport's protocol number
     * @param source         source address
     * @param destination    destination address
     */
    public void writeWithoutChecksum(int totalLength, int identification, boolean dontFragment, int ttl,
                                     int protocol, int source, int destination) {
        // Three accesses, not ten (every access is bounds- and liveness-checked): the words
        // at 0 (version and IHL, DSCP and ECN zero, total length, identification, flags and
        // fragment offset), at 8 (TTL, protocol, checksum zero, source) and the destination.
        NetworkOrder.putI64(memory, offset + VERSION_IHL, (0x45L << 56) | ((totalLength & 0xffffL) << 32)
                | ((identification & 0xffffL) << 16) | (dontFragment ? FLAG_DF : 0));
        NetworkOrder.putI64(memory, offset + TTL, ((ttl & 0xffL) << 56) | ((protocol & 0xffL) << 48)
                | (source & 0xffffffffL));
        NetworkOrder.putI32(memory, offset + DESTINATION, destination);
    }

    /** Sets the version and IHL byte as given (tests build malformed headers with it). */
    public void versionIhl(int version, int ihl) {
        NetworkOrder.putU8(memory, offset + VERSION_IHL, (version << 4) | (ihl & 0xf));
    }

    /** Sets the DSCP and ECN byte; a header with a checksum needs {@link #updateChecksum} after it. */
    public void dscpEcn(int dscpEcn) {
        NetworkOrder.putU8(memory, offset + DSCP_ECN, dscpEcn);
    }

    /** Sets the total length field. */
    public void totalLength(int totalLength) {
        NetworkOrder.putU16(memory, offset + TOTAL_LENGTH, totalLength);
    }

    /** Sets the whole flags/fragment-offset word, e.g. {@link #FLAG_MF}. */
    public void flagsAndFragmentOffset(int word) {
        NetworkOrder.putU16(memory, offset + FLAGS_FRAGMENT, word);
    }

    /** Recomputes the header checksum over {@link #headerLength()} bytes. */
    public void updateChecksum() {
        NetworkOrder.putU16(memory, offset + CHECKSUM, 0);
        NetworkOrder.putU16(memory, offset + CHECKSUM, Checksum.compute(memory, offset, headerLength()));
    }
}
