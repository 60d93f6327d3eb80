package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerHandler;

/**
 * A connection's TIME-WAIT (RFC 9293 section 3.6), kept by the layer once the connection
 * itself has closed, as Linux keeps an {@code inet_timewait_sock}: the 4-tuple and what the
 * 2 MSL wait needs to answer the segments that still arrive (both sequence numbers, the
 * window, TS.Recent). About 130 bytes of heap (this object and its {@link Timer}) where the
 * whole connection, were it kept, takes about 2 KB in some twenty objects: a server that
 * closes first holds a minute of its connection rate in TIME-WAIT, and every young
 * collection would copy them all.
 *
 * <p>What arrives is answered as RFC 9293 section 3.10.7.4 orders it for TIME-WAIT, with
 * PAWS (RFC 7323 section 5) and RFC 5961's checks, as the connection answered it before:
 * <ul>
 * <li>an unacceptable segment is acknowledged (unless a RST); a retransmitted FIN, the one
 *     thing a peer is expected to send, also restarts the 2 MSL wait;</li>
 * <li>a RST at exactly RCV.NXT ends the wait (RFC 9293; RFC 1337's alternative, ignoring it,
 *     is not taken, as Linux does not by default), elsewhere in the window it gets a challenge
 *     ACK, as does a SYN (RFC 5961 sections 3.2 and 4.2);</li>
 * <li>an ACK outside SND.UNA - MAX.SND.WND .. SND.NXT gets a challenge ACK (RFC 5961
 *     section 5.2); text and FIN in the window are ignored: the peer's FIN came before them.</li>
 * </ul>
 * A SYN that may open a new incarnation ({@link #acceptsNewSyn}) is the layer's to take.
 * Not thread-safe: used under the stack lock.
 */
final class TimeWait implements TimerHandler {
    /** How long after the peer's last segment a connect may take the 4-tuple (Linux's {@code tcp_tw_reuse_delay}). */
    static final long REUSE_AFTER_NS = 1_000_000_000L;

    private final TcpLayer layer;
    private final Timer timer = new Timer(this);
    private final int localIp;
    private final int localPort;
    private final int remoteIp;
    private final int remotePort;
    /** RCV.NXT: just after the peer's FIN. */
    private final int rcvNxt;
    /** SND.NXT (SND.MAX): just after our FIN, which the peer acknowledged. */
    private final int sndMax;
    /** SND.UNA - MAX.SND.WND, the oldest ACK still acceptable (RFC 5961 section 5.2). */
    private final int oldestAck;
    /** The window field of our ACKs, scaled, as the connection last offered it. */
    private final int windowField;
    /** The receive window in bytes, for the acceptability test. */
    private final int windowBytes;
    private final boolean timestamps;
    private final int tsOffset;
    /** The last TSval the connection and then this record sent ({@link OptionNegotiation#notBefore}). */
    private int lastTsVal;
    private int tsRecent;
    private long tsRecentNs;
    private final int dscpEcn;
    /** Created by the first challenge ACK: most TIME-WAITs never send one. */
    private ChallengeAckLimiter challengeAcks;
    /** The wait is over: 2 MSL passed, a RST or a new incarnation ended it. */
    private boolean ended;

    /** Takes over from {@code c}, which has acknowledged the peer's FIN and had its own FIN acknowledged. */
    TimeWait(TcpConnection c) {
        this.layer = c.layer;
        this.localIp = c.localIp();
        this.localPort = c.localPort();
        this.remoteIp = c.remoteIp();
        this.remotePort = c.remotePort();
        Receiver rcv = c.rcv;
        this.rcvNxt = rcv.nxt;
        this.sndMax = c.snd.max;
        this.oldestAck = c.snd.una - c.snd.maxWnd;
        this.windowField = rcv.advertise(false);
        this.windowBytes = rcv.window.remaining(rcv.nxt);
        OptionNegotiation options = c.options;
        this.timestamps = options.timestamps();
        this.tsOffset = options.tsOffset();
        this.lastTsVal = options.lastTsVal();
        this.tsRecent = options.tsRecent();
        this.tsRecentNs = options.tsRecentNs();
        this.dscpEcn = c.dscpEcn();
    }

    /** @return the key of the layer's tables */
    long key() {
        return TcpLayer.connectionKey(remoteIp, localPort, remotePort);
    }

    /** @return our address: segments to another of the stack's addresses are not this wait's */
    int localIp() {
        return localIp;
    }

    /** @return whether the wait still runs (it reports TIME-WAIT for the closed connection) */
    boolean waiting() {
        return !ended;
    }

    /** Starts the 2 MSL wait. */
    void start(long nowNs) {
        layer.timers().schedule(timer, nowNs + layer.config().timeWaitNs());
    }

    /**
     * Whether a SYN may end this TIME-WAIT and open a new incarnation (RFC 6191 section 2, as
     * Linux applies it): when both incarnations have timestamps, a TSval above TS.Recent, or
     * equal to it with a sequence number above RCV.NXT; a TSval below it is an old duplicate
     * (PAWS), whatever its sequence number. Otherwise a sequence number above RCV.NXT (RFC 9293
     * section 3.10.7.4). A client that reuses its ports quickly picks ISNs from a clock, not
     * above the old connection's, and its timestamps tell the incarnations apart.
     */
    boolean acceptsNewSyn(Segment seg) {
        if (timestamps && seg.options.hasTimestamps()) {
            int newer = seg.options.timestampValue() - tsRecent;
            return newer > 0 || newer == 0 && SeqNum.gt(seg.seq, rcvNxt);
        }
        return SeqNum.gt(seg.seq, rcvNxt);
    }

