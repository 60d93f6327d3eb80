package io.bypass.stack.udp;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.ByteBufferCopy;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.icmp.IcmpLayer;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.ip.TransportProtocol;
import io.bypass.stack.wire.Checksum;
import io.bypass.stack.wire.IpProtocol;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.Ipv4Header;
import io.bypass.stack.wire.UdpHeader;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * UDP (RFC 768, RFC 1122 section 4.1): binds sockets to ports, delivers datagrams to
 * them, answers datagrams to unbound ports with ICMP port unreachable.
 *
 * <p>The stack has one address, so a port is bound at most once (to that address or to
 * ANY) and sockets are found by port in a 65536-entry array: O(1), no hashing, no
 * allocation. A socket bound to our address does not receive broadcasts; one bound to
 * ANY does.
 *
 * <p>Received frames wait in their socket until read; all sockets together hold at most
 * {@link StackConfig#udpReceiveFramesTotal()} of them, so that unread datagrams cannot
 * take every frame the link has (beyond it, datagrams are dropped and counted).
 */
public final class UdpLayer implements TransportProtocol {
    /** RFC 6335 section 6: the dynamic port range. */
    private static final int EPHEMERAL_FIRST = 49152;
    private static final int EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;

    private final IpSender ip;
    private final IcmpLayer icmp;
    private final StackCounters counters;
    private final int queueLength;
    private final int maxHeldFrames;
    private int heldFrames;
    private final UdpSocket[] byPort = new UdpSocket[65536];
    private final UdpHeader udp = new UdpHeader();
    private final UdpHeader quote = new UdpHeader();
    /** The link vouches for received UDP checksums (offload, or frames that never left memory). */
    private final boolean rxChecksumVerified;
    /** The link completes sent UDP checksums from the pseudo-header sum we leave in the field. */
    private final boolean txChecksumOffload;
    private int nextEphemeral;
    private int socketCount;

    /**
     * @param config   the receive queue length
     * @param ip       where datagrams are sent
     * @param icmp     sends port unreachable
     * @param counters the stack's counters
     */
    public UdpLayer(StackConfig config, IpSender ip, IcmpLayer icmp, StackCounters counters) {
        this.ip = ip;
        this.icmp = icmp;
        this.counters = counters;
        this.queueLength = config.udpReceiveQueueLength();
        this.maxHeldFrames = config.udpReceiveFramesTotal();
        this.rxChecksumVerified = ip.linkCapabilities().rxL4ChecksumVerified();
        this.txChecksumOffload = ip.linkCapabilities().txL4ChecksumOffload();
    }

    /**
     * Binds a socket.
     *
     * @param localIp   our address or {@link Ipv4Address#ANY}
     * @param localPort 1..65535, or 0 for a free ephemeral port (49152..65535)
     * @return the socket
     * @throws IllegalArgumentException when the address is not ours or the port is out of range
     * @throws IllegalStateException    when the port is in use, or no ephemeral port is free
     */
    public UdpSocket bind(int localIp, int localPort) {
        if (localIp != Ipv4Address.ANY && localIp != ip.localIp()) {
            throw new IllegalArgumentException("cannot bind UDP to " + Ipv4Address.toString(localIp)
                    + ": not a local address (ours is " + Ipv4Address.toString(ip.localIp()) + ")");
        }
        if (localPort < 0 || localPort > 65535) {
            throw new IllegalArgumentException("UDP port out of range: " + localPort);
        }
        int port = localPort == 0 ? ephemeralPort() : localPort;
        if (byPort[port] != null) {
            throw new IllegalStateException("address in use: UDP port " + port + " is already bound");
        }
        UdpSocket socket = new UdpSocket(this, localIp, port, queueLength);
        byPort[port] = socket;
        socketCount++;
        return socket;
    }

    /** @return sockets bound now */
    public int socketCount() {
        return socketCount;
    }

    private int ephemeralPort() {
        for (int i = 0; i < EPHEMERAL_COUNT; i++) {
            int port = EPHEMERAL_FIRST + nextEphemeral;
            nextEphemeral = (nextEphemeral + 1) % EPHEMERAL_COUNT;
            if (byPort[port] == null) {
                return port;
            }
        }
        throw new IllegalStateException("no free ephemeral UDP port (" + EPHEMERAL_FIRST + "..65535 all bound)");
    }

    /** A socket released a received frame (read or closed). */
    void frameReleased() {
        heldFrames--;
    }

    /** @return received frames all sockets hold now, unread */
    public int heldFrames() {
        return heldFrames;
    }

    void unbind(UdpSocket socket) {
        if (byPort[socket.localPort()] == socket) {
            byPort[socket.localPort()] = null;
            socketCount--;
        }
    }

    int send(UdpSocket socket, ByteBuffer src, int dstIp, int dstPort, long nowNs) {
        if (dstPort < 1 || dstPort > 65535) {
            throw new IllegalArgumentException("UDP destination port out of range: " + dstPort);
        }
        if (dstIp == Ipv4Address.ANY) {
            throw new IllegalArgumentException("UDP destination 0.0.0.0 is not an address to send to");
        }
        int payloadLength = src.remaining();
        int udpLength = UdpHeader.LENGTH + payloadLength;
        int mtu = ip.mtu(dstIp);
        if (Ipv4Header.MIN_LENGTH + udpLength > mtu) {
            int maxPayload = mtu - Ipv4Header.MIN_LENGTH - UdpHeader.LENGTH;
            throw new DatagramTooLargeException("UDP datagram of " + payloadLength + " bytes is larger than the "
                    + maxPayload + " bytes one packet carries to " + Ipv4Address.toString(dstIp) + " (path MTU "
                    + mtu + "; the stack does not fragment)", maxPayload);
        }
        Frame frame = ip.allocate();
        if (frame == null) {
            return 0;
        }
        if (IpSender.TRANSPORT_OFFSET + udpLength > frame.capacity()) {
            frame.release();
            throw new IllegalArgumentException("UDP datagram of " + payloadLength + " bytes does not fit a "
                    + frame.capacity() + "-byte frame");
        }
        MemorySegment memory = frame.memory();
        ByteBufferCopy.fromBuffer(src, memory, IpSender.TRANSPORT_OFFSET + UdpHeader.LENGTH, payloadLength);
        udp.wrapUnchecked(memory, IpSender.TRANSPORT_OFFSET);
        udp.write(socket.localPort(), dstPort, udpLength);
        if (txChecksumOffload) {
            udp.checksum(Checksum.pseudoHeaderPartial(ip.localIp(), dstIp, IpProtocol.UDP, udpLength));
        } else {
            udp.updateChecksum(ip.localIp(), dstIp);
        }
        counters.increment(Counter.UDP_DATAGRAMS_OUT);
        ip.send(frame, dstIp, IpProtocol.UDP, udpLength, nowNs);
        return payloadLength;
    }

    @Override
    public void receive(Frame frame, int offset, int length, int srcIp, int dstIp, long nowNs) {
        if (!udp.wrap(frame.memory(), offset, length)) {
            drop(frame, Counter.UDP_RX_DROP_MALFORMED);
            return;
        }
        if (!rxChecksumVerified && !udp.checksumValid(srcIp, dstIp)) {
            drop(frame, Counter.UDP_RX_DROP_BAD_CHECKSUM);
            return;
        }
        UdpSocket socket = byPort[udp.destinationPort()];
        if (socket == null || (socket.localIp() != Ipv4Address.ANY && socket.localIp() != dstIp)) {
            counters.increment(Counter.UDP_RX_DROP_NO_PORT);
            // RFC 1122 section 4.1.3.1: SHOULD send port unreachable.
            icmp.portUnreachable(frame, nowNs);
            frame.release();
            return;
        }
        if (heldFrames == maxHeldFrames) {
            drop(frame, Counter.UDP_RX_DROP_MEMORY);
            return;
        }
        if (!socket.offer(frame, (int) udp.payloadOffset(), udp.payloadLength(), srcIp, udp.sourcePort())) {
            drop(frame, Counter.UDP_RX_DROP_QUEUE_FULL);
            return;
        }
        heldFrames++;
        counters.increment(Counter.UDP_DATAGRAMS_IN);
    }

    /** A quote names one of our sockets when its source port is bound (to our address or ANY). */
    @Override
    public boolean sentQuotedPacket(int originalSrcIp, int originalDstIp, MemorySegment memory,
                                    long transportOffset, int transportLength) {
        if (transportLength < UdpHeader.LENGTH) {
            return false;
        }
        quote.wrapUnchecked(memory, transportOffset);
        UdpSocket socket = byPort[quote.sourcePort()];
        return socket != null && (socket.localIp() == Ipv4Address.ANY || socket.localIp() == originalSrcIp);
    }

    /**
     * ICMP errors are not reported to UDP sockets yet (an unconnected DatagramChannel never
     * sees them; a connected one would raise PortUnreachableException: a later issue).
     */
    @Override
    public void onIcmpError(int type, int code, int nextHopMtu, int originalSrcIp, int originalDstIp,
                            MemorySegment memory, long transportOffset, int transportLength, long nowNs) {
    }

    private void drop(Frame frame, Counter reason) {
        counters.increment(reason);
        frame.release();
    }
}
