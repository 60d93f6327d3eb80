package io.bypass.link.shm;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FrameOwner;

/**
 * The receive side's frames that lend ring slots' bytes to the stack instead of copying
 * them out: one {@link Frame} per slot of the incoming ring, made once, whose memory is the
 * slot itself. A received segment's payload then stays where the peer wrote it until the
 * application reads it (one copy per byte on this side, into the application's buffer, as
 * DESIGN.md wants), and the slot goes back to the peer when the stack releases the frame.
 *
 * <p>Held slots are marked in the ring ({@link SpscRing#hold}), so the producer steps over
 * them and a frame the application leaves unread blocks nothing. At most {@link #limit()}
 * are lent at once, so that the producer always finds at least half the ring to write in;
 * beyond that, and for short frames (not worth a 64 KiB slot each while unread), the link
 * copies into its pool as before.
 *
 * <p>Trust: a lent frame's bytes stay in memory the peer can write. A peer that broke the
 * protocol and wrote into a held slot could change a payload under the stack, as it could
 * send a different one; it cannot make this end read out of bounds (the length was checked
 * when the slot was lent, and the frame's memory is the slot's, bounds-checked by the JDK).
 *
 * <p>Used under the stack lock, like the link: lending and {@link #recycle} happen on the
 * thread that holds it.
 */
final class LentSlots implements FrameOwner {
    private final SpscRing in;
    private final Frame[] frames;
    private final int limit;
    private int lent;

    /**
     * @param in the incoming ring (this side is its consumer)
     */
    LentSlots(SpscRing in) {
        this.in = in;
        this.frames = new Frame[in.capacity()];
        for (int slot = 0; slot < frames.length; slot++) {
            frames[slot] = new Frame(in.slotData(slot), this, slot);
        }
        this.limit = limitFor(in.capacity());
    }

    /** @return whether another slot may be lent now */
    boolean canLend() {
        return lent < limit;
    }

    /**
     * Lends the {@code i}-th full slot after the ring's head as a frame of {@code length} bytes;
     * the caller frees the slot with {@link SpscRing#consume} afterwards, which publishes the hold.
     *
     * @return the frame, or null when the slot's frame is still lent (a peer that wrote into a
     *         slot it was told was held: the caller drops the slot as malformed)
     */
    Frame lend(int i, int length) {
        int slot = in.slotOf(i);
        Frame frame = frames[slot];
        if (frame.inUse()) {
            return null;
        }
        frame.acquire();
        frame.window(0, length);
        in.hold(slot);
        lent++;
        return frame;
    }

    /** The stack let a lent frame go: its slot goes back to the producer. */
    @Override
    public void recycle(Frame frame) {
        assert frames[frame.index()] == frame : "frame of another ring";
        in.unhold(frame.index());
        lent--;
    }

    /**
     * @param capacity slots of the ring
     * @return the most slots a consumer lends at once: half the ring (the producer counts on
     *         the other half, {@link TransmitSlots#room})
     */
    static int limitFor(int capacity) {
        return Math.max(1, capacity / 2);
    }

    /** @return the most slots lent at once */
    int limit() {
        return limit;
    }

    /** @return slots lent now (a leak check: 0 when the stack holds no received frame) */
    int lent() {
        return lent;
    }
}
