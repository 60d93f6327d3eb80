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
 *
 * <p>The receive budget is also shared out ({@link #share}): a window promises frames before
 * they are taken, so connections that each offered against the whole free count promised
 * together several times the budget, and once their senders kept the windows full the
 * budget ran out under in-order data (eight bulk readers over the shm link dropped 39-100
 * segments a run as {@code TCP_RX_DROP_MEMORY}, and their senders sat out retransmission
 * timeouts). Linux narrows every socket's window under {@code tcp_mem} pressure for the
 * same reason.
 */
final class FrameBudget {
    private final int max;
    private int held;
    /** Connections holding at least one frame of this budget. */
    private int holders;

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

    /** A connection began ({@code true}) or ceased to hold frames of this budget. */
    void holding(boolean holds) {
        holders += holds ? 1 : -1;
    }

    /**
     * The free frames one connection may promise in its window: an even share among the
     * connections holding frames, counting the one asking, rounded up so that a free frame
     * is always someone's. With every holder offering its share, the windows together
     * promise about what is free; an idle connection holds nothing and takes no share.
     *
     * @param holds whether the asking connection holds frames (it is then one of the holders)
     * @return frames the connection may take beyond those it holds
     */
    int share(boolean holds) {
        int sharers = holders + (holds ? 0 : 1);
        return (free() + sharers - 1) / sharers;
    }

    /** @return connections holding frames of this budget now (0 whenever no frame is held) */
    int holders() {
        return holders;
    }

    /** @return frames held now */
    int held() {
        return held;
    }
}
