package io.bypass.stack.testkit;

import java.nio.ByteBuffer;

/**
 * Builds and reads packets as byte arrays, independently of the stack's flyweights (its
 * own checksum code), so that tests check the stack against a second implementation.
 */
public final class Packets {
    /** Our MAC in tests. */
    public static final long OUR_MAC = 0x02_00_00_00_00_01L;
    /** The peer's MAC. */
    public static final long PEER_MAC = 0x02_00_00_00_00_02L;
    /** The gateway's MAC. */
    public static final long GATEWAY_MAC = 0x02_00_00_00_00_fEL;
    /** Ethernet broadcast. */
    public static final long BROADCAST_MAC = 0xffff_ffff_ffffL;
    /** 10.0.0.1, ours, in 10.0.0.0/24. */
    public static final int OUR_IP = 0x0a000001;
    /** 10.0.0.2. */
    public static final int PEER_IP = 0x0a000002;
    /** 10.0.0.254. */
    public static final int GATEWAY_IP = 0x0a0000fe;
    /** 10.0.0.255. */
    public static final int SUBNET_BROADCAST = 0x0a0000ff;
    /** 192.0.2.7, off-link (TEST-NET-1). */
    public static final int REMOTE_IP = 0xc0000207;

    private Packets() {
    }

    /** @return an Ethernet II frame */
    public static byte[] ethernet(long dst, long src, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short) etherType);
        b.put(payload);
        return b.array();
    }

    /** @return a 28-byte Ethernet/IPv4 ARP packet */
    public static byte[] arp(int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
        return b.array();
    }

    /** @return an IPv4 packet without options, DF set, TTL 64, correct checksum */
    public static byte[] ipv4(int src, int dst, int protocol, byte[] payload) {
        return ipv4(src, dst, protocol, new byte[0], payload);
    }

    /** @return an IPv4 packet with {@code options} (a multiple of 4 bytes), correct checksum */
    public static byte[] ipv4(int src, int dst, int protocol, byte[] options, byte[] payload) {
        int headerLength = 20 + options.length;
        ByteBuffer b = ByteBuffer.allocate(headerLength + payload.length);
        b.put((byte) (0x40 | headerLength / 4)).put((byte) 0).putShort((short) (headerLength + payload.length));
        b.putShort((short) 0x1234).putShort((short) 0x4000);
        b.put((byte) 64).put((byte) protocol).putShort((short) 0);
        b.putInt(src).putInt(dst);
        b.put(options);
        b.put(payload);
        byte[] packet = b.array();
        setIpChecksum(packet, 0);
        return packet;
    }

    /**
     * @return one fragment of a datagram whose payload is {@code datagramPayload}: bytes
     *         [from, to) of it at offset {@code from}, MF set unless {@code to} is its end,
     *         identification {@code id}, correct checksum
     */
    public static byte[] fragment(int src, int dst, int protocol, int id, byte[] datagramPayload, int from, int to) {
        byte[] packet = ipv4(src, dst, protocol, java.util.Arrays.copyOfRange(datagramPayload, from, to));
        packet[4] = (byte) (id >>> 8);
        packet[5] = (byte) id;
        int word = (to < datagramPayload.length ? 0x2000 : 0) | (from / 8);
        packet[6] = (byte) (word >>> 8);
        packet[7] = (byte) word;
        setIpChecksum(packet, 0);
        return packet;
    }

    /** Recomputes the IPv4 header checksum of the packet at {@code offset}. */
    public static void setIpChecksum(byte[] packet, int offset) {
        int headerLength = (packet[offset] & 0xf) * 4;
        packet[offset + 10] = 0;
        packet[offset + 11] = 0;
        int sum = checksum(packet, offset, headerLength, 0);
        packet[offset + 10] = (byte) (sum >>> 8);
        packet[offset + 11] = (byte) sum;
    }

    /** @return a UDP datagram with a correct checksum */
    public static byte[] udp(int srcIp, int dstIp, int srcPort, int dstPort, byte[] data) {
        byte[] d = udpNoChecksum(srcPort, dstPort, data);
        int sum = checksum(d, 0, d.length, pseudoHeaderSum(srcIp, dstIp, 17, d.length));
        if (sum == 0) {
            sum = 0xffff;
        }
        d[6] = (byte) (sum >>> 8);
        d[7] = (byte) sum;
        return d;
    }

    /** @return a UDP datagram whose checksum field is 0 ("none", RFC 768) */
    public static byte[] udpNoChecksum(int srcPort, int dstPort, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + data.length)).putShort((short) 0);
        b.put(data);
        return b.array();
    }

    /** @return an ICMP echo request or reply with a correct checksum */
    public static byte[] icmpEcho(int type, int identifier, int sequence, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) identifier).putShort((short) sequence);
        b.put(data);
        byte[] m = b.array();
        setIcmpChecksum(m);
        return m;
    }

    /** @return an ICMP error (type, code, next-hop MTU) quoting {@code quote} */
    public static byte[] icmpError(int type, int code, int nextHopMtu, byte[] quote) {
        ByteBuffer b = ByteBuffer.allocate(8 + quote.length);
        b.put((byte) type).put((byte) code).putShort((short) 0).putShort((short) 0).putShort((short) nextHopMtu);
        b.put(quote);
        byte[] m = b.array();
        setIcmpChecksum(m);
        return m;
    }

    private static void setIcmpChecksum(byte[] m) {
        m[2] = 0;
        m[3] = 0;
        int sum = checksum(m, 0, m.length, 0);
        m[2] = (byte) (sum >>> 8);
        m[3] = (byte) sum;
    }

    /** @return a minimal TCP header (20 bytes, SYN) without a valid checksum */
    public static byte[] tcpSyn(int srcPort, int dstPort) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(1000).putInt(0);
        b.put((byte) 0x50).put((byte) 0x02).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        return b.array();
    }

    /** @return the IPv4 frame from the peer to us */
    public static byte[] ipFrameFromPeer(int protocol, byte[] payload) {
        return ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4(PEER_IP, OUR_IP, protocol, payload));
    }

    /** @return the UDP frame from the peer's port to our port */
    public static byte[] udpFrameFromPeer(int srcPort, int dstPort, byte[] data) {
        return ipFrameFromPeer(17, udp(PEER_IP, OUR_IP, srcPort, dstPort, data));
    }

    /** @return the one's complement checksum of a range, starting from a partial {@code sum} */
    public static int checksum(byte[] data, int offset, int length, long sum) {
        for (int i = 0; i < length; i += 2) {
            int hi = data[offset + i] & 0xff;
            int lo = i + 1 < length ? data[offset + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** @return the pseudo-header's partial sum */
    public static long pseudoHeaderSum(int srcIp, int dstIp, int protocol, int length) {
        return (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + protocol + length;
    }

    /** @return the 48-bit big-endian value at {@code offset} */
    public static long mac(byte[] b, int offset) {
        return ((long) u16(b, offset) << 32) | (i32(b, offset + 2) & 0xffffffffL);
    }

    /** @return the unsigned byte at {@code offset} */
    public static int u8(byte[] b, int offset) {
        return b[offset] & 0xff;
    }

    /** @return the unsigned 16-bit big-endian value at {@code offset} */
    public static int u16(byte[] b, int offset) {
        return ((b[offset] & 0xff) << 8) | (b[offset + 1] & 0xff);
    }

    /** @return the 32-bit big-endian value at {@code offset} */
    public static int i32(byte[] b, int offset) {
        return (u16(b, offset) << 16) | u16(b, offset + 2);
    }

    /** @return bytes {@code from} (inclusive) to {@code to} (exclusive) */
    public static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }
}
