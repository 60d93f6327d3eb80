package io.bypass.stack.sim;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.link.Link;
import java.lang.foreign.Arena;
import java.util.PriorityQueue;

/**
 * One stack's attachment to a {@link SimulatedSegment}: a {@link Link} with its own
 * receive and transmit frame pools, like a NIC queue with its rings.
 */
public final class SimulatedPort implements Link {
    private final SimulatedSegment segment;
    private final FramePool receivePool;
    private final FramePool transmitPool;
    private final PriorityQueue<InFlight> arriving = new PriorityQueue<>();
    /** When this port's transmitter is next idle (serialization at the segment's rate). */
    private long transmitterFreeNs;

    SimulatedPort(SimulatedSegment segment, Arena arena, int frameCount, int frameCapacity) {
        this.segment = segment;
        this.receivePool = new FramePool(arena, frameCount, frameCapacity);
        this.transmitPool = new FramePool(arena, frameCount, frameCapacity);
    }

    @Override
    public int receive(Frame[] burst, int max) {
        long nowNs = segment.nowNs();
        int n = 0;
        while (n < max && !arriving.isEmpty() && arriving.peek().deliverNs - nowNs <= 0) {
            burst[n++] = arriving.poll().frame;
        }
        return n;
    }

    @Override
    public Frame allocate() {
        return transmitPool.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        for (int i = 0; i < count; i++) {
            segment.carry(this, burst[i]);
            burst[i].release();
            burst[i] = null;
        }
        return count;
    }

    @Override
    public int mtu() {
        return segment.faults().mtu();
    }

    /** @return the pool received frames come from (a leak check: frames held by the stack + in flight) */
    public FramePool receivePool() {
        return receivePool;
    }

    /** @return the pool transmit frames come from (a leak check: all free when the stack is idle) */
    public FramePool transmitPool() {
        return transmitPool;
    }

    long nextDeliveryNs() {
        return arriving.isEmpty() ? Long.MAX_VALUE : arriving.peek().deliverNs;
    }

    int inFlight() {
        return arriving.size();
    }

    Frame allocateReceive() {
        return receivePool.allocate();
    }

    void enqueue(Frame frame, long deliverNs, long sequence) {
        arriving.add(new InFlight(frame, deliverNs, sequence));
    }

    /**
     * Books the transmitter for {@code length} bytes.
     *
     * @return when the last bit leaves, or -1 if the queue limit drops the frame
     */
    long serialize(int length, long nowNs, LinkFaults faults) {
        if (faults.bitsPerSecond() == 0) {
            return nowNs;
        }
        long startNs = Math.max(nowNs, transmitterFreeNs);
        // In double: nanoseconds times bits per second overflows a long past ~1 s of backlog.
        long waitingBytes = (long) ((startNs - nowNs) * (double) faults.bitsPerSecond() / 8e9);
        if (faults.queueLimitBytes() > 0 && waitingBytes + length > faults.queueLimitBytes()) {
            return -1;
        }
        transmitterFreeNs = startNs + length * 8_000_000_000L / faults.bitsPerSecond();
        return transmitterFreeNs;
    }

    /** A frame on the wire towards this port; ties broken by send order for determinism. */
    private record InFlight(Frame frame, long deliverNs, long sequence) implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight other) {
            int byTime = Long.compare(deliverNs, other.deliverNs);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
