package io.bypass.stack.sim;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.wire.EtherType;
import io.bypass.stack.wire.EthernetHeader;
import io.bypass.stack.wire.NetworkOrder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * A simulated Ethernet segment (a hub): every frame a port transmits is offered to every
 * other port, each copy independently lost, duplicated, delayed, reordered or corrupted as
 * {@link LinkFaults} says, from one seeded random source, on the {@link VirtualClock}.
 *
 * <p>A transmitted frame is copied into a receive frame of the destination port at once
 * (as a NIC DMAs into its ring) and held until its delivery time; the sender's frame is
 * released immediately. Same seed, same driver, same outcome.
 */
public final class SimulatedSegment {
    private final LinkFaults faults;
    private final VirtualClock clock;
    private final SplittableRandom random;
    private final Arena arena;
    private final List<SimulatedPort> ports = new ArrayList<>();
    private final SegmentStats stats = new SegmentStats();
    private long sequence;

    /**
     * @param faults what the segment does to frames
     * @param clock  simulated time
     * @param seed   the one source of randomness; print it with any failure
     * @param arena  owner of the ports' frame memory
     */
    public SimulatedSegment(LinkFaults faults, VirtualClock clock, long seed, Arena arena) {
        this.faults = faults;
        this.clock = clock;
        this.random = new SplittableRandom(seed);
        this.arena = arena;
    }

    /**
     * Attaches a new port, a {@link io.bypass.stack.link.Link} for one stack.
     *
     * @param frameCount frames in each of its receive and transmit pools
     * @return the port
     */
    public SimulatedPort attach(int frameCount) {
        int frameCapacity = Math.max(2048, faults.mtu() + EthernetHeader.LENGTH + 64);
        SimulatedPort port = new SimulatedPort(this, arena, frameCount, frameCapacity);
        ports.add(port);
        return port;
    }

    /** @return what the segment did so far */
    public SegmentStats stats() {
        return stats;
    }

    /** @return the faults in force */
    public LinkFaults faults() {
        return faults;
    }

    /** @return the earliest pending delivery time, or {@link Long#MAX_VALUE} if nothing is in flight */
    public long nextDeliveryNs() {
        long next = Long.MAX_VALUE;
        for (SimulatedPort port : ports) {
            next = Math.min(next, port.nextDeliveryNs());
        }
        return next;
    }

    /** @return frames in flight on the segment (held in receivers' pools) */
    public int inFlight() {
        int n = 0;
        for (SimulatedPort port : ports) {
            n += port.inFlight();
        }
        return n;
    }

    long nowNs() {
        return clock.nowNs();
    }

    /** Offers one transmitted frame to every other port; the caller releases it. */
    void carry(SimulatedPort from, Frame frame) {
        long nowNs = clock.nowNs();
        int length = frame.length();
        if (length - EthernetHeader.LENGTH > faults.mtu()) {
            stats.oversize++;
            return;
        }
        long departNs = from.serialize(length, nowNs, faults);
        if (departNs < 0) {
            stats.queueDrops++;
            return;
        }
        for (SimulatedPort to : ports) {
            if (to == from) {
                continue;
            }
            stats.offered++;
            if (chance(faults.lossRate())) {
                stats.lost++;
                continue;
            }
            int copies = chance(faults.duplicateRate()) ? 2 : 1;
            stats.duplicated += copies - 1;
            for (int c = 0; c < copies; c++) {
                deliverCopy(frame, to, departNs);
            }
        }
    }

    private void deliverCopy(Frame frame, SimulatedPort to, long departNs) {
        Frame copy = to.allocateReceive();
        if (copy == null) {
            stats.noBufferDrops++;
            return;
        }
        int length = frame.length();
        MemorySegment.copy(frame.memory(), frame.offset(), copy.memory(), 0, length);
        copy.window(0, length);
        if (chance(faults.corruptRate()) && isIpv4(copy)) {
            int bit = random.nextInt((length - EthernetHeader.LENGTH) * 8);
            long at = EthernetHeader.LENGTH + bit / 8;
            NetworkOrder.putU8(copy.memory(), at, NetworkOrder.getU8(copy.memory(), at) ^ (1 << (bit & 7)));
            stats.corrupted++;
        }
        long deliverNs = departNs + faults.delayNs();
        if (faults.jitterNs() > 0) {
            deliverNs += random.nextLong(faults.jitterNs() + 1);
        }
        if (faults.reorderDelayNs() > 0 && chance(faults.reorderRate())) {
            deliverNs += 1 + random.nextLong(faults.reorderDelayNs());
            stats.reordered++;
        }
        to.enqueue(copy, deliverNs, sequence++);
        stats.delivered++;
    }

    private static boolean isIpv4(Frame frame) {
        return frame.length() > EthernetHeader.LENGTH
                && NetworkOrder.getU16(frame.memory(), 12) == EtherType.IPV4;
    }

    private boolean chance(double probability) {
        return probability > 0 && random.nextDouble() < probability;
    }

    /** @return a {@link Random} derived from the segment's seed, for drivers that need one */
    public Random derivedRandom() {
        return new Random(random.nextLong());
    }
}
