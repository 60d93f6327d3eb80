package io.bypass.stack;

import io.bypass.stack.arp.ArpCache;
import io.bypass.stack.arp.ArpLayer;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.icmp.IcmpLayer;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.ip.Ipv4Layer;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.TransmitBurst;
import io.bypass.stack.tcp.TcpLayer;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.udp.UdpLayer;
import io.bypass.stack.wire.EtherType;
import io.bypass.stack.wire.EthernetHeader;
import io.bypass.stack.wire.IpProtocol;
import io.bypass.stack.wire.MacAddress;

/**
 * One TCP/IP stack on one link: the poll loop that takes a burst of received frames,
 * dispatches them through Ethernet, ARP, IPv4 and the transports, fires due timers and
 * flushes the transmit burst.
 *
 * <p>Sans-IO: the caller supplies the time to every call and polls again at
 * {@link #pollAtNs()} at the latest. Not thread-safe: the caller serialises all use (the
 * stack lock), including socket calls.
 */
public final class NetworkStack {
    /** Wheel slots: at a 1 ms tick the wheel spans about 4 s; longer timers wait their round. */
    private static final int TIMER_SLOTS = 4096;
    private static final int MAX_MULTICAST_GROUPS = 64;

    private final StackConfig config;
    private final Link link;
    private final StackCounters counters = new StackCounters();
    private final TimerWheel timers;
    private final TransmitBurst tx;
    private final ArpLayer arp;
    private final Ipv4Layer ip;
    private final IcmpLayer icmp;
    private final UdpLayer udp;
    private final TcpLayer tcp;
    private final Frame[] rxBurst;
    private final EthernetHeader ethernet = new EthernetHeader();
    private final long[] multicastGroups = new long[MAX_MULTICAST_GROUPS];
    private int multicastGroupCount;
    private long lastNowNs;

    /**
     * Builds the stack and announces our address with a gratuitous ARP (queued; it leaves
     * at the first {@link #poll} or {@link #flush}).
     *
     * @param config the settings
     * @param link   the link the stack owns from now on
     * @param nowNs  the caller's time now
     */
    public NetworkStack(StackConfig config, Link link, long nowNs) {
        this.config = config;
        this.link = link;
        this.lastNowNs = nowNs;
        this.timers = new TimerWheel(config.timerTickNs(), TIMER_SLOTS, nowNs);
        this.tx = new TransmitBurst(link, counters, config.txBurstSize());
        this.arp = new ArpLayer(config, link, tx, timers, counters);
        this.ip = new Ipv4Layer(config, link, arp, tx, timers, counters);
        this.icmp = new IcmpLayer(config, ip, counters, nowNs);
        ip.errors(icmp);
        this.udp = new UdpLayer(config, ip, icmp, counters);
        this.tcp = new TcpLayer(config.tcp(), ip, timers, counters);
        ip.register(IpProtocol.ICMP, icmp);
        ip.register(IpProtocol.UDP, udp);
        ip.register(IpProtocol.TCP, tcp);
        this.rxBurst = new Frame[config.rxBurstSize()];
        arp.announce();
    }

    /**
     * Does one round of work: receives up to a burst of frames and processes them, fires
     * the timers due at {@code nowNs}, and hands everything queued to the link.
     *
     * @param nowNs the caller's current time (never earlier than the last call's)
     * @return frames received plus timers fired (0: nothing happened)
     */
    public int poll(long nowNs) {
        lastNowNs = nowNs;
        int received = link.receive(rxBurst, rxBurst.length);
        for (int i = 0; i < received; i++) {
            Frame frame = rxBurst[i];
            rxBurst[i] = null;
            counters.increment(Counter.RX_FRAMES);
            counters.add(Counter.RX_BYTES, frame.length());
            dispatch(frame, nowNs);
        }
        int fired = timers.advance(nowNs);
        tcp.resumeHeldForLink(nowNs);
        tx.flush();
        return received + fired;
    }

