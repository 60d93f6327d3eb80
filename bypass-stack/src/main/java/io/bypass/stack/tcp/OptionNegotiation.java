package io.bypass.stack.tcp;

import io.bypass.stack.wire.TcpOptions;

/**
 * What a connection and its peer agreed on in the SYN exchange, and the per-connection
 * timestamp state that follows from it: window scaling (RFC 7323 section 2), timestamps with
 * TS.Recent, PAWS and RTT measurement (RFC 7323 sections 3 to 5), and SACK-permitted
 * (RFC 2018 section 2). Each is in force only if both SYNs carried it (and our
 * {@link TcpConfig} offers it).
 *
 * <p>The timestamp clock ticks in milliseconds, as Linux's does (RFC 7323 section 5.4 asks
 * for 1 ms to 1 s per tick): TSval = nowNs / 1 ms plus a per-connection offset drawn from
 * the ISN secret, so that TSval does not reveal the host's uptime (RFC 7323 section 7.1)
 * and stays monotonic across incarnations of a 4-tuple within a stack.
 *
 * <p>A non-RST segment without timestamps on a connection that negotiated them is accepted
 * (RFC 7323 section 3.2 says it SHOULD be dropped; Linux accepts it, and so do we, so that a
 * middlebox that strips options does not stall the connection); it just gives no RTT
 * sample and does not move TS.Recent.
 */
final class OptionNegotiation {
    /** Nanoseconds per timestamp tick. */
    static final long TS_TICK_NS = 1_000_000L;
    /** TS.Recent older than this is invalid for PAWS (RFC 7323 section 5.5: 24 days). */
    static final long TS_RECENT_VALID_NS = 24L * 24 * 3600 * 1_000_000_000L;
    /** Largest shift (RFC 7323 section 2.3). */
    static final int MAX_SHIFT = 14;

    private final TcpConfig config;
    private final int tsOffset;
    /**
     * Our receive shift: the smallest that lets the window field cover the largest the
     * receive buffer may become (RFC 7323 section 2.3; Linux sizes it by tcp_rmem[2] too).
     */
    private int ourShift;

    private boolean scaling;
    private int sndShift;
    private int rcvShift;
    private boolean timestamps;
    private int tsRecent;
    private long tsRecentNs;
    private boolean sack;
    /** Our first TSval; echoes older than it time nothing of ours (a cookie's altered TSval). */
    private int tsFirst;
    /** The last TSval we sent, once {@link #tsSent}: the next is never older ({@link #notBefore}). */
    private int lastTsVal;
    private boolean tsSent;

    OptionNegotiation(TcpConfig config, int tsOffset) {
        this.config = config;
        this.tsOffset = tsOffset;
        this.ourShift = shiftFor(config.receiveBufferMaxBytes());
    }

    /** Sizes the shift we offer for a receive buffer that stays at {@code bytes}; before our SYN only. */
    void receiveBufferLimit(int bytes) {
        ourShift = shiftFor(bytes);
    }

    /**
     * The per-4-tuple timestamp offset, from the ISN secret (RFC 7323 section 7.1), keyed
     * differently from the ISN so that one does not reveal the other.
     */
    static int timestampOffset(TcpConfig config, int localIp, int localPort, int remoteIp, int remotePort) {
        return (int) SipHash.hash(config.isnSecretLow(), config.isnSecretHigh(),
                ((long) remoteIp << 32) | (localIp & 0xffffffffL), ((long) remotePort << 16) | localPort);
    }

    /** @return the shift we offer */
    int ourShift() {
        return ourShift;
    }

    /** @return the smallest shift s with 65535 * 2^s at least {@code bufferBytes}, at most 14 */
    static int shiftFor(int bufferBytes) {
        int s = 0;
        while (s < MAX_SHIFT && (65_535L << s) < bufferBytes) {
            s++;
        }
        return s;
    }

    // ------------------------------------------------------------------ the SYN exchange

    /** Fills the options of our SYN (active open): everything the configuration offers. */
    void offer(SegmentOptions o, int mss, long nowNs) {
        o.mss = mss;
        if (config.windowScaling()) {
            o.windowScale = ourShift;
        }
        o.sackPermitted = config.sack();
        if (config.timestamps()) {
            o.timestamps = true;
            o.tsVal = nextTsVal(nowNs);
            o.tsEcr = 0;
            tsFirst = o.tsVal;
        }
    }

