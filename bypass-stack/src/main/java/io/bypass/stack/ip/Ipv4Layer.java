package io.bypass.stack.ip;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.StackCounters;
import io.bypass.stack.arp.ArpLayer;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCapabilities;
import io.bypass.stack.link.TransmitBurst;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.EtherType;
import io.bypass.stack.wire.EthernetHeader;
import io.bypass.stack.wire.IpProtocol;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.Ipv4Header;
import io.bypass.stack.wire.MacAddress;

/**
 * IPv4 for a host with one address on one link (RFC 791, RFC 1122 section 3).
 *
 * <p>Receive: validates the header, drops and counts what a host must not accept, and
 * hands the packet to the transport registered for its protocol with the frame's window
 * narrowed to the IP packet (Ethernet padding trimmed). Send: writes the header, picks
 * the next hop (the destination when on-link, else the gateway), resolves it with ARP
 * and queues the frame for transmission.
 *
 * <p>Fragments are reassembled ({@link FragmentReassembly}) and the datagram handed on
 * whole. Sending never fragments: every packet leaves with DF set (path MTU discovery,
 * RFC 1191), and a packet larger than the link MTU is dropped and counted; transports
 * size their packets by {@link #mtu(int)}, which follows ICMP fragmentation-needed
 * messages ({@link #fragmentationNeeded}) for a while.
 *
 * <p>Not supported (counted when met): sending fragments, IP options (skipped on receive,
 * never sent), forwarding, loopback to our own address.
 */