    private void dispatch(Frame frame, long nowNs) {
        if (!ethernet.wrap(frame.memory(), frame.offset(), frame.length())) {
            drop(frame, Counter.ETH_RX_DROP_TRUNCATED);
            return;
        }
        long destination = ethernet.destination();
        boolean group = MacAddress.isMulticast(destination);
        if (group ? destination != MacAddress.BROADCAST && !joined(destination) : destination != config.mac()) {
            drop(frame, Counter.ETH_RX_DROP_NOT_FOR_US);
            return;
        }
        int etherType = ethernet.etherType();
        frame.window(frame.offset() + EthernetHeader.LENGTH, frame.length() - EthernetHeader.LENGTH);
        if (etherType == EtherType.IPV4) {
            ip.receive(frame, group, nowNs);
        } else if (etherType == EtherType.ARP) {
            arp.receive(frame, nowNs);
        } else {
            drop(frame, Counter.ETH_RX_DROP_UNKNOWN_TYPE);
        }
    }

    private void drop(Frame frame, Counter reason) {
        counters.increment(reason);
        frame.release();
    }

    private boolean joined(long mac) {
        for (int i = 0; i < multicastGroupCount; i++) {
            if (multicastGroups[i] == mac) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return when {@link #poll} must next run: the earliest timer deadline, a time not
     *         after the last poll's when frames wait to be transmitted, or
     *         {@link Long#MAX_VALUE} when nothing is pending (received frames wake the
     *         caller by other means)
     */
    public long pollAtNs() {
        if (tx.size() > 0) {
            return lastNowNs;
        }
        return timers.nextDeadlineNs();
    }

    /** @return whether frames wait to be handed to the link ({@link #flush}, or the next {@link #poll}) */
    public boolean transmitPending() {
        return tx.size() > 0;
    }

    /** Hands the frames queued for transmission to the link now. */
    public void flush() {
        tx.flush();
    }

    /**
     * Accepts frames to an Ethernet multicast group from now on (e.g. the MAC of an IP
     * multicast group, RFC 1112 section 6.4). Joining twice is harmless.
     *
     * @throws IllegalArgumentException when {@code mac} is not a multicast address or too many groups are joined
     */
    public void joinMulticast(long mac) {
        if (!MacAddress.isMulticast(mac) || (mac >>> 48) != 0 || mac == MacAddress.BROADCAST) {
            throw new IllegalArgumentException("not a multicast MAC address: " + MacAddress.toString(mac));
        }
        if (joined(mac)) {
            return;
        }
        if (multicastGroupCount == MAX_MULTICAST_GROUPS) {
            throw new IllegalArgumentException("at most " + MAX_MULTICAST_GROUPS + " multicast groups can be joined");
        }
        multicastGroups[multicastGroupCount++] = mac;
    }

    /** Stops accepting frames to a multicast group; leaving a group not joined does nothing. */
    public void leaveMulticast(long mac) {
        for (int i = 0; i < multicastGroupCount; i++) {
            if (multicastGroups[i] == mac) {
                multicastGroups[i] = multicastGroups[--multicastGroupCount];
                return;
            }
        }
    }

    /** @return the stack's counters */
    public StackCounters counters() {
        return counters;
    }

    /** @return the settings */
    public StackConfig config() {
        return config;
    }

    /** @return UDP: bind sockets here */
    public UdpLayer udp() {
        return udp;
    }

    /** @return TCP: listen and connect here */
    public TcpLayer tcp() {
        return tcp;
    }

    /** @return the IPv4 layer, as transports see it (sending, MTU) */
    public IpSender ip() {
        return ip;
    }

    /** @return the IPv4 layer itself: reassembly and path MTU state, for inspection */
    public Ipv4Layer ipv4() {
        return ip;
    }

    /** @return the ARP neighbour table, for inspection */
    public ArpCache arpCache() {
        return arp.cache();
    }
}
