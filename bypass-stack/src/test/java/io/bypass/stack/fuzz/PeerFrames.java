package io.bypass.stack.fuzz;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;

import io.bypass.stack.testkit.Packets;
import java.nio.ByteBuffer;

/**
 * Frames the fuzzed peer sends, built independently of the stack's flyweights: TCP
 * segments with options and a checksum that is right unless asked otherwise, and ICMP
 * errors quoting one of our own segments (RFC 792: the IP header and the first 8 bytes).
 */
final class PeerFrames {
    /** Ethernet, IPv4 and TCP headers without options in front of a segment's payload. */
    static final int TCP_FRAME_HEADERS = 14 + 20 + 20;

    private PeerFrames() {
    }

    /**
     * @param options     TCP options, padded here to a multiple of 4 bytes (at most 40 kept)
     * @param dataOffset  the data offset field to write, or -1 for the true one
     * @param badChecksum whether to send a checksum that is off by one
     * @return an Ethernet frame from the peer to us carrying the segment
     */
    static byte[] tcp(int srcPort, int dstPort, int seq, int ack, int flags, int window, byte[] options,
                      byte[] payload, int dataOffset, boolean badChecksum) {
        int optionsLength = Math.min(40, (options.length + 3) & ~3);
        int headerLength = 20 + optionsLength;
        ByteBuffer b = ByteBuffer.allocate(headerLength + payload.length);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(ack);
        int offsetWords = dataOffset >= 0 ? dataOffset & 0xf : headerLength / 4;
        b.put((byte) (offsetWords << 4)).put((byte) flags).putShort((short) window);
        b.putShort((short) 0).putShort((short) 0);
        b.put(options, 0, Math.min(options.length, optionsLength));
        b.position(headerLength);
        b.put(payload);
        byte[] segment = b.array();
        int sum = Packets.checksum(segment, 0, segment.length,
                Packets.pseudoHeaderSum(PEER_IP, OUR_IP, 6, segment.length));
        if (badChecksum) {
            sum ^= 1;
        }
        segment[16] = (byte) (sum >>> 8);
        segment[17] = (byte) sum;
        return Packets.ipFrameFromPeer(6, segment);
    }

    /** @return the options of a SYN as a peer like Linux sends them, each one if asked for */
    static byte[] synOptions(int mss, boolean windowScale, int shift, boolean sackPermitted, boolean timestamps,
                             int tsValue) {
        ByteBuffer b = ByteBuffer.allocate(40);
        b.put((byte) 2).put((byte) 4).putShort((short) mss);
        if (sackPermitted) {
            b.put((byte) 4).put((byte) 2);
        } else {
            b.put((byte) 1).put((byte) 1);
        }
        if (timestamps) {
            b.put((byte) 8).put((byte) 10).putInt(tsValue).putInt(0);
        }
        if (windowScale) {
            b.put((byte) 1).put((byte) 3).put((byte) 3).put((byte) shift);
        }
        byte[] options = new byte[b.position()];
        b.flip().get(options);
        return options;
    }

    /**
     * @return an ICMP error from the gateway-free peer about a TCP or UDP packet we sent:
     *         our IPv4 header (no options) and the first 8 bytes of its transport header
     */
    static byte[] icmpErrorAbout(int type, int code, int nextHopMtu, int protocol, int ourPort, int peerPort,
                                 int seqOrLength) {
        ByteBuffer quote = ByteBuffer.allocate(8);
        quote.putShort((short) ourPort).putShort((short) peerPort).putInt(seqOrLength);
        byte[] quoted = Packets.ipv4(OUR_IP, PEER_IP, protocol, quote.array());
        return Packets.ipFrameFromPeer(1, Packets.icmpError(type, code, nextHopMtu, quoted));
    }

    /** @return an ARP packet from the peer's MAC with the given fields */
    static byte[] arp(int operation, int senderIp, long targetMac, int targetIp, boolean broadcast) {
        return Packets.ethernet(broadcast ? Packets.BROADCAST_MAC : OUR_MAC, PEER_MAC, 0x0806,
                Packets.arp(operation, PEER_MAC, senderIp, targetMac, targetIp));
    }
}
