package io.bypass.stack.tcp;

import io.bypass.stack.wire.TcpOptions;

/**
 * The receiver's side of SACK (RFC 2018 section 4): which blocks of out-of-order data to
 * report, read off the {@link Reassembly} queue. The first block is the one holding the most
 * recently received segment; then the blocks of the next most recent arrivals (so that each
 * block is reported in several ACKs, against ACK loss); then any other blocks, lowest
 * first. Remembers the last {@link TcpOptions#MAX_SACK_BLOCKS} arrivals in a fixed array.
 */
final class SackBlocks {
    private final int[] recent = new int[TcpOptions.MAX_SACK_BLOCKS];
    private int recentCount;

    /** An out-of-order segment starting at {@code seq} was queued. */
    void arrived(int seq) {
        int i = 0;
        while (i < recentCount && recent[i] != seq) {
            i++;
        }
        if (i == recentCount && recentCount < recent.length) {
            recentCount++;
        }
        if (i == recent.length) {
            i--;
        }
        System.arraycopy(recent, 0, recent, 1, i);
        recent[0] = seq;
    }

    /** Forgets the arrivals (the queue was emptied). */
    void clear() {
        recentCount = 0;
    }

    /**
     * Writes up to {@code max} blocks into {@code o}.
     *
     * @return blocks written
     */
    int fill(SegmentOptions o, Reassembly queue, int max) {
        int n = 0;
        for (int i = 0; i < recentCount && n < max; i++) {
            n = addBlockHolding(o, queue, recent[i], n);
        }
        // The other blocks, lowest first, until the option is full.
        int count = queue.count();
        int i = 0;
        while (i < count && n < max) {
            int left = queue.seqAt(i);
            int right = queue.endAt(i);
            i++;
            while (i < count && SeqNum.le(queue.seqAt(i), right)) {
                right = SeqNum.max(right, queue.endAt(i));
                i++;
            }
            n = addIfNew(o, left, right, n);
        }
        o.sackBlocks = n;
        return n;
    }

    /** Adds the merged block of the queue that holds {@code seq}, if any. */
    private static int addBlockHolding(SegmentOptions o, Reassembly queue, int seq, int n) {
        int count = queue.count();
        int i = 0;
        while (i < count) {
            int left = queue.seqAt(i);
            int right = queue.endAt(i);
            i++;
            while (i < count && SeqNum.le(queue.seqAt(i), right)) {
                right = SeqNum.max(right, queue.endAt(i));
                i++;
            }
            if (SeqNum.le(left, seq) && SeqNum.lt(seq, right)) {
                return addIfNew(o, left, right, n);
            }
        }
        return n;
    }

    private static int addIfNew(SegmentOptions o, int left, int right, int n) {
        if (!SeqNum.lt(left, right)) {
            return n;
        }
        for (int j = 0; j < n; j++) {
            if (o.sackEdges[2 * j] == left) {
                return n;
            }
        }
        o.sackEdges[2 * n] = left;
        o.sackEdges[2 * n + 1] = right;
        return n + 1;
    }
}
