package io.bypass.stack.arp;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.TransmitBurst;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.ArpPacket;
import io.bypass.stack.wire.EtherType;
import io.bypass.stack.wire.EthernetHeader;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.MacAddress;

/**
 * ARP (RFC 826) for our one IPv4 address: answers requests for it, learns neighbours,
 * resolves next hops for outgoing packets (queueing them meanwhile), retries and gives up.
 *
 * <p>One timer serves every resolution in progress: it is due at the earliest retry
 * deadline, and on expiry scans the table (small, and only while something is being
 * resolved) for entries to retry or fail.
 */
public final class ArpLayer {
    private final long ourMac;
    private final int ourIp;
    private final long reachableTimeNs;
    private final long retryIntervalNs;
    private final int maxRequests;
    private final Link link;
    private final TransmitBurst tx;
    private final TimerWheel timers;
    private final StackCounters counters;
    private final ArpCache cache;
    private final Timer retryTimer = new Timer(this::onRetryTimer);
    private final ArpPacket arp = new ArpPacket();
    private final EthernetHeader ethernet = new EthernetHeader();

    /**
     * @param config   our addresses and the ARP timings and limits
     * @param link     where request and reply frames come from
     * @param tx       where finished frames go
     * @param timers   the stack's timer wheel
     * @param counters the stack's counters
     */
    public ArpLayer(StackConfig config, Link link, TransmitBurst tx, TimerWheel timers, StackCounters counters) {
        this.ourMac = config.mac();
        this.ourIp = config.ip();
        this.reachableTimeNs = config.arpReachableTimeNs();
        this.retryIntervalNs = config.arpRetryIntervalNs();
        this.maxRequests = config.arpMaxRequests();
        this.link = link;
        this.tx = tx;
        this.timers = timers;
        this.counters = counters;
        this.cache = new ArpCache(config.arpCacheSize(), config.arpQueuePerNeighbour(), config.arpQueueTotal());
    }

    /** @return the neighbour table, for inspection */
    public ArpCache cache() {
        return cache;
    }

    /**
     * Sends one gratuitous ARP: a request with sender and target both our address, so that
     * neighbours holding an old entry for it update it (RFC 5227 section 3 "announcement").
     */
    public void announce() {
        sendPacket(ArpPacket.OP_REQUEST, MacAddress.BROADCAST, MacAddress.ZERO, ourIp);
    }

    /**
     * Handles a received ARP packet and releases its frame.
     *
     * @param frame a frame whose window is the Ethernet payload
     * @param nowNs the caller's current time
     */
    public void receive(Frame frame, long nowNs) {
        if (!arp.wrap(frame.memory(), frame.offset(), frame.length())) {
            counters.increment(Counter.ARP_RX_DROP_MALFORMED);
            frame.release();
            return;
        }
        int operation = arp.operation();
        long senderMac = arp.senderMac();
        int senderIp = arp.senderIp();
        int targetIp = arp.targetIp();
        frame.release();
        if (senderMac == ourMac || senderIp == ourIp) {
            // Our own broadcast looped back, or someone claims our address (RFC 5227
            // conflict): learning from either would poison the table.
            counters.increment(Counter.ARP_RX_DROP_OWN);
            return;
        }
        // An ARP probe (sender 0.0.0.0, RFC 5227) or a nonsense sender teaches nothing.
        boolean learnable = senderIp != Ipv4Address.ANY && senderIp != Ipv4Address.BROADCAST
                && !Ipv4Address.isMulticast(senderIp) && senderMac != MacAddress.ZERO
                && !MacAddress.isMulticast(senderMac);
        // RFC 826 "Packet Reception": update an existing entry from any packet's sender...
        boolean merged = false;
        if (learnable) {
            int slot = cache.find(senderIp);
            if (slot >= 0) {
                learned(slot, senderMac, nowNs);
                merged = true;
            }
        }
        if (targetIp != ourIp) {
            counters.increment(Counter.ARP_RX_NOT_FOR_US);
            return;
        }
        counters.increment(Counter.ARP_RX_ACCEPTED);
        // ...and create one only when we are the target.
        if (learnable && !merged) {
            int slot = cache.insert(senderIp, ArpCache.REACHABLE);
            if (slot >= 0) {
                learned(slot, senderMac, nowNs);
            }
        }
        if (operation == ArpPacket.OP_REQUEST) {
            if (sendPacket(ArpPacket.OP_REPLY, senderMac, senderMac, senderIp)) {
                counters.increment(Counter.ARP_REPLIES_SENT);
            }
        }
    }

