package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * TCP header flyweight (RFC 9293 section 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------------------------------+-------------------------------+
 * |          Source Port          |       Destination Port        |  0
 * +-------------------------------+-------------------------------+
 * |                        Sequence Number                        |  4
 * +---------------------------------------------------------------+
 * |                    Acknowledgment Number                      |  8
 * +-------+-------+-+-+-+-+-+-+-+-+-------------------------------+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             | 12
 * +-------+-------+-+-+-+-+-+-+-+-+-------------------------------+
 * |           Checksum            |         Urgent Pointer        | 16
 * +-------------------------------+-------------------------------+
 * |                    Options (0..40 bytes)      |    Padding    | 20
 * +-----------------------------------------------+---------------+
 * </pre>
 *
 * <p>{@link #wrap} checks that the segment holds a 20-byte header and that the data
 * offset is at least 5 words and within the segment (so options lie inside the header and
 * the header inside the segment); every accessor is safe after it.
 */
public final class TcpHeader {
    /** Length of a header without options. */
    public static final int MIN_LENGTH = 20;
    /** Longest header: data offset 15 words. */
    public static final int MAX_LENGTH = 60;

    /** No more data from sender. */
    public static final int FIN = 0x01;
    /** Synchronize sequence numbers. */
    public static final int SYN = 0x02;
    /** Reset the connection. */
    public static final int RST = 0x04;
    /** Push function. */
    public static final int PSH = 0x08;
    /** Acknowledgment field is significant. */
    public static final int ACK = 0x10;
    /** Urgent pointer field is significant. */
    public static final int URG = 0x20;
    /** ECN-Echo (RFC 3168). */
    public static final int ECE = 0x40;
    /** Congestion Window Reduced (RFC 3168). */
    public static final int CWR = 0x80;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int SEQUENCE = 4;
    private static final int ACKNOWLEDGMENT = 8;
    private static final int DATA_OFFSET = 12;
    private static final int FLAGS = 13;
    private static final int WINDOW = 14;
    private static final int CHECKSUM = 16;
    private static final int URGENT = 18;

    private MemorySegment memory;
    private long offset;
    private int segmentLength;

    /**
     * Views a received segment.
     *
     * @param memory        memory holding the segment
     * @param offset        where the TCP header starts
     * @param segmentLength header and payload bytes (from the IP total length)
     * @return whether the header is well-formed; if not, the view is unusable
     */
    public boolean wrap(MemorySegment memory, long offset, int segmentLength) {
        if (segmentLength < MIN_LENGTH || offset < 0 || offset + segmentLength > memory.byteSize()) {
            return false;
        }
        int headerLength = (NetworkOrder.getU8(memory, offset + DATA_OFFSET) >>> 4) * 4;
        if (headerLength < MIN_LENGTH || headerLength > segmentLength) {
            return false;
        }
        wrapUnchecked(memory, offset, segmentLength);
        return true;
    }

    /** Views a segment being written; the caller guarantees room for it. */
    public void wrapUnchecked(MemorySegment memory, long offset, int segmentLength) {
        this.memory = memory;
        this.offset = offset;
        this.segmentLength = segmentLength;
    }

    /**
     * @return bytes 0 to 7 in one access: source port (bits 63..48), destination port
     *         (47..32), sequence number (31..0); for the receive path, where every access
     *         is bounds- and liveness-checked
     */
    public long portsAndSequence() {
        return NetworkOrder.getI64(memory, offset + SOURCE_PORT);
    }

    /**
     * @return bytes 8 to 15 in one access: acknowledgment number (bits 63..32), data offset
     *         (31..28), flags (23..16), window (15..0)
     */
    public long acknowledgmentToWindow() {
        return NetworkOrder.getI64(memory, offset + ACKNOWLEDGMENT);
    }

    /** @return the source port */
    public int sourcePort() {
        return NetworkOrder.getU16(memory, offset + SOURCE_PORT);
    }

    /** @return the destination port */
    public int destinationPort() {
        return NetworkOrder.getU16(memory, offset + DESTINATION_PORT);
    }

    /** @return the sequence number (compare with {@code io.bypass.stack.tcp.SeqNum}) */
    public int sequence() {
        return NetworkOrder.getI32(memory, offset + SEQUENCE);
    }

    /** @return the acknowledgment number */
    public int acknowledgment() {
        return NetworkOrder.getI32(memory, offset + ACKNOWLEDGMENT);
    }

    /** @return the header length in bytes (data offset times four) */
    public int headerLength() {
        return (NetworkOrder.getU8(memory, offset + DATA_OFFSET) >>> 4) * 4;
    }

    /** @return the flag bits ({@link #FIN} ... {@link #CWR}) */
    public int flags() {
        return NetworkOrder.getU8(memory, offset + FLAGS);
    }

    /** @return whether every bit of {@code flag} is set */
    public boolean has(int flag) {
        return (flags() & flag) == flag;
    }

    /** @return the window field, unscaled */
    public int window() {
        return NetworkOrder.getU16(memory, offset + WINDOW);
    }

    /** @return the checksum field */
    public int checksum() {
        return NetworkOrder.getU16(memory, offset + CHECKSUM);
    }

    /** @return the urgent pointer */
    public int urgentPointer() {
        return NetworkOrder.getU16(memory, offset + URGENT);
    }

    /** @return the wrapped memory */
    public MemorySegment memory() {
        return memory;
    }

    /** @return where the header starts in the wrapped memory */
    public long offset() {
        return offset;
    }

    /** @return header and payload bytes */
    public int segmentLength() {
        return segmentLength;
    }

    /** @return where the options start */
    public long optionsOffset() {
        return offset + MIN_LENGTH;
    }

    /** @return option bytes (header length minus 20) */
    public int optionsLength() {
        return headerLength() - MIN_LENGTH;
    }

    /** @return where the payload starts */
    public long payloadOffset() {
        return offset + headerLength();
    }

    /** @return payload bytes */
    public int payloadLength() {
        return segmentLength - headerLength();
    }

    /** @return the sequence space the segment occupies: payload plus one each for SYN and FIN (RFC 9293 3.4) */
    public int sequenceLength() {
        int f = flags();
        return payloadLength() + (f & SYN) / SYN + (f & FIN);
    }

    /**
     * Writes every fixed field; the checksum is zeroed and the urgent pointer cleared.
     *
     * @param headerLength 20 plus option bytes, a multiple of four
     */
    public void write(int sourcePort, int destinationPort, int sequence, int acknowledgment,
                      int headerLength, int flags, int window) {
        // Three accesses, not nine (every access is bounds- and liveness-checked): ports and
        // sequence number, acknowledgment number to window, checksum and urgent pointer zero.
        NetworkOrder.putI64(memory, offset + SOURCE_PORT, ((sourcePort & 0xffffL) << 48)
                | ((destinationPort & 0xffffL) << 32) | (sequence & 0xffffffffL));
        NetworkOrder.putI64(memory, offset + ACKNOWLEDGMENT, ((long) acknowledgment << 32)
                | ((long) (((headerLength / 4) << 4) & 0xff) << 24) | ((flags & 0xffL) << 16) | (window & 0xffffL));
        NetworkOrder.putI32(memory, offset + CHECKSUM, 0);
    }

    /** Sets the source port. */
    public void sourcePort(int port) {
        NetworkOrder.putU16(memory, offset + SOURCE_PORT, port);
    }

    /** Sets the destination port. */
    public void destinationPort(int port) {
        NetworkOrder.putU16(memory, offset + DESTINATION_PORT, port);
    }

    /** Sets the sequence number. */
    public void sequence(int sequence) {
        NetworkOrder.putI32(memory, offset + SEQUENCE, sequence);
    }

    /** Sets the acknowledgment number. */
    public void acknowledgment(int acknowledgment) {
        NetworkOrder.putI32(memory, offset + ACKNOWLEDGMENT, acknowledgment);
    }

    /** Sets the header length in bytes (a multiple of four, 20..60). */
    public void headerLength(int headerLength) {
        NetworkOrder.putU8(memory, offset + DATA_OFFSET, (headerLength / 4) << 4);
    }

    /** Sets the flag bits. */
    public void flags(int flags) {
        NetworkOrder.putU8(memory, offset + FLAGS, flags);
    }

    /** Sets the window field. */
    public void window(int window) {
        NetworkOrder.putU16(memory, offset + WINDOW, window);
    }

    /** Sets the checksum field. */
    public void checksum(int checksum) {
        NetworkOrder.putU16(memory, offset + CHECKSUM, checksum);
    }

    /** Sets the urgent pointer. */
    public void urgentPointer(int urgentPointer) {
        NetworkOrder.putU16(memory, offset + URGENT, urgentPointer);
    }

    /** @return the checksum over the pseudo-header (RFC 9293 section 3.1) and the whole segment as it is now */
    public int computeChecksum(int srcIp, int dstIp) {
        long sum = Checksum.addPseudoHeader(0, srcIp, dstIp, IpProtocol.TCP, segmentLength);
        return Checksum.fold(Checksum.add(sum, memory, offset, segmentLength));
    }

    /** Computes and stores the checksum; the field is zeroed first. */
    public void writeChecksum(int srcIp, int dstIp) {
        checksum(0);
        checksum(computeChecksum(srcIp, dstIp));
    }

    /** @return whether the segment, checksum field included, sums to zero with its pseudo-header */
    public boolean verifyChecksum(int srcIp, int dstIp) {
        return computeChecksum(srcIp, dstIp) == 0;
    }
}
