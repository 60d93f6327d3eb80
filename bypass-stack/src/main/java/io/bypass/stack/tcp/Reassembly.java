package io.bypass.stack.tcp;

import io.bypass.stack.buffer.Frame;

/**
 * Out-of-order segments held until the gap before them fills (RFC 9293 section 3.10.7.4,
 * "segments with higher beginning sequence numbers may be held for later processing").
 * Entries are sorted by sequence number and may overlap; overlaps and duplicates are
 * trimmed when the entries are {@link #drain drained} into the {@link ReceiveQueue}.
 * At most {@code limit} entries are held (the arrays are allocated once, on first use),
 * and every frame held is counted against the layer's two {@link FrameBudget}s: the
 * out-of-order one and the receive one (all unread data, see {@link ReceiveQueue}); when a
 * drained frame moves to the {@link ReceiveQueue} its receive count moves with it.
 */
final class Reassembly {
    /** {@link #insert} kept the segment. */
    static final int INSERTED = 0;
    /** {@link #insert} found it already held and released it. */
    static final int DUPLICATE = 1;
    /** {@link #insert} had no room and released it. */
    static final int FULL = 2;
    /** {@link #insert} found the connection's or the layer's receive frames used up and released it. */
    static final int NO_MEMORY = 3;

    private final int limit;
    private final FrameBudget budget;
    private final FrameBudget receiveBudget;
    private Frame[] frames;
    private int[] seqs;
    private int[] offsets;
    private int[] lengths;
    private boolean[] fins;
    private int count;
    private int framesHeld;
    private boolean finReached;

    /**
     * @param limit  most segments held
     * @param budget        frames all connections' out-of-order queues may hold together
     * @param receiveBudget frames all connections may hold for unread data, in order or not
     */
    Reassembly(int limit, FrameBudget budget, FrameBudget receiveBudget) {
        this.limit = limit;
        this.budget = budget;
        this.receiveBudget = receiveBudget;
    }

    /** @return frames held (a FIN without data holds none) */
    int frames() {
        return framesHeld;
    }

    /** @return how many segments are held */
    int count() {
        return count;
    }

    /** @return the first sequence number of held entry {@code i} (entries sorted by it) */
    int seqAt(int i) {
        return seqs[i];
    }

    /** @return the sequence number after the data of held entry {@code i} */
    int endAt(int i) {
        return seqs[i] + lengths[i];
    }

    /**
     * Holds a segment; takes ownership of {@code frame} (null for a FIN without data).
     *
     * @param mayHoldMore whether the connection is below its share of receive frames
     * @return {@link #INSERTED}, {@link #DUPLICATE}, {@link #FULL} (this queue's limit or
     *         the layer's out-of-order budget reached) or {@link #NO_MEMORY}
     */
    int insert(Frame frame, int seq, int offset, int length, boolean fin, boolean mayHoldMore) {
        int end = seq + length;
        for (int i = 0; i < count; i++) {
            if (SeqNum.le(seqs[i], seq) && SeqNum.ge(seqs[i] + lengths[i], end) && (fins[i] || !fin)) {
                release(frame);
                return DUPLICATE;
            }
        }
        if (count == limit || length > 0 && !budget.take()) {
            release(frame);
            return FULL;
        }
        if (length > 0 && (!mayHoldMore || !receiveBudget.take())) {
            budget.give();
            release(frame);
            return NO_MEMORY;
        }
        if (frames == null) {
            frames = new Frame[limit];
            seqs = new int[limit];
            offsets = new int[limit];
            lengths = new int[limit];
            fins = new boolean[limit];
        }
        int at = count;
        while (at > 0 && SeqNum.gt(seqs[at - 1], seq)) {
            frames[at] = frames[at - 1];
            seqs[at] = seqs[at - 1];
            offsets[at] = offsets[at - 1];
            lengths[at] = lengths[at - 1];
            fins[at] = fins[at - 1];
            at--;
        }
        if (length == 0) {
            release(frame);
            frame = null;
        } else {
            framesHeld++;
        }
        frames[at] = frame;
        seqs[at] = seq;
        offsets[at] = offset;
        lengths[at] = length;
        fins[at] = fin;
        count++;
        return INSERTED;
    }

    /**
     * Moves every held segment that now starts at or before {@code rcvNxt} into
     * {@code queue}, trimming what was already received, and releases the covered ones.
     *
     * @return the new RCV.NXT (not counting a FIN; see {@link #finReached()})
     */
    int drain(int rcvNxt, ReceiveQueue queue) {
        finReached = false;
        while (count > 0 && SeqNum.le(seqs[0], rcvNxt)) {
            Frame frame = frames[0];
            int seq = seqs[0];
            int offset = offsets[0];
            int length = lengths[0];
            boolean fin = fins[0];
            removeFirst();
            if (frame != null) {
                budget.give();
                framesHeld--;
            }
            int end = seq + length;
            if (SeqNum.gt(end, rcvNxt)) {
                int skip = rcvNxt - seq;
                queue.appendHeld(frame, offset + skip, length - skip);
                rcvNxt = end;
            } else if (frame != null) {
                frame.release();
                receiveBudget.give();
            }
            if (fin && end == rcvNxt) {
                // Nothing lies beyond a FIN (RFC 9293 section 3.10.7.4, eighth step).
                finReached = true;
                clear();
            }
        }
        return rcvNxt;
    }

    /** @return whether the last {@link #drain} reached a FIN */
    boolean finReached() {
        return finReached;
    }

    /** Releases every held segment. */
    void clear() {
        for (int i = 0; i < count; i++) {
            if (frames[i] != null) {
                frames[i].release();
                frames[i] = null;
                budget.give();
                receiveBudget.give();
            }
        }
        count = 0;
        framesHeld = 0;
    }

    private void removeFirst() {
        count--;
        System.arraycopy(frames, 1, frames, 0, count);
        System.arraycopy(seqs, 1, seqs, 0, count);
        System.arraycopy(offsets, 1, offsets, 0, count);
        System.arraycopy(lengths, 1, lengths, 0, count);
        System.arraycopy(fins, 1, fins, 0, count);
        frames[count] = null;
    }

    private static void release(Frame frame) {
        if (frame != null) {
            frame.release();
        }
    }
}
