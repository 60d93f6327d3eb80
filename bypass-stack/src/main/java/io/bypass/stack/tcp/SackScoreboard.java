package io.bypass.stack.tcp;

import io.bypass.stack.wire.TcpOptions;

/**
 * The sender's SACK scoreboard and the loss-recovery state of RFC 6675: which ranges above
 * SND.UNA the peer has SACKed, and from them IsLost, pipe and NextSeg (RFC 6675 section 4).
 *
 * <p>The SACKed ranges are kept sorted, disjoint and non-adjacent in two int arrays of
 * fixed size ({@link #MAX_RANGES}): updating allocates nothing. A block that would need a
 * range beyond that is ignored; SACK is advisory (RFC 2018 section 8: nothing is freed
 * because of it), so forgetting only makes recovery more conservative.
 *
 * <pre>
 *  SND.UNA      hole 0      range 0     hole 1     range 1     hole 2 (last)   SND.MAX
 *   |.........|###########|..........|##########|...............|
 *   a hole is lost when DupThresh ranges or more than (DupThresh - 1) * SMSS SACKed
 *   bytes lie above it (IsLost); the last hole has nothing above it and is never lost
 * </pre>
 */
final class SackScoreboard {
    /** Most SACKed ranges remembered. */
    static final int MAX_RANGES = 16;
    /** DupThresh of RFC 6675 section 2. */
    static final int DUP_THRESH = 3;
    /** {@link #nextSeg} found nothing to retransmit. */
    static final int NONE = 0;
    /** {@link #nextSeg}: rule (1) or (3), a retransmission that moves HighRxt. */
    static final int RETRANSMIT = 1;
    /** {@link #nextSeg}: rule (4), the rescue retransmission. */
    static final int RESCUE = 2;

    private final int[] lefts = new int[MAX_RANGES];
    private final int[] rights = new int[MAX_RANGES];
    private int count;

    private boolean inRecovery;
    private int recoveryPoint;
    /** HighRxt + 1: the end of the highest retransmission in this recovery. */
    private int rxtEnd;
    private boolean rescued;
    private int rescueRxt;
    private int dupAcks;
    /** Result of {@link #nextSeg}: first sequence number. */
    private int nextSeq;
    /** Result of {@link #nextSeg}: bytes (sequence space). */
    private int nextLength;

    /** Starts at the ISS: no recovery before the first data is acknowledged past it. */
    void init(int iss) {
        count = 0;
        inRecovery = false;
        recoveryPoint = iss;
        dupAcks = 0;
    }

    /**
     * Takes the SACK blocks of an ACK (RFC 2018 section 3). Blocks that are not within
     * (SND.UNA, SND.MAX] or are inverted are ignored (a D-SACK below SND.UNA, or garbage).
     *
     * @return whether a block SACKed something not SACKed before
     */
    boolean update(TcpOptions o, int sndUna, int sndMax) {
        boolean news = false;
        for (int i = 0; i < o.sackBlockCount(); i++) {
            int left = o.sackLeft(i);
            int right = o.sackRight(i);
            if (!SeqNum.lt(left, right) || SeqNum.gt(right, sndMax) || SeqNum.le(right, sndUna)) {
                continue;
            }
            if (SeqNum.lt(left, sndUna)) {
                left = sndUna;
            }
            news |= add(left, right);
        }
        return news;
    }

    private boolean add(int left, int right) {
        int i = 0;
        while (i < count && SeqNum.lt(rights[i], left)) {
            i++;
        }
        int j = i;
        int newLeft = left;
        int newRight = right;
        boolean covered = false;
        while (j < count && SeqNum.le(lefts[j], right)) {
            if (SeqNum.le(lefts[j], left) && SeqNum.ge(rights[j], right)) {
                covered = true;
            }
            newLeft = SeqNum.min(newLeft, lefts[j]);
            newRight = SeqNum.max(newRight, rights[j]);
            j++;
        }
        if (covered) {
            return false;
        }
        if (i == j) {
            if (count == MAX_RANGES) {
                return false;
            }
            System.arraycopy(lefts, i, lefts, i + 1, count - i);
            System.arraycopy(rights, i, rights, i + 1, count - i);
            count++;
        } else if (j - i > 1) {
            System.arraycopy(lefts, j, lefts, i + 1, count - j);
            System.arraycopy(rights, j, rights, i + 1, count - j);
            count -= j - i - 1;
        }
        lefts[i] = newLeft;
        rights[i] = newRight;
        return true;
    }