    /**
     * Sends an IPv4 packet to a neighbour, resolving its MAC first if need be. Takes
     * ownership of the frame: it goes to the transmit burst, waits in the neighbour's
     * queue, or is released and counted.
     *
     * @param frame     a frame whose window is the whole Ethernet frame, the IPv4 packet
     *                  written after the Ethernet header; the header itself is written here,
     *                  when the neighbour's MAC is known
     * @param nextHopIp the on-link neighbour (destination or gateway)
     * @param nowNs     the caller's current time
     */
    public void transmit(Frame frame, int nextHopIp, long nowNs) {
        int slot = cache.find(nextHopIp);
        if (slot < 0) {
            slot = cache.insert(nextHopIp, ArpCache.INCOMPLETE);
            if (slot < 0) {
                counters.increment(Counter.ARP_DROP_QUEUE_FULL);
                frame.release();
                return;
            }
            if (!cache.enqueue(slot, frame)) {
                // The total limit is reached; the resolution still starts for later packets.
                counters.increment(Counter.ARP_DROP_QUEUE_FULL);
                frame.release();
            }
            cache.requestsSent(slot, 1);
            cache.deadlineNs(slot, nowNs + retryIntervalNs);
            sendRequest(MacAddress.BROADCAST, nextHopIp);
            armRetryTimer(nowNs + retryIntervalNs);
            return;
        }
        switch (cache.state(slot)) {
            case ArpCache.INCOMPLETE -> {
                if (!cache.enqueue(slot, frame)) {
                    counters.increment(Counter.ARP_DROP_QUEUE_FULL);
                    frame.release();
                }
            }
            case ArpCache.REACHABLE -> {
                if (cache.deadlineNs(slot) - nowNs < 0) {
                    // Expired and used again: keep sending to the old MAC while a unicast
                    // request confirms it (RFC 1122 section 2.3.2.1, unicast poll).
                    cache.state(slot, ArpCache.STALE);
                    cache.requestsSent(slot, 1);
                    cache.deadlineNs(slot, nowNs + retryIntervalNs);
                    sendRequest(cache.mac(slot), nextHopIp);
                    armRetryTimer(nowNs + retryIntervalNs);
                }
                send(frame, cache.mac(slot));
            }
            default -> send(frame, cache.mac(slot));
        }
    }

    private void learned(int slot, long mac, long nowNs) {
        cache.state(slot, ArpCache.REACHABLE);
        cache.mac(slot, mac);
        cache.deadlineNs(slot, nowNs + reachableTimeNs);
        cache.requestsSent(slot, 0);
        for (Frame queued = cache.dequeue(slot); queued != null; queued = cache.dequeue(slot)) {
            send(queued, mac);
        }
    }

    private void send(Frame frame, long destinationMac) {
        ethernet.wrapUnchecked(frame.memory(), frame.offset(), frame.length());
        ethernet.write(destinationMac, ourMac, EtherType.IPV4);
        tx.add(frame);
    }

    private void onRetryTimer(long nowNs) {
        long nextNs = 0;
        boolean any = false;
        int slot = 0;
        while (slot < cache.capacity()) {
            int state = cache.state(slot);
            if (state != ArpCache.INCOMPLETE && state != ArpCache.STALE) {
                slot++;
                continue;
            }
            if (cache.deadlineNs(slot) - nowNs <= 0) {
                if (cache.requestsSent(slot) >= maxRequests) {
                    fail(slot);
                    // Removal may have moved another entry into this slot: look again.
                    continue;
                }
                cache.requestsSent(slot, cache.requestsSent(slot) + 1);
                cache.deadlineNs(slot, nowNs + retryIntervalNs);
                sendRequest(state == ArpCache.STALE ? cache.mac(slot) : MacAddress.BROADCAST, cache.ip(slot));
            }
            long deadlineNs = cache.deadlineNs(slot);
            if (!any || deadlineNs - nextNs < 0) {
                nextNs = deadlineNs;
                any = true;
            }
            slot++;
        }
        if (any) {
            timers.schedule(retryTimer, nextNs);
        }
    }

    private void fail(int slot) {
        counters.increment(Counter.ARP_RESOLUTION_FAILED);
        for (Frame queued = cache.dequeue(slot); queued != null; queued = cache.dequeue(slot)) {
            counters.increment(Counter.ARP_DROP_UNRESOLVED);
            queued.release();
        }
        cache.remove(slot);
    }

    private void armRetryTimer(long deadlineNs) {
        if (!retryTimer.isScheduled() || deadlineNs - retryTimer.deadlineNs() < 0) {
            timers.schedule(retryTimer, deadlineNs);
        }
    }

    private void sendRequest(long destinationMac, int targetIp) {
        sendPacket(ArpPacket.OP_REQUEST, destinationMac, MacAddress.ZERO, targetIp);
    }

    /** @return whether a frame was free to send it in */
    private boolean sendPacket(int operation, long destinationMac, long targetMac, int targetIp) {
        Frame frame = link.allocate();
        if (frame == null) {
            counters.increment(Counter.TX_DROP_NO_FRAME);
            return false;
        }
        frame.window(0, EthernetHeader.LENGTH + ArpPacket.LENGTH);
        ethernet.wrapUnchecked(frame.memory(), 0, frame.length());
        ethernet.write(destinationMac, ourMac, EtherType.ARP);
        arp.wrapUnchecked(frame.memory(), EthernetHeader.LENGTH);
        arp.write(operation, ourMac, ourIp, targetMac, targetIp);
        if (operation == ArpPacket.OP_REQUEST) {
            counters.increment(Counter.ARP_REQUESTS_SENT);
        }
        tx.add(frame);
        return true;
    }
}
