package io.bypass.stack.ip;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.LinkCapabilities;

/**
 * What a transport (TCP, UDP, ICMP) uses to send: a frame to write its header and payload
 * into at {@link #TRANSPORT_OFFSET}, and a call that completes the IPv4 and Ethernet
 * headers, resolves the next hop and queues the frame in the stack's transmit burst.
 */
public interface IpSender {
    /** Where the transport header starts in a frame from {@link #allocate()}: Ethernet + IPv4 (no options). */
    int TRANSPORT_OFFSET = 14 + 20;

    /**
     * @return a frame to build a packet in, or {@code null} when none is free (counted as
     *         {@link io.bypass.stack.Counter#TX_DROP_NO_FRAME}); the caller treats that as a loss
     */
    Frame allocate();

    /**
     * @return how many more frames the link's transmit queue takes now, after those the stack
     *         has queued for it ({@link io.bypass.stack.link.TransmitBurst#room});
     *         {@link Integer#MAX_VALUE} by default
     */
    default int transmitRoom() {
        return Integer.MAX_VALUE;
    }

    /**
     * Completes and queues a packet. Takes ownership of {@code frame} whatever happens
     * (no route, ARP pending or failed: the frame is queued or released and counted).
     *
     * @param frame           a frame from {@link #allocate()} with the transport header and
     *                        payload written from {@link #TRANSPORT_OFFSET}
     * @param dstIp           destination address
     * @param protocol        IP protocol number, e.g. {@link io.bypass.stack.wire.IpProtocol#TCP}
     * @param transportLength bytes of transport header and payload
     * @param nowNs           the caller's current time (ARP timers)
     */
    default void send(Frame frame, int dstIp, int protocol, int transportLength, long nowNs) {
        send(frame, dstIp, protocol, 0, transportLength, nowNs);
    }

    /**
     * Completes and queues a packet whose IPv4 header carries {@code dscpEcn} in its DSCP and
     * ECN byte (the former type of service, RFC 2474 and RFC 3168; what IP_TOS sets). Takes
     * ownership of {@code frame} as {@link #send(Frame, int, int, int, long)} does.
     *
     * @param dscpEcn         the DSCP (high six bits) and ECN (low two bits) byte, 0..255
     * @param transportLength bytes of transport header and payload
     */
    void send(Frame frame, int dstIp, int protocol, int dscpEcn, int transportLength, long nowNs);

    /** @return our IPv4 address, the source of everything we send */
    int localIp();

    /** @return the largest IP packet we may send towards {@code dstIp} (the link MTU, or a smaller path MTU) */
    int mtu(int dstIp);

    /**
     * What the link under IPv4 offloads: transports skip verifying or computing their
     * checksums accordingly. Fixed for the sender's life, so transports read it once.
     *
     * @return by default nothing offloaded (a sender that is not on a link, e.g. in tests)
     */
    default LinkCapabilities linkCapabilities() {
        return LinkCapabilities.none(mtu(0));
    }
}