    /** SND.UNA advanced: forget what lies below it. */
    void advance(int sndUna) {
        int drop = 0;
        while (drop < count && SeqNum.le(rights[drop], sndUna)) {
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(lefts, drop, lefts, 0, count - drop);
            System.arraycopy(rights, drop, rights, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && SeqNum.lt(lefts[0], sndUna)) {
            lefts[0] = sndUna;
        }
    }

    /** Forgets every SACKed range (RFC 2018 section 8: after a retransmission timeout). */
    void clear() {
        count = 0;
    }

    /** @return SACKed ranges held */
    int rangeCount() {
        return count;
    }

    /** @return the left edge of range {@code i} */
    int left(int i) {
        return lefts[i];
    }

    /** @return the right edge of range {@code i} */
    int right(int i) {
        return rights[i];
    }

    // ------------------------------------------------------------------ RFC 6675 section 4

    /** @return whether hole {@code k} (the one below range {@code k}) is lost: IsLost of its bytes */
    private boolean holeLost(int k, int mss) {
        if (count - k >= DUP_THRESH) {
            return true;
        }
        long above = 0;
        for (int i = k; i < count; i++) {
            above += rights[i] - lefts[i];
        }
        return above > (long) (DUP_THRESH - 1) * mss;
    }

    /** IsLost(seq) for an unSACKed {@code seq} at or above SND.UNA. */
    boolean isLost(int seq, int mss) {
        int k = 0;
        while (k < count && SeqNum.le(lefts[k], seq)) {
            k++;
        }
        return k < count && holeLost(k, mss);
    }

    /**
     * SetPipe (RFC 6675 section 4): unSACKed bytes not deemed lost, plus unSACKed bytes
     * retransmitted in this recovery (at or below HighRxt).
     */
    int pipe(int sndUna, int sndMax, int mss) {
        long pipe = 0;
        int start = sndUna;
        for (int k = 0; k <= count; k++) {
            int end = k < count ? lefts[k] : sndMax;
            if (SeqNum.lt(start, end)) {
                if (k == count || !holeLost(k, mss)) {
                    pipe += end - start;
                }
                if (inRecovery && SeqNum.gt(rxtEnd, start)) {
                    pipe += SeqNum.min(end, rxtEnd) - start;
                }
            }
            if (k < count) {
                start = rights[k];
            }
        }
        return (int) Math.min(pipe, Integer.MAX_VALUE);
    }

    /**
     * NextSeg (RFC 6675 section 4) without rule (2), new data, which the caller tries between
     * rules (1) and (3): see {@link #nextSeg(int, int, int, boolean)}.
     *
     * @param rules3and4 whether rules (3) and (4) may answer (rule (2) found no new data)
     * @return {@link #RETRANSMIT}, {@link #RESCUE} or {@link #NONE}; the range is in
     *         {@link #nextSeq()} and {@link #nextLength()}
     */
    int nextSeg(int sndUna, int sndMax, int mss, boolean rules3and4) {
        // (1) the first unSACKed byte above HighRxt that IsLost; (3) the same, lost or not,
        // but below the highest SACKed byte.
        for (int pass = 0; pass < (rules3and4 ? 2 : 1); pass++) {
            int start = sndUna;
            for (int k = 0; k < count; k++) {
                int from = SeqNum.max(start, rxtEnd(sndUna));
                if (SeqNum.lt(from, lefts[k]) && (pass == 1 || holeLost(k, mss))) {
                    nextSeq = from;
                    nextLength = Math.min(mss, lefts[k] - from);
                    return RETRANSMIT;
                }
                start = rights[k];
            }
        }
        if (!rules3and4) {
            return NONE;
        }
        // (4) one rescue retransmission per recovery, of the highest unSACKed data.
        if (inRecovery && (!rescued || SeqNum.gt(sndUna, rescueRxt))) {
            int end = sndMax;
            for (int k = count - 1; k >= 0 && !SeqNum.lt(rights[k], end); k--) {
                end = lefts[k];
            }
            if (SeqNum.gt(end, sndUna)) {
                nextSeq = SeqNum.max(sndUna, end - mss);
                nextLength = end - nextSeq;
                rescued = true;
                rescueRxt = recoveryPoint;
                return RESCUE;
            }
        }
        return NONE;
    }

    private int rxtEnd(int sndUna) {
        return inRecovery && SeqNum.gt(rxtEnd, sndUna) ? rxtEnd : sndUna;
    }

    /** @return the first sequence number {@link #nextSeg} chose */
    int nextSeq() {
        return nextSeq;
    }

    /** @return the length {@link #nextSeg} chose */
    int nextLength() {
        return nextLength;
    }

    /** A retransmission by rule (1) or (3) went out: HighRxt moves to its end. */
    void retransmitted(int end) {
        if (SeqNum.gt(end, rxtEnd)) {
            rxtEnd = end;
        }
    }

    // ------------------------------------------------------------------ RFC 6675 section 5

    /**
     * An ACK that did not advance SND.UNA arrived.
     *
     * @param dupAck whether it is a DupAck (RFC 6675 section 2: it SACKed new data)
     * @return whether to enter loss recovery now (section 5 step 4: DupThresh DupAcks, or the
     *         first unacknowledged byte IsLost), never twice for one window
     */
    boolean duplicate(boolean dupAck, int sndUna, int mss) {
        if (dupAck) {
            dupAcks++;
        }
        if (inRecovery || SeqNum.lt(sndUna, recoveryPoint)) {
            return false;
        }
        return dupAck && (dupAcks >= DUP_THRESH || isLost(sndUna, mss));
    }

    /** @return DupAcks since the last cumulative ACK (for Limited Transmit, RFC 3042) */
    int dupAcks() {
        return dupAcks;
    }

    /** A cumulative ACK: resets DupAcks (RFC 6675 section 5 step 1). */
    void cumulativeAck() {
        dupAcks = 0;
    }

    /** Enters loss recovery (RFC 6675 section 5 step 4.1): RecoveryPoint = HighData. */
    void enterRecovery(int sndUna, int sndMax) {
        inRecovery = true;
        recoveryPoint = sndMax;
        rxtEnd = sndUna;
        rescued = false;
    }

    /**
     * Ends recovery when the cumulative ACK reaches RecoveryPoint (RFC 6675 section 5 step A).
     *
     * @return whether recovery just ended
     */
    boolean maybeExit(int sndUna) {
        if (inRecovery && SeqNum.ge(sndUna, recoveryPoint)) {
            inRecovery = false;
            return true;
        }
        return false;
    }

    /** A retransmission timeout: leave recovery, forget SACKs, no new recovery for this window. */
    void timeout(int sndMax) {
        inRecovery = false;
        dupAcks = 0;
        recoveryPoint = sndMax;
        count = 0;
    }

    /** @return whether in RFC 6675 loss recovery */
    boolean inRecovery() {
        return inRecovery;
    }
}