    /**
     * Whether a connect of ours may take this 4-tuple now ({@link TcpConfig#timeWaitReuse}): the
     * connection used timestamps, so the new one's newer TSvals tell its segments from old
     * duplicates at the peer, and the peer has been quiet for {@link #REUSE_AFTER_NS}.
     */
    boolean reusableForConnect(long nowNs) {
        return layer.config().timeWaitReuse() && timestamps && nowNs - tsRecentNs >= REUSE_AFTER_NS;
    }

    /**
     * The ISS of a new incarnation of this 4-tuple, ours or the peer's SYN's (RFC 9293 section
     * 3.10.7.4, RFC 1122 section 4.2.2.13): {@code iss}, unless that does not lie a full
     * unscaled window beyond everything the old incarnation sent, as Linux keeps it.
     */
    int newIncarnationIss(int iss) {
        int floor = sndMax + 65_536;
        return SeqNum.le(iss, floor) ? floor : iss;
    }

    /** Ends the wait early (a RST, a new incarnation) or on time; the layer forgets it. */
    void end() {
        ended = true;
        layer.timers().release(timer);
        layer.timeWaitEnded(this);
    }

    @Override
    public void onTimer(long nowNs) {
        end();
    }

    /** A segment for this 4-tuple (RFC 9293 section 3.10.7.4, TIME-WAIT); the caller releases its frame. */
    void segmentArrives(Segment seg, long nowNs) {
        StackCounters counters = layer.counters();
        counters.increment(Counter.TCP_SEGMENTS_IN);
        if (timestamps && OptionNegotiation.pawsRejects(tsRecent, tsRecentNs, seg.options, seg.has(RST), nowNs)) {
            counters.increment(Counter.TCP_PAWS_REJECTED);
            sendAck(nowNs);
            return;
        }
        boolean ackOwed = false;
        // A bare FIN at RCV.NXT is accepted even by a zero window (see SegmentArrival).
        boolean bareFin = windowBytes == 0 && seg.seq == rcvNxt && seg.payloadLength == 0 && seg.has(FIN)
                && !seg.has(SYN) && !seg.has(RST);
        if (!bareFin && !Receiver.acceptable(rcvNxt, seg.seq, seg.sequenceLength(), windowBytes)) {
            if (seg.has(RST)) {
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                return;
            }
            if (windowBytes == 0 && seg.seq == rcvNxt && seg.has(ACK) && !seg.has(SYN)) {
                // "Special allowance should be made to accept valid ACKs" with a zero window.
                ackOwed = true;
            } else {
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                if (seg.has(FIN)) {
                    // A retransmitted FIN: our ACK was lost. Acknowledge it and restart the wait.
                    start(nowNs);
                }
                sendAck(nowNs);
                return;
            }
        }
        if (timestamps && OptionNegotiation.takesRecent(tsRecent, seg.options, seg.seq, rcvNxt)) {
            // RFC 7323 section 4.3 (R3); Last.ACK.sent is RCV.NXT, acknowledged on entry.
            tsRecent = seg.options.timestampValue();
            tsRecentNs = nowNs;
        }
        if (seg.has(RST)) {
            if (seg.seq == rcvNxt) {
                counters.increment(Counter.TCP_RST_RECEIVED);
                end();
            } else {
                challengeAck(nowNs);
            }
            return;
        }
        if (seg.has(SYN)) {
            challengeAck(nowNs);
            return;
        }
        if (!seg.has(ACK)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_FLAGS);
            return;
        }
        if ((SeqNum.gt(seg.ack, sndMax) || SeqNum.lt(seg.ack, oldestAck)) && challengeAck(nowNs)) {
            return;
        }
        if (ackOwed) {
            sendAck(nowNs);
        }
    }

    /**
     * A challenge ACK (RFC 5961 sections 3.2, 4.2, 5.2), within the rate limit of section 7.
     *
     * @return whether it was sent
     */
    private boolean challengeAck(long nowNs) {
        if (challengeAcks == null) {
            challengeAcks = new ChallengeAckLimiter(layer.config().challengeAcksPerSecond());
        }
        if (!challengeAcks.tryAcquire(nowNs, layer.counters())) {
            return false;
        }
        sendAck(nowNs);
        return true;
    }

    /** Our ACK, as the connection sent it: SND.NXT, RCV.NXT, the last window, timestamps. */
    private void sendAck(long nowNs) {
        SegmentOutput out = layer.output();
        SegmentOptions o = out.options();
        if (timestamps) {
            o.timestamps = true;
            lastTsVal = OptionNegotiation.notBefore(OptionNegotiation.tsVal(nowNs, tsOffset), lastTsVal);
            o.tsVal = lastTsVal;
            o.tsEcr = tsRecent;
        }
        out.send(localIp, localPort, remoteIp, remotePort, sndMax, rcvNxt, ACK, windowField, o, null, 0, 0,
                dscpEcn, nowNs);
    }
}