    /**
     * A connection opened by a SYN cookie ({@link SynCookies}): what the cookie SYN-ACK agreed
     * on, restored from the echoed TSval. Without timestamps in the ACK, nothing was agreed.
     *
     * @param peer      the options of the ACK that brought the cookie back
     * @param peerShift the peer's shift the echo carries, -1 for none
     * @param sackOk    whether the echo says SACK was agreed
     */
    void fromCookie(TcpOptions peer, int peerShift, boolean sackOk, long nowNs) {
        timestamps = config.timestamps() && peer.hasTimestamps();
        if (!timestamps) {
            return;
        }
        scaling = config.windowScaling() && peerShift >= 0;
        sndShift = scaling ? peerShift : 0;
        rcvShift = scaling ? ourShift : 0;
        sack = config.sack() && sackOk;
        tsRecent = peer.timestampValue();
        tsRecentNs = nowNs;
        // The cookie's TSval had its low bits replaced: its echo is no RTT sample.
        tsFirst = tsVal(nowNs);
    }

    /**
     * The peer's SYN or SYN-ACK arrived: an option is in force when we offer it and the peer
     * sent it (RFC 7323 sections 2.2 and 3.2, RFC 2018 section 2). For a passive open this
     * decides what our SYN-ACK carries; for an active one our SYN offered all we configured.
     */
    void peerSyn(TcpOptions peer, long nowNs) {
        scaling = config.windowScaling() && peer.windowScale() >= 0;
        sndShift = scaling ? peer.windowScale() : 0;
        rcvShift = scaling ? ourShift : 0;
        timestamps = config.timestamps() && peer.hasTimestamps();
        if (timestamps) {
            tsRecent = peer.timestampValue();
            tsRecentNs = nowNs;
        }
        sack = config.sack() && peer.sackPermitted();
    }

    /** Fills the options of our SYN-ACK: only what the peer's SYN offered. */
    void answer(SegmentOptions o, int mss, long nowNs) {
        o.mss = mss;
        if (scaling) {
            o.windowScale = rcvShift;
        }
        o.sackPermitted = sack;
        stamp(o, nowNs);
        tsFirst = o.tsVal;
    }

    // ------------------------------------------------------------------ after the handshake

    /** @return whether window scaling is in force */
    boolean scaling() {
        return scaling;
    }

    /** @return the shift applied to the peer's window fields (0 without scaling) */
    int sndShift() {
        return sndShift;
    }

    /** @return the shift applied to our window fields (0 without scaling) */
    int rcvShift() {
        return rcvShift;
    }

    /** @return whether timestamps are in force */
    boolean timestamps() {
        return timestamps;
    }

    /** @return whether SACK is in force */
    boolean sack() {
        return sack;
    }

    /** @return option bytes every non-SYN segment carries (RFC 7323 section 3.2: all but RSTs) */
    int fixedOptionBytes() {
        return timestamps ? TcpOptions.TIMESTAMPS_LENGTH : 0;
    }

    /** @return TS.Recent (RFC 7323 section 4.3) */
    int tsRecent() {
        return tsRecent;
    }

    /** @return our timestamp clock now */
    int tsVal(long nowNs) {
        return tsVal(nowNs, tsOffset);
    }

    /** @return the timestamp clock of a connection with {@code tsOffset} ({@link #timestampOffset}) now */
    static int tsVal(long nowNs, int tsOffset) {
        return (int) Math.floorDiv(nowNs, TS_TICK_NS) + tsOffset;
    }

    /**
     * @param tsVal    the timestamp clock now
     * @param lastSent the last TSval sent on the connection
     * @return the TSval to send: never older than one sent before. Some of the engine's callers
     *         read the clock before they take the stack lock, so a thread may hand the stack a time
     *         a little older than another thread's, used just before; across a tick boundary
     *         that made a TSval go back by one, and the peer's PAWS (RFC 7323 section 5.3)
     *         drops a segment older than its TS.Recent (ours does, strictly).
     */
    static int notBefore(int tsVal, int lastSent) {
        return tsVal - lastSent < 0 ? lastSent : tsVal;
    }

