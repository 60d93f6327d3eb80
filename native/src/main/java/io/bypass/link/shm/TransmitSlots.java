package io.bypass.link.shm;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FrameOwner;
import java.lang.foreign.MemorySegment;

/**
 * The transmit side's frames built in place: {@link ShmLink#allocate} hands out the next ring
 * slot itself as a frame (one {@link Frame} per slot of the outgoing ring, made once), the
 * stack writes its headers and payload there, and {@link ShmLink#transmit} only writes the
 * length word and publishes: one copy per byte fewer than building in a pool frame and
 * copying that into the slot.
 *
 * <p>Positions after the ring's tail are handed out in order and published in order. A frame
 * the stack keeps for later (a packet queued until ARP resolves its next hop) must not hold
 * back the frames after it: when a later position is ready, such a frame is <em>detached</em>:
 * its position is published as {@link SpscRing#SKIP}, its bytes stay where they are (no
 * position is given a slot whose frame is still out), and when it is transmitted at last it
 * is copied into a fresh position like a pool frame. A frame released unsent has its position
 * published as SKIP too. Slots the peer still holds ({@link SpscRing#held}) are stepped over
 * the same way.
 *
 * <p>Used under the stack lock, like the link.
 */
final class TransmitSlots implements FrameOwner {
    /** Position states, per slot, for the position of the current lap: not given out... */
    private static final byte EMPTY = 0;
    /** ...given out as a frame that has not come back yet... */
    private static final byte RESERVED = 1;
    /** ...holding a complete frame... */
    private static final byte READY = 2;
    /** ...or published as {@link SpscRing#SKIP}. */
    private static final byte SKIPPED = 3;

    private final SpscRing ring;
    private final Frame[] frames;
    private final byte[] positions;
    /** Per slot: its frame, still out with the stack, no longer owns the slot's position. */
    private final boolean[] detached;
    private final int limit;
    /** Positions after the tail given out (reserved, ready or skipped) and not yet published. */
    private int claimed;
    /** The length of the last frame put: the size {@link #prepareNext} expects next. */
    private int lastLength;
    /** Frames out with the stack (reserved or detached). */
    private int outstanding;
    /** Positions given out with a frame that has not come back yet (state RESERVED). */
    private int reserved;
    /** The most slots the peer lends out at once: free positions the producer may have to step over. */
    private final int mayBeHeld;

    /**
     * @param ring the outgoing ring (this side is its producer)
     */
    TransmitSlots(SpscRing ring) {
        this.ring = ring;
        this.frames = new Frame[ring.capacity()];
        this.positions = new byte[ring.capacity()];
        this.detached = new boolean[ring.capacity()];
        // A quarter of the ring at most: the rest stays for frames copied from the pool.
        this.limit = Math.max(1, ring.capacity() / 4);
        this.mayBeHeld = LentSlots.limitFor(ring.capacity());
        for (int slot = 0; slot < frames.length; slot++) {
            frames[slot] = new Frame(ring.slotData(slot), this, slot);
        }
    }

    /** @return the next slot as a frame to build in, or null (too many out, or the ring full) */
    Frame allocate() {
        if (outstanding >= limit) {
            return null;
        }
        int slot = claim();
        if (slot < 0) {
            return null;
        }
        positions[slot] = RESERVED;
        reserved++;
        outstanding++;
        Frame frame = frames[slot];
        frame.acquire();
        return frame;
    }

    /**
     * Takes a frame handed to {@link ShmLink#transmit}: a reserved slot frame gets its length
     * word, anything else (a pool frame, a detached slot frame) is copied into a new position.
     * The caller releases the frame afterwards and {@link #publish}es.
     *
     * @return false when the ring has no room for it
     */
    boolean put(Frame frame) {
        lastLength = frame.length();
        if (isSlotFrame(frame) && positions[frame.index()] == RESERVED && !detached[frame.index()]) {
            int slot = frame.index();
            if (frame.offset() != 0) {
                // Headroom left by the builder: the slot's bytes start at its data offset.
                MemorySegment.copy(frame.memory(), frame.offset(), frame.memory(), 0, frame.length());
            }
            ring.writeLength(slot, frame.length());
            positions[slot] = READY;
            reserved--;
            return true;
        }
        int slot = claim();
        if (slot < 0) {
            return false;
        }
        MemorySegment.copy(frame.memory(), frame.offset(), frames[slot].memory(), 0, frame.length());
        ring.writeLength(slot, frame.length());
        positions[slot] = READY;
        return true;
    }

    /**
     * Publishes the ready and skipped positions from the tail on, detaching a reserved one
     * when a ready one follows it (see the class comment); one release store.
     */
    void publish() {
        int lastDone = -1;
        for (int i = 0; i < claimed; i++) {
            byte p = positions[ring.slotAfterTail(i)];
            if (p == READY || p == SKIPPED) {
                lastDone = i;
            }
        }
        int n = lastDone + 1;
        for (int i = 0; i < n; i++) {
            int slot = ring.slotAfterTail(i);
            if (positions[slot] == RESERVED) {
                detached[slot] = true;
                reserved--;
                ring.skip(i);
            }
            positions[slot] = EMPTY;
        }
        if (n > 0) {
            ring.publish(n);
            claimed -= n;
        }
    }

    /**
     * Makes the slot the next frame is claimed in ready for writing while nothing waits on it
     * ({@link SpscRing#prepareWrite}); after a publish, and after the doorbell's fence, which
     * would otherwise wait for these stores too.
     */
    void prepareNext() {
        if (ring.freeSlots(claimed + 1) > claimed && !detached[ring.slotAfterTail(claimed)]) {
            ring.prepareWrite(claimed, lastLength);
        }
    }

    /** A slot frame came back: sent in place, copied elsewhere (detached), or released unsent. */
    @Override
    public void recycle(Frame frame) {
        int slot = frame.index();
        assert frames[slot] == frame : "frame of another ring";
        if (detached[slot]) {
            detached[slot] = false;
        } else if (positions[slot] == RESERVED) {
            // Released unsent: the position carries nothing.
            ring.writeLength(slot, SpscRing.SKIP);
            positions[slot] = SKIPPED;
            reserved--;
        }
        outstanding--;
    }

    /**
     * @return ring positions that frames not yet with the stack can surely have: the free
     *         ones after the tail, less those claimed, plus those reserved for frames the stack
     *         is building (it counts its own frames; {@link ShmLink#transmitRoom}), less as
     *         many as the peer may hold ({@link LentSlots#limitFor}), which {@link #claim}
     *         steps over. Reads the peer's head only when the cached one says there is no room.
     */
    int room() {
        int unusable = claimed - reserved + mayBeHeld;
        return ring.freeSlots(unusable + 1) - unusable;
    }

    /** @return slot frames out with the stack (a leak check: 0 when it holds none) */
    int outstanding() {
        return outstanding;
    }

    /**
     * Claims the next position after the tail whose slot may be written: not held by the peer,
     * not the place of a detached frame still out.
     *
     * @return its slot, or -1 when the ring is full
     */
    private int claim() {
        while (ring.freeSlots(claimed + 1) > claimed) {
            int i = claimed++;
            int slot = ring.slotAfterTail(i);
            if (detached[slot] || ring.held(i)) {
                ring.skip(i);
                positions[slot] = SKIPPED;
                continue;
            }
            return slot;
        }
        return -1;
    }

    private boolean isSlotFrame(Frame frame) {
        int slot = frame.index();
        return slot < frames.length && frames[slot] == frame;
    }
}
