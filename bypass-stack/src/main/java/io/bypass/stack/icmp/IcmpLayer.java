package io.bypass.stack.icmp;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.ip.IcmpErrorSender;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.ip.Ipv4Layer;
import io.bypass.stack.ip.TransportProtocol;
import io.bypass.stack.wire.IcmpHeader;
import io.bypass.stack.wire.IpProtocol;
import io.bypass.stack.wire.Ipv4Header;
import java.lang.foreign.MemorySegment;

/**
 * ICMP for a host (RFC 792, RFC 1122 section 3.2.2): answers echo requests, sends port
 * unreachable for UDP datagrams nobody listens to and time exceeded when fragment
 * reassembly times out, passes destination-unreachable messages about packets we sent to
 * the transport that sent them, and lowers the path MTU on fragmentation needed (RFC 1191)
 * when that transport confirms one of its sockets sent the quoted packet.
 *
 * <p>Errors we send are rate-limited by a token bucket (RFC 1812 section 4.3.2.8, RFC
 * 1122 section 4.1.3.1) and never answer a broadcast or multicast datagram (RFC 1122
 * section 3.2.2). We send no other ICMP messages.
 */
public final class IcmpLayer implements TransportProtocol, IcmpErrorSender {
    /** Bytes of the offending datagram's payload quoted after its header (RFC 792). */
    private static final int QUOTED_PAYLOAD = 8;

    private final int ourIp;
    private final Ipv4Layer ip;
    private final StackCounters counters;
    private final RateLimiter errorLimiter;
    private final IcmpHeader icmp = new IcmpHeader();
    private final Ipv4Header quoted = new Ipv4Header();

    /**
     * @param config   our address and the error rate limit
     * @param ip       where messages are sent and which transports receive errors
     * @param counters the stack's counters
     * @param startNs  the caller's time now (the rate limiter's start)
     */
    public IcmpLayer(StackConfig config, Ipv4Layer ip, StackCounters counters, long startNs) {
        this.ourIp = config.ip();
        this.ip = ip;
        this.counters = counters;
        this.errorLimiter = new RateLimiter(config.icmpErrorsPerSecond(), config.icmpErrorBurst(), startNs);
    }

    @Override
    public void receive(Frame frame, int offset, int length, int srcIp, int dstIp, long nowNs) {
        MemorySegment memory = frame.memory();
        if (!icmp.wrap(memory, offset, length) || !icmp.checksumValid()) {
            counters.increment(Counter.ICMP_RX_DROP_MALFORMED);
        } else if (dstIp != ourIp) {
            // RFC 1122 section 3.2.2.6: echo to a broadcast may be discarded (smurf
            // amplification); errors are never addressed to a group.
            counters.increment(Counter.ICMP_RX_IGNORED);
        } else if (icmp.type() == IcmpHeader.TYPE_ECHO_REQUEST) {
            counters.increment(Counter.ICMP_ECHO_REQUESTS_RECEIVED);
            echoReply(memory, offset, length, srcIp, nowNs);
        } else if (icmp.type() == IcmpHeader.TYPE_DESTINATION_UNREACHABLE) {
            unreachable(memory, nowNs);
        } else {
            counters.increment(Counter.ICMP_RX_IGNORED);
        }
        frame.release();
    }

    /** ICMP errors about ICMP messages are not reported (RFC 1122 section 3.2.2); we send no requests. */
    @Override
    public void onIcmpError(int type, int code, int nextHopMtu, int originalSrcIp, int originalDstIp,
                            MemorySegment memory, long transportOffset, int transportLength, long nowNs) {
    }

    /**
     * Sends a port unreachable (type 3 code 3) about a received UDP datagram (RFC 1122
     * section 4.1.3.1), as {@link #sendError} does. The caller keeps the frame.
     *
     * @param received a frame whose window is the datagram's IP packet, as {@link Ipv4Layer} delivers it
     * @param nowNs    the caller's current time
     */
    public void portUnreachable(Frame received, long nowNs) {
        sendError(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, IcmpHeader.CODE_PORT_UNREACHABLE, received, nowNs);
    }

