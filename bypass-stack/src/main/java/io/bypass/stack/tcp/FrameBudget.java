package io.bypass.stack.tcp;

/**
 * Received frames all connections of a layer together may hold: out of order, in their
 * {@link Reassembly} queues ({@link TcpConfig#reassemblyFramesTotal()}), and for all unread
 * data ({@link TcpConfig#receiveFramesTotal()}, see {@link ReceiveQueue}).
 *
 * <p>Why a layer-wide count: every received frame comes from the link's one receive pool.
 * Were reassembly queues allowed to fill it, the segment that fills their holes could not
 * be received at all, and the connections would stall for good (a SACK sender retransmits
 * the hole, which then finds no frame). Kept well below the pool (a quarter by default),
 * the in-sequence segment always finds a frame. Out-of-order segments over the budget are
 * dropped, not copied elsewhere: copying needs memory outside the pool, which is either a
 * per-connection allocation (heap or off-heap, against the idle-connection bound) or
 * another frame of the same pool (no gain). A dropped out-of-order segment was never
 * SACKed, so the sender just sends it again (RFC 2018 section 8 is not reneging).
 */
final class FrameBudget {
    private final int max;
    private int held;

    /** @param max frames held at most */
    FrameBudget(int max) {
        this.max = max;
    }

    /** @return whether a frame may be held (and it is now counted) */
    boolean take() {
        if (held >= max) {
            return false;
        }
        held++;
        return true;
    }

    /**
     * Counts a frame held over the budget: the one frame an empty receive queue may always
     * take ({@link ReceiveQueue}), so the overrun is at most one frame per connection.
     */
    void force() {
        held++;
    }

    /** One held frame was passed on or released. */
    void give() {
        held--;
    }

    /** @return frames that may still be held */
    int free() {
        return Math.max(max - held, 0);
    }

    /** @return frames held now */
    int held() {
        return held;
    }
}
