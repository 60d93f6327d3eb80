package io.bypass.stack.ip;

import io.bypass.stack.buffer.Frame;
import java.lang.foreign.MemorySegment;

/** A transport as the IPv4 layer sees it: where it delivers packets and ICMP errors. */
public interface TransportProtocol {
    /**
     * Takes a packet that passed IPv4 validation and is addressed to us. Takes ownership of
     * {@code frame}: the transport keeps it (payload waiting to be read) or releases it.
     *
     * @param frame  the received frame
     * @param offset where the transport header starts in {@code frame.memory()}
     * @param length transport header and payload bytes (IP total length minus header; no padding)
     * @param srcIp  the sender
     * @param dstIp  our address it was sent to
     * @param nowNs  the caller's current time
     */
    void receive(Frame frame, int offset, int length, int srcIp, int dstIp, long nowNs);

    /**
     * An ICMP error (RFC 792, RFC 1122 section 4.2.3.9) about a packet we sent. The quoted
     * transport header is valid only during the call.
     *
     * @param type            ICMP type, e.g. 3 (destination unreachable)
     * @param code            ICMP code, e.g. 4 (fragmentation needed)
     * @param nextHopMtu      for fragmentation needed (RFC 1191), else 0
     * @param originalSrcIp   source of the quoted packet (ours)
     * @param originalDstIp   destination of the quoted packet (the peer)
     * @param memory          memory holding the quoted transport header
     * @param transportOffset where it starts
     * @param transportLength how many bytes of it were quoted (at least 8)
     * @param nowNs           the caller's current time
     */
    void onIcmpError(int type, int code, int nextHopMtu, int originalSrcIp, int originalDstIp,
                     MemorySegment memory, long transportOffset, int transportLength, long nowNs);

    /**
     * Whether one of this transport's sockets sent the packet quoted in an ICMP error
     * (RFC 5927 section 4.1: without this check anyone can forge errors). IPv4 acts on an
     * error beyond the transport - lowers the path MTU - only when this says yes. The
     * default says no: a transport that cannot tell keeps its errors to itself.
     *
     * @param originalSrcIp   source of the quoted packet (ours)
     * @param originalDstIp   destination of the quoted packet (the peer)
     * @param memory          memory holding the quoted transport header
     * @param transportOffset where it starts
     * @param transportLength how many bytes of it were quoted (at least 8)
     * @return whether a socket of ours matches the quote
     */
    default boolean sentQuotedPacket(int originalSrcIp, int originalDstIp, MemorySegment memory,
                                     long transportOffset, int transportLength) {
        return false;
    }
}