public final class Ipv4Layer implements IpSender {
    private static final int IP_OFFSET = EthernetHeader.LENGTH;
    private static final int LOOPBACK_NET = 127;
    /** RFC 1191 section 7: MTU plateaus, for routers that do not say the next-hop MTU. */
    private static final int[] MTU_PLATEAUS = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};

    private final StackConfig config;
    private final int ourIp;
    private final long ourMac;
    private final int subnetBroadcast;
    private final int gateway;
    private final int ttl;
    private final Link link;
    private final LinkCapabilities capabilities;
    private final ArpLayer arp;
    private final TransmitBurst tx;
    private final StackCounters counters;
    private final TransportProtocol[] transports = new TransportProtocol[256];
    private final Ipv4Header header = new Ipv4Header();
    private final EthernetHeader ethernet = new EthernetHeader();
    private final FragmentReassembly reassembly;
    private final PathMtuTable pathMtus;
    private final long pathMtuExpiryNs;
    private final int pathMtuMinimum;
    private final TimerWheel timers;
    private final Timer pathMtuTimer = new Timer(this::onPathMtuTimer);
    private int nextIdentification;

    /**
     * @param config   our address, prefix, gateway and TTL
     * @param link     where transmit frames come from, and its MTU
     * @param arp      resolves next hops
     * @param tx       the transmit burst, for broadcasts that need no resolution
     * @param timers   the stack's timer wheel (reassembly timeouts, path MTU expiry)
     * @param counters the stack's counters
     */
    public Ipv4Layer(StackConfig config, Link link, ArpLayer arp, TransmitBurst tx, TimerWheel timers,
                     StackCounters counters) {
        this.config = config;
        this.ourIp = config.ip();
        this.ourMac = config.mac();
        this.subnetBroadcast = config.subnetBroadcast();
        this.gateway = config.gateway();
        this.ttl = config.ttl();
        this.link = link;
        this.capabilities = link.capabilities();
        this.arp = arp;
        this.tx = tx;
        this.counters = counters;
        this.timers = timers;
        this.reassembly = new FragmentReassembly(config, timers, counters);
        this.pathMtus = new PathMtuTable(config.pathMtuCacheSize());
        this.pathMtuExpiryNs = config.pathMtuExpiryNs();
        this.pathMtuMinimum = config.pathMtuMinimum();
    }

    /**
     * Sets who sends ICMP errors about datagrams we received (reassembly timeouts); done
     * once while the stack is built.
     */
    public void errors(IcmpErrorSender errors) {
        reassembly.errors(errors);
    }

    /**
     * Registers the transport for an IP protocol number; done once while the stack is built.
     *
     * @param protocol  e.g. {@link IpProtocol#UDP}
     * @param transport who receives those packets and the ICMP errors about them
     */
    public void register(int protocol, TransportProtocol transport) {
        transports[protocol] = transport;
    }

    /** @return the transport registered for {@code protocol}, or null */
    public TransportProtocol transport(int protocol) {
        return transports[protocol & 0xff];
    }

    /**
     * Handles a received IPv4 packet. Takes ownership of the frame.
     *
     * @param frame     a frame whose window is the Ethernet payload
     * @param linkGroup whether it came to the Ethernet broadcast or a multicast group
     * @param nowNs     the caller's current time
     */
    public void receive(Frame frame, boolean linkGroup, long nowNs) {
        if (!header.wrap(frame.memory(), frame.offset(), frame.length())) {
            drop(frame, Counter.IP_RX_DROP_MALFORMED);
            return;
        }
        if (!capabilities.rxIpv4ChecksumVerified() && !header.checksumValid()) {
            drop(frame, Counter.IP_RX_DROP_BAD_CHECKSUM);
            return;
        }
        // The header in three accesses (see Ipv4Header#versionToFragment).
        long first = header.versionToFragment();
        long second = header.ttlToSource();
        int src = (int) second;
        int dst = header.destination();
        int protocol = (int) (second >>> 48) & 0xff;
        boolean toGroup = dst == Ipv4Address.BROADCAST || dst == subnetBroadcast || Ipv4Address.isMulticast(dst);
        if (dst != ourIp && !toGroup) {
            drop(frame, Counter.IP_RX_DROP_NOT_FOR_US);
            return;
        }
        // RFC 1122 section 3.3.6: a link-layer broadcast must carry an IP broadcast or multicast.
        // Only UDP and ICMP make sense to a group; TCP is unicast by nature.
        if ((linkGroup && !toGroup) || (toGroup && protocol == IpProtocol.TCP)) {
            drop(frame, Counter.IP_RX_DROP_NOT_FOR_US);
            return;
        }
        if (!validSource(src, dst, protocol)) {
            drop(frame, Counter.IP_RX_DROP_BAD_SOURCE);
            return;
        }
        TransportProtocol transport = transports[protocol];
        if (transport == null) {
            drop(frame, Counter.IP_RX_DROP_UNKNOWN_PROTOCOL);
            return;
        }
        if ((first & (Ipv4Header.FLAG_MF | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0) {
            Frame whole = reassembly.add(frame, header, nowNs);
            if (whole != null) {
                transport.receive(whole, FragmentReassembly.PAYLOAD_AT, whole.length() - Ipv4Header.MIN_LENGTH,
                        src, dst, nowNs);
            }
            return;
        }
        int headerLength = ((int) (first >>> 56) & 0xf) * 4;
        if (headerLength > Ipv4Header.MIN_LENGTH) {
            // RFC 1122 section 3.2.1.8: options we do not implement are ignored.
            counters.increment(Counter.IP_RX_OPTIONS_IGNORED);
        }
        int totalLength = (int) (first >>> 32) & 0xffff;
        // Trims Ethernet padding: the frame may be longer than the packet (RFC 894 minimum size).
        frame.window(frame.offset(), totalLength);
        transport.receive(frame, frame.offset() + headerLength, totalLength - headerLength, src, dst, nowNs);
    }

    /**
     * RFC 1122 section 3.2.1.3: a host discards datagrams whose source is a broadcast,
     * multicast or loopback address, and 0.0.0.0 except from a host still learning its
     * address (which broadcasts, over UDP, e.g. DHCP). Our own address coming from the
     * wire is a loop or a spoof.
     */
    private boolean validSource(int src, int dst, int protocol) {
        if (src == Ipv4Address.ANY) {
            return dst == Ipv4Address.BROADCAST && protocol == IpProtocol.UDP;
        }
        return src != Ipv4Address.BROADCAST && src != subnetBroadcast && !Ipv4Address.isMulticast(src)
                && (src >>> 24) != LOOPBACK_NET && src != ourIp;
    }

    private void drop(Frame frame, Counter reason) {
        counters.increment(reason);
        frame.release();
    }

    @Override
    public int transmitRoom() {
        return tx.room();
    }

    @Override
    public Frame allocate() {
        Frame frame = link.allocate();
        if (frame == null) {
            counters.increment(Counter.TX_DROP_NO_FRAME);
        }
        return frame;
    }

    @Override
    public void send(Frame frame, int dstIp, int protocol, int dscpEcn, int transportLength, long nowNs) {
        int totalLength = Ipv4Header.MIN_LENGTH + transportLength;
        if (totalLength > link.mtu()) {
            drop(frame, Counter.IP_TX_DROP_TOO_BIG);
            return;
        }
        long destinationMac = -1;
        int nextHop;
        if (dstIp == Ipv4Address.BROADCAST || dstIp == subnetBroadcast) {
            destinationMac = MacAddress.BROADCAST;
            nextHop = dstIp;
        } else if (Ipv4Address.isMulticast(dstIp)) {
            destinationMac = multicastMac(dstIp);
            nextHop = dstIp;
        } else if (dstIp == ourIp || dstIp == Ipv4Address.ANY || (dstIp >>> 24) == LOOPBACK_NET) {
            drop(frame, Counter.IP_TX_DROP_NO_ROUTE);
            return;
        } else if (config.onLink(dstIp)) {
            nextHop = dstIp;
        } else if (gateway != Ipv4Address.ANY) {
            nextHop = gateway;
        } else {
            drop(frame, Counter.IP_TX_DROP_NO_ROUTE);
            return;
        }
        frame.window(0, IP_OFFSET + totalLength);
        header.wrapUnchecked(frame.memory(), IP_OFFSET);
        // RFC 6864 section 4.1: the identification of an atomic (DF) datagram has no meaning,
        // so a plain counter serves.
        header.writeWithoutChecksum(totalLength, nextIdentification, true, ttl, protocol, ourIp, dstIp);
        if (dscpEcn != 0) {
            header.dscpEcn(dscpEcn);
        }
        if (!capabilities.txIpv4ChecksumOffload()) {
            header.updateChecksum();
        }
        nextIdentification = (nextIdentification + 1) & 0xffff;
        if (destinationMac != -1) {
            ethernet.wrapUnchecked(frame.memory(), 0, frame.length());
            ethernet.write(destinationMac, ourMac, EtherType.IPV4);
            tx.add(frame);
        } else {
            // ARP writes the whole Ethernet header once it knows the neighbour's MAC.
            arp.transmit(frame, nextHop, nowNs);
        }
    }

    /** RFC 1112 section 6.4: 01:00:5e followed by the low 23 bits of the group address. */
    private static long multicastMac(int group) {
        return 0x01005e000000L | (group & 0x7fffff);
    }

    @Override
    public LinkCapabilities linkCapabilities() {
        return capabilities;
    }

    @Override
    public int localIp() {
        return ourIp;
    }

    /** The link MTU, or the smaller path MTU learned for {@code dstIp} (RFC 1191) while it lasts. */
    @Override
    public int mtu(int dstIp) {
        int linkMtu = link.mtu();
        if (pathMtus.size() == 0) {
            return linkMtu;
        }
        int pathMtu = pathMtus.get(dstIp);
        return pathMtu == 0 ? linkMtu : Math.min(pathMtu, linkMtu);
    }

    /**
     * Learns from an ICMP fragmentation needed (RFC 1191 section 6.1) about a packet of ours
     * that the transport confirmed one of its sockets sent. The path MTU only goes down
     * here; it goes back up when the entry expires (section 6.3). A value below the
     * configured minimum (Linux min_pmtu: forged small MTUs would make every packet tiny) is
     * not believed.
     *
     * @param dstIp             the destination of the quoted packet
     * @param nextHopMtu        the message's next-hop MTU, or 0 from a router older than RFC 1191
     * @param quotedTotalLength the quoted packet's total length (for the plateau estimate, section 5)
     * @param nowNs             the caller's current time
     * @return whether the path MTU towards {@code dstIp} went down
     */
    public boolean fragmentationNeeded(int dstIp, int nextHopMtu, int quotedTotalLength, long nowNs) {
        int mtu = nextHopMtu != 0 ? nextHopMtu : plateauBelow(quotedTotalLength);
        if (mtu < pathMtuMinimum || mtu >= mtu(dstIp)) {
            counters.increment(Counter.IP_PMTU_IGNORED);
            return false;
        }
        long expiryNs = nowNs + pathMtuExpiryNs;
        pathMtus.put(dstIp, mtu, expiryNs);
        counters.increment(Counter.IP_PMTU_UPDATED);
        if (!pathMtuTimer.isScheduled() || expiryNs - pathMtuTimer.deadlineNs() < 0) {
            timers.schedule(pathMtuTimer, expiryNs);
        }
        return true;
    }

    /** RFC 1191 section 5: the largest plateau below the size of the packet that was too big. */
    private static int plateauBelow(int totalLength) {
        for (int plateau : MTU_PLATEAUS) {
            if (plateau < totalLength) {
                return plateau;
            }
        }
        return 0;
    }

    private void onPathMtuTimer(long nowNs) {
        counters.add(Counter.IP_PMTU_EXPIRED, pathMtus.expire(nowNs));
        long nextNs = pathMtus.earliestExpiryNs();
        if (nextNs != Long.MAX_VALUE) {
            timers.schedule(pathMtuTimer, nextNs);
        }
    }

    /** @return datagrams waiting for fragments now */
    public int reassembliesInProgress() {
        return reassembly.inProgress();
    }

    /** @return reassembly buffers taken (in reassembly, or reassembled and not yet released by a transport) */
    public int reassemblyBuffersInUse() {
        return reassembly.buffersInUse();
    }
}
