package io.bypass.link.fault;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCapabilities;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkCounters;
import io.bypass.stack.link.LinkStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * A {@link Link} decorator that loses, reorders and duplicates frames on our side of any
 * link, in both directions, from a seed: the same seed and the same frames give the same
 * faults. Count-based, no clock: a frame picked for reordering is held back and delivered
 * after the frames of the next burst in the same direction.
 *
 * <p>Each frame draws one number: below {@code lossRate} it is released (lost); below
 * {@code lossRate + reorderRate} it is held back (one frame at a time per direction);
 * below {@code lossRate + reorderRate + duplicateRate} it is passed on followed by a copy.
 * Received copies come from the decorator's own pool; sent copies from the inner link's.
 * Frames are never altered, so the inner link's checksum promises still hold and are
 * passed on.
 */
public final class FaultyLink implements Link {
    /** Copies of received frames in flight at once; more duplicates than this are skipped. */
    private static final int COPY_FRAMES = 64;

    private final Link inner;
    private final SplittableRandom random;
    private final double lossLimit;
    private final double reorderLimit;
    private final double duplicateLimit;
    private final FramePool copies;
    private Frame[] scratch = new Frame[0];
    private Frame heldReceive;
    private Frame heldTransmit;
    private final LinkCounters faults = new LinkCounters();
    /** The inner link's counters with this decorator's faults added: one view, made once. */
    private final LinkStats stats;

    /**
     * @param inner         the link to decorate
     * @param arena         owner of the memory for copies of received frames
     * @param seed          seed of the fault sequence
     * @param lossRate      share of frames lost, 0 to 1
     * @param reorderRate   share of frames delivered after later ones
     * @param duplicateRate share of frames delivered twice
     */
    public FaultyLink(Link inner, Arena arena, long seed, double lossRate, double reorderRate, double duplicateRate) {
        if (lossRate < 0 || reorderRate < 0 || duplicateRate < 0 || lossRate + reorderRate + duplicateRate > 1) {
            throw new IllegalArgumentException("rates " + lossRate + ", " + reorderRate + ", " + duplicateRate);
        }
        this.inner = inner;
        this.random = new SplittableRandom(seed);
        this.lossLimit = lossRate;
        this.reorderLimit = lossRate + reorderRate;
        this.duplicateLimit = lossRate + reorderRate + duplicateRate;
        this.copies = new FramePool(arena, COPY_FRAMES, inner.mtu() + 14);
        LinkStats innerStats = inner.stats();
        this.stats = counter -> innerStats.get(counter) + faults.get(counter);
    }

    @Override
    public int receive(Frame[] burst, int max) {
        Frame late = heldReceive;
        heldReceive = null;
        int room = late == null ? max : max - 1;
        Frame[] in = scratch(room);
        int got = room > 0 ? inner.receive(in, room) : 0;
        int n = 0;
        for (int i = 0; i < got; i++) {
            Frame frame = in[i];
            in[i] = null;
            double draw = random.nextDouble();
            if (draw < lossLimit) {
                faults.increment(LinkCounter.FAULT_LOST);
                frame.release();
            } else if (draw < reorderLimit && heldReceive == null) {
                faults.increment(LinkCounter.FAULT_REORDERED);
                heldReceive = frame;
            } else {
                burst[n++] = frame;
                if (draw < duplicateLimit && n + (got - 1 - i) < room) { // the frames still to come need their slots
                    Frame copy = copy(frame, copies.allocate());
                    if (copy != null) {
                        faults.increment(LinkCounter.FAULT_DUPLICATED);
                        burst[n++] = copy;
                    }
                }
            }
        }
        if (late != null) {
            burst[n++] = late;
        }
        return n;
    }

    @Override
    public Frame allocate() {
        return inner.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        Frame late = heldTransmit;
        heldTransmit = null;
        Frame[] out = scratch(2 * count + 1);
        int n = 0;
        for (int i = 0; i < count; i++) {
            Frame frame = burst[i];
            double draw = random.nextDouble();
            if (draw < lossLimit) {
                faults.increment(LinkCounter.FAULT_LOST);
                frame.release();
            } else if (draw < reorderLimit && heldTransmit == null) {
                faults.increment(LinkCounter.FAULT_REORDERED);
                heldTransmit = frame;
            } else {
                out[n++] = frame;
                if (draw < duplicateLimit) {
                    Frame copy = copy(frame, inner.allocate());
                    if (copy != null) {
                        faults.increment(LinkCounter.FAULT_DUPLICATED);
                        out[n++] = copy;
                    }
                }
            }
        }
        if (late != null) {
            out[n++] = late;
        }
        int queued = n == 0 ? 0 : inner.transmit(out, n);
        for (int i = 0; i < n; i++) {
            out[i] = null;
        }
        // Lost and held frames count as sent: the fault is on the wire, not a full queue.
        return queued == n ? count : Math.min(queued, count);
    }

    private Frame[] scratch(int size) {
        if (scratch.length < size) {
            scratch = new Frame[Math.max(size, 2 * scratch.length)]; // grows to the burst size once
        }
        return scratch;
    }

    private static Frame copy(Frame from, Frame to) {
        if (to == null) {
            return null;
        }
        int length = from.length();
        MemorySegment.copy(from.memory(), from.offset(), to.memory(), 0, length);
        to.window(0, length);
        return to;
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public LinkCapabilities capabilities() {
        return inner.capabilities();
    }

    /** The inner link's: the faults are on the wire, the queue is the device's. */
    @Override
    public int transmitRoom() {
        return inner.transmitRoom();
    }

    /**
     * Releases the frames held back for reordering; call after the last poll.
     *
     * @return how many it released (0 to 2)
     */
    public int releaseHeld() {
        int released = 0;
        if (heldReceive != null) {
            released++;
            heldReceive.release();
            heldReceive = null;
        }
        if (heldTransmit != null) {
            released++;
            heldTransmit.release();
            heldTransmit = null;
        }
        return released;
    }

    /**
     * The inner link's counters plus this decorator's {@link LinkCounter#FAULT_LOST},
     * {@link LinkCounter#FAULT_REORDERED} and {@link LinkCounter#FAULT_DUPLICATED}, both directions.
     */
    @Override
    public LinkStats stats() {
        return stats;
    }

    /** Releases the frames held back for reordering, then closes the inner link. */
    @Override
    public void close() {
        releaseHeld();
        inner.close();
    }

    /** @return copies of received frames held by the stack (a leak check) */
    public int copiesInUse() {
        return copies.inUse();
    }
}
