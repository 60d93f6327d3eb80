package io.bypass.stack.wire;

import java.lang.foreign.MemorySegment;

/**
 * ARP packet flyweight for Ethernet and IPv4 only (RFC 826).
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+---------------+---------------+
 * |  hardware type (1)            |  protocol type (0x0800)       |  0
 * +---------------+---------------+---------------+---------------+
 * | hlen (6)      | plen (4)      |  operation (1 request, 2 reply)|  4
 * +---------------+---------------+---------------+---------------+
 * |  sender hardware address (6 bytes)                            |  8
 * +                               +---------------+---------------+
 * |                               |  sender protocol address      | 12
 * +---------------+---------------+---------------+---------------+
 * |  sender protocol address (cont)| target hardware address       | 16
 * +---------------+---------------+                               +
 * |                        (6 bytes)                              | 20
 * +---------------+---------------+---------------+---------------+
 * |  target protocol address                                      | 24
 * +---------------+---------------+---------------+---------------+
 * </pre>
 */
public final class ArpPacket {
    /** Packet length for Ethernet/IPv4. */
    public static final int LENGTH = 28;
    /** Operation: request. */
    public static final int OP_REQUEST = 1;
    /** Operation: reply. */
    public static final int OP_REPLY = 2;
    private static final int HTYPE_ETHERNET = 1;

    private static final int HTYPE = 0;
    private static final int PTYPE = 2;
    private static final int HLEN = 4;
    private static final int PLEN = 5;
    private static final int OPERATION = 6;
    private static final int SENDER_MAC = 8;
    private static final int SENDER_IP = 14;
    private static final int TARGET_MAC = 18;
    private static final int TARGET_IP = 24;

    private MemorySegment memory;
    private long offset;

    /**
     * Views a received packet.
     *
     * @return whether it is a complete Ethernet/IPv4 request or reply
     */
    public boolean wrap(MemorySegment memory, long offset, int available) {
        if (available < LENGTH) {
            return false;
        }
        wrapUnchecked(memory, offset);
        int op = operation();
        return NetworkOrder.getU16(memory, offset + HTYPE) == HTYPE_ETHERNET
                && NetworkOrder.getU16(memory, offset + PTYPE) == EtherType.IPV4
                && NetworkOrder.getU8(memory, offset + HLEN) == 6
                && NetworkOrder.getU8(memory, offset + PLEN) == 4
                && (op == OP_REQUEST || op == OP_REPLY);
    }

    /** Views a packet being written; the caller guarantees {@link #LENGTH} bytes of room. */
    public void wrapUnchecked(MemorySegment memory, long offset) {
        this.memory = memory;
        this.offset = offset;
    }

    /** @return {@link #OP_REQUEST} or {@link #OP_REPLY} */
    public int operation() {
        return NetworkOrder.getU16(memory, offset + OPERATION);
    }

    /** @return the sender's MAC */
    public long senderMac() {
        return NetworkOrder.getU48(memory, offset + SENDER_MAC);
    }

    /** @return the sender's IPv4 address */
    public int senderIp() {
        return NetworkOrder.getI32(memory, offset + SENDER_IP);
    }

    /** @return the target's MAC (zero in a request) */
    public long targetMac() {
        return NetworkOrder.getU48(memory, offset + TARGET_MAC);
    }

    /** @return the target's IPv4 address */
    public int targetIp() {
        return NetworkOrder.getI32(memory, offset + TARGET_IP);
    }

    /** Writes a whole Ethernet/IPv4 ARP packet. */
    public void write(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        NetworkOrder.putU16(memory, offset + HTYPE, HTYPE_ETHERNET);
        NetworkOrder.putU16(memory, offset + PTYPE, EtherType.IPV4);
        NetworkOrder.putU8(memory, offset + HLEN, 6);
        NetworkOrder.putU8(memory, offset + PLEN, 4);
        NetworkOrder.putU16(memory, offset + OPERATION, operation);
        NetworkOrder.putU48(memory, offset + SENDER_MAC, senderMac);
        NetworkOrder.putI32(memory, offset + SENDER_IP, senderIp);
        NetworkOrder.putU48(memory, offset + TARGET_MAC, targetMac);
        NetworkOrder.putI32(memory, offset + TARGET_IP, targetIp);
    }
}