    /** @return the TSval for a segment sent now ({@link #notBefore}), remembered as the last sent */
    private int nextTsVal(long nowNs) {
        int v = tsVal(nowNs);
        if (tsSent) {
            v = notBefore(v, lastTsVal);
        }
        tsSent = true;
        lastTsVal = v;
        return v;
    }

    /** @return the last TSval sent (meaningful once one was) */
    int lastTsVal() {
        return lastTsVal;
    }

    /** @return this connection's timestamp offset ({@link #timestampOffset}) */
    int tsOffset() {
        return tsOffset;
    }

    /** @return when TS.Recent was last set, for its 24-day validity (RFC 7323 section 5.5) */
    long tsRecentNs() {
        return tsRecentNs;
    }

    /** Adds TSval and TSecr = TS.Recent to an outgoing segment when timestamps are in force. */
    void stamp(SegmentOptions o, long nowNs) {
        if (timestamps) {
            o.timestamps = true;
            o.tsVal = nextTsVal(nowNs);
            o.tsEcr = tsRecent;
        }
    }

    /**
     * PAWS (RFC 7323 section 5.3, R1): a segment whose TSval is older than TS.Recent is an
     * old duplicate, unless TS.Recent is more than 24 days old (section 5.5). RSTs are not
     * tested (R1 excludes them; RFC 5961 guards them instead).
     *
     * @return whether to drop the segment (the caller ACKs it)
     */
    boolean pawsRejects(TcpOptions seg, boolean rst, long nowNs) {
        return timestamps && pawsRejects(tsRecent, tsRecentNs, seg, rst, nowNs);
    }

    /** {@link #pawsRejects(TcpOptions, boolean, long)} for a connection with timestamps in force and this TS.Recent. */
    static boolean pawsRejects(int tsRecent, long tsRecentNs, TcpOptions seg, boolean rst, long nowNs) {
        if (rst || !seg.hasTimestamps()) {
            return false;
        }
        if (nowNs - tsRecentNs > TS_RECENT_VALID_NS) {
            return false;
        }
        return seg.timestampValue() - tsRecent < 0;
    }

    /**
     * RFC 7323 section 4.3 (R3): TS.Recent takes SEG.TSval when SEG.TSval >= TS.Recent and
     * SEG.SEQ <= Last.ACK.sent, i.e. the segment covers the left edge we last acknowledged;
     * so a delayed ACK echoes the earliest segment it acknowledges.
     */
    void updateRecent(TcpOptions seg, int seq, int lastAckSent, long nowNs) {
        if (timestamps && takesRecent(tsRecent, seg, seq, lastAckSent)) {
            tsRecent = seg.timestampValue();
            tsRecentNs = nowNs;
        }
    }

    /** @return whether {@link #updateRecent} moves TS.Recent, now {@code tsRecent}, to the segment's TSval (timestamps in force) */
    static boolean takesRecent(int tsRecent, TcpOptions seg, int seq, int lastAckSent) {
        return seg.hasTimestamps() && seg.timestampValue() - tsRecent >= 0 && SeqNum.le(seq, lastAckSent);
    }

    /**
     * An RTT sample from the echoed timestamp of an ACK of new data (RFC 7323 section 4.1,
     * RTTM): valid for retransmitted segments too, since the echo names the transmission
     * that the peer acknowledges.
     *
     * @return the RTT in nanoseconds (in whole ticks), or -1 when the segment gives none
     */
    long rttSampleNs(TcpOptions seg, long nowNs) {
        if (!timestamps || !seg.hasTimestamps() || seg.timestampEcho() - tsFirst < 0) {
            return -1;
        }
        int ticks = tsVal(nowNs) - seg.timestampEcho();
        // An echo from the future, or from before the connection's longest possible RTO, is
        // not ours (a broken or hostile peer): no sample.
        if (ticks < 0 || ticks > config.maxRtoNs() / TS_TICK_NS * 2) {
            return -1;
        }
        return ticks * TS_TICK_NS;
    }
}