    /**
     * Sends an error quoting the offending datagram's IP header and first 8 payload bytes
     * (RFC 792, RFC 1122 section 3.2.2) - unless it was sent to a broadcast or multicast
     * address, or the rate limit says no, or no frame is free (counted). The caller keeps
     * the frame.
     */
    @Override
    public void sendError(int type, int code, Frame offending, long nowNs) {
        MemorySegment memory = offending.memory();
        quoted.wrapUnchecked(memory, offending.offset());
        // Ipv4Layer delivers a link-layer group frame only with a group IP destination
        // (RFC 1122 section 3.3.6), so checking the IP destination covers both rules.
        if (quoted.destination() != ourIp) {
            return;
        }
        if (!errorLimiter.tryAcquire(nowNs)) {
            counters.increment(Counter.ICMP_TX_RATE_LIMITED);
            return;
        }
        int quoteLength = Math.min(quoted.headerLength() + QUOTED_PAYLOAD, quoted.totalLength());
        int messageLength = IcmpHeader.LENGTH + quoteLength;
        int destination = quoted.source();
        Frame frame = ip.allocate();
        if (frame == null) {
            return;
        }
        MemorySegment out = frame.memory();
        icmp.wrapUnchecked(out, IpSender.TRANSPORT_OFFSET, messageLength);
        icmp.write(type, code);
        MemorySegment.copy(memory, offending.offset(), out, icmp.dataOffset(), quoteLength);
        icmp.updateChecksum();
        counters.increment(type == IcmpHeader.TYPE_TIME_EXCEEDED
                ? Counter.ICMP_TIME_EXCEEDED_SENT : Counter.ICMP_UNREACHABLE_SENT);
        ip.send(frame, destination, IpProtocol.ICMP, messageLength, nowNs);
    }

    /** RFC 792 "Echo or Echo Reply Message": the reply returns the request's identifier, sequence and data. */
    private void echoReply(MemorySegment memory, int offset, int length, int srcIp, long nowNs) {
        if (Ipv4Header.MIN_LENGTH + length > ip.mtu(srcIp)) {
            counters.increment(Counter.IP_TX_DROP_TOO_BIG);
            return;
        }
        Frame frame = ip.allocate();
        if (frame == null) {
            return;
        }
        if (IpSender.TRANSPORT_OFFSET + length > frame.capacity()) {
            counters.increment(Counter.IP_TX_DROP_TOO_BIG);
            frame.release();
            return;
        }
        MemorySegment out = frame.memory();
        MemorySegment.copy(memory, offset, out, IpSender.TRANSPORT_OFFSET, length);
        icmp.wrapUnchecked(out, IpSender.TRANSPORT_OFFSET, length);
        icmp.type(IcmpHeader.TYPE_ECHO_REPLY);
        icmp.updateChecksum();
        counters.increment(Counter.ICMP_ECHO_REPLIES_SENT);
        ip.send(frame, srcIp, IpProtocol.ICMP, length, nowNs);
    }

    /**
     * Hands a destination unreachable to the transport named in the quoted header (RFC 1122
     * section 4.2.3.9). Only messages about a packet we sent count: the quote must carry a
     * whole IPv4 header with our source and 8 bytes of transport header (RFC 5927 section
     * 4.1 advises this check against blind attacks).
     */
    private void unreachable(MemorySegment memory, long nowNs) {
        if (!quoted.wrapQuoted(memory, icmp.dataOffset(), icmp.dataLength())
                || icmp.dataLength() < quoted.headerLength() + QUOTED_PAYLOAD) {
            counters.increment(Counter.ICMP_RX_DROP_MALFORMED);
            return;
        }
        if (quoted.source() != ourIp) {
            counters.increment(Counter.ICMP_RX_IGNORED);
            return;
        }
        counters.increment(Counter.ICMP_UNREACHABLE_RECEIVED);
        TransportProtocol transport = ip.transport(quoted.protocol());
        if (transport != null) {
            int code = icmp.code();
            int nextHopMtu = code == IcmpHeader.CODE_FRAGMENTATION_NEEDED ? icmp.nextHopMtu() : 0;
            int quotedLength = icmp.dataLength() - quoted.headerLength();
            if (code == IcmpHeader.CODE_FRAGMENTATION_NEEDED) {
                // RFC 5927 section 4.1: only a quote naming one of our sockets may move the path MTU.
                if (transport.sentQuotedPacket(quoted.source(), quoted.destination(), memory, quoted.payloadOffset(),
                        quotedLength)) {
                    ip.fragmentationNeeded(quoted.destination(), nextHopMtu, quoted.totalLength(), nowNs);
                } else {
                    counters.increment(Counter.IP_PMTU_IGNORED);
                }
            }
            transport.onIcmpError(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, code, nextHopMtu, quoted.source(),
                    quoted.destination(), memory, quoted.payloadOffset(),
                    quotedLength, nowNs);
        }
    }
}
