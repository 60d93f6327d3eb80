package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;

/**
 * A connection's loss detection and response: RTT measurement and the retransmission timer
 * (RFC 6298, Karn's algorithm), timeouts with backoff and the give-up limits (retry count,
 * RFC 5482 user timeout), what ACKs of new data and duplicate ACKs do to congestion control
 * ({@link CongestionControl}: fast retransmit, RFC 5681; NewReno partial ACKs, RFC 6582),
 * and SACK-based loss recovery (RFC 6675) driven from the {@link SackScoreboard}.
 *
 * <p>The one timer per connection doubles as the persist timer: while nothing is in flight
 * but data waits for a window it fires {@link Sender#probe} instead (RFC 9293 section
 * 3.8.6.1). What it does is decided when it is armed ({@link #armTimer}).
 */
final class Retransmission {
    private final TcpConnection c;
    private final Sender snd;
    private final TcpConfig config;
    private final StackCounters counters;
    private final TimerWheel timers;

    /** The congestion controller; replaced when the application switches algorithm. */
    CongestionControl cc;
    final RttEstimator rtt;
    final SackScoreboard scoreboard = new SackScoreboard();
    private final Timer timer;
    /** The timer is the persist timer now, not the retransmission timer. */
    boolean persisting;
    /** Timing one segment for an RTT sample (without timestamps): until {@link #rttEndSeq} is acknowledged. */
    private boolean rttTiming;
    private int rttEndSeq;
    private long rttStartNs;
    /** Timeouts since the last ACK of new data. */
    private int retries;
    /** RFC 5482 user timeout, 0 when the retransmission count limit decides instead. */
    long userTimeoutNs;
    /** When the oldest unacknowledged data went out, or the last ACK of new data came. */
    private long unackedSinceNs;

    Retransmission(TcpConnection c, Sender snd, TcpLayer layer) {
        this.c = c;
        this.snd = snd;
        this.config = layer.config();
        this.counters = layer.counters();
        this.timers = layer.timers();
        this.rtt = new RttEstimator(config.initialRtoNs(), config.minRtoNs(), config.maxRtoNs());
        this.cc = CongestionControl.create(config.congestionAlgorithm());
        this.timer = new Timer(this::onTimer);
        this.userTimeoutNs = config.userTimeoutNs();
        this.scoreboard.init(snd.iss);
    }

    /**
     * Switches congestion control: after the handshake the new algorithm takes over the
     * current window and threshold and begins a new growth epoch.
     */
    void congestionAlgorithm(CongestionAlgorithm algorithm) {
        if (algorithm == cc.algorithm()) {
            return;
        }
        CongestionControl next = CongestionControl.create(algorithm);
        if (snd.synAcked) {
            next.continueFrom(cc, snd.mss, snd.una);
        }
        cc = next;
    }

    // ------------------------------------------------------------------ segments sent

    /**
     * A segment covering {@code seqLength} of sequence space from {@code seq} goes out
     * (SND.MAX not yet moved): counts a retransmission, times a round trip (Karn's
     * algorithm), tells congestion control about new data, and starts the user timeout's clock.
     */
    void segmentSent(int seq, int seqLength, long nowNs) {
        if (SeqNum.lt(seq, snd.max)) {
            counters.increment(Counter.TCP_RETRANSMITS);
            // Karn's algorithm (RFC 6298 section 3): no sample from a retransmitted range.
            if (rttTiming && SeqNum.lt(seq, rttEndSeq)) {
                rttTiming = false;
            }
        } else {
            cc.onNewDataSent(seqLength, snd.max - snd.una);
            if (!rttTiming && seqLength > 0) {
                rttTiming = true;
                rttEndSeq = seq + seqLength;
                rttStartNs = nowNs;
            }
        }
        if (SeqNum.gt(seq + seqLength, snd.max) && snd.max == snd.una) {
            unackedSinceNs = nowNs;
        }
    }

    // ------------------------------------------------------------------ ACKs

    /** The SYN we sent is acknowledged ({@link Sender#synAcked} already set): first RTT sample, start congestion control. */
    void synAcknowledged(int ack, long nowNs) {
        if (rttTiming && SeqNum.ge(ack, rttEndSeq)) {
            rtt.sample(nowNs - rttStartNs);
        }
        rttTiming = false;
        retries = 0;
        timers.cancel(timer);
        cc.init(snd.mss, snd.iss);
    }

    /**
     * An acceptable ACK in a synchronized state (RFC 9293 section 3.10.7.4, fifth step):
     * new data acknowledged, or a duplicate ACK that may start fast retransmit or SACK
     * recovery. The window it carries is the {@link Sender}'s business, afterwards.
     *
     * @param segWnd the window the segment offers, scaled
     */
    void ackArrived(Segment seg, int segWnd, long nowNs) {
        int ack = seg.ack;
        OptionNegotiation options = c.options;
        boolean newSack = options.sack() && scoreboard.update(seg.options, snd.una, snd.max);
        if (SeqNum.gt(ack, snd.una)) {
            newAck(ack, options.rttSampleNs(seg.options, nowNs), nowNs);
        } else if (options.sack()) {
            // RFC 6675 section 2: with SACK a duplicate ACK is one that SACKs new data; one
            // without SACK blocks that RFC 5681 calls duplicate counts too, so that a path that
            // strips the blocks still gets fast retransmit.
            boolean classic = seg.payloadLength == 0 && !seg.has(FIN) && segWnd == snd.wnd
                    && seg.options.sackBlockCount() == 0;
            if (ack == snd.una && snd.max != snd.una && scoreboard.duplicate(newSack || classic, snd.una, snd.mss)) {
                enterSackRecovery(nowNs);
            }
        } else if (ack == snd.una && seg.payloadLength == 0 && !seg.has(FIN) && segWnd == snd.wnd
                && snd.max != snd.una) {
            // A duplicate ACK as RFC 5681 section 2 defines it (window unchanged, data outstanding).
            if (cc.onDupAck(ack, snd.max - snd.una, snd.max, nowNs)) {
                counters.increment(Counter.TCP_FAST_RETRANSMITS);
                retransmitFirst(nowNs);
            }
        }
    }

    /**
     * An ACK of new data (RFC 9293 3.10.7.4 fifth step; RFC 6298 section 5; RFC 5681; RFC 6582;
     * RFC 6675 section 5).
     *
     * @param tsRttNs an RTT sample from the echoed timestamp (RFC 7323 section 4.1), or -1
     */
    private void newAck(int ack, long tsRttNs, long nowNs) {
        int acked = ack - snd.una;
        if (tsRttNs >= 0) {
            rtt.sample(tsRttNs);
            rttTiming = false;
        } else if (rttTiming && SeqNum.ge(ack, rttEndSeq)) {
            rtt.sample(nowNs - rttStartNs);
            rttTiming = false;
        } else if (retries > 0) {
            rtt.undoBackoff();
        }
        retries = 0;
        snd.acknowledged(ack);
        // The user timeout measures time without forward progress.
        unackedSinceNs = nowNs;
        if (c.options.sack()) {
            scoreboard.advance(snd.una);
            scoreboard.cumulativeAck();
            if (scoreboard.inRecovery()) {
                // cwnd stays at ssthresh while pipe paces sending (RFC 6675 section 5);
                // recovery ends once RecoveryPoint is acknowledged (step A).
                scoreboard.maybeExit(snd.una);
            } else {
                cc.onNewAck(ack, acked, snd.max - snd.una, nowNs, rtt.srttNs());
            }
        } else if (cc.onNewAck(ack, acked, snd.max - snd.una, nowNs, rtt.srttNs())) {
            // NewReno partial ACK (RFC 6582 section 3.2 step 4).
            retransmitFirst(nowNs);
        }
        snd.tuneBuffer(cc.cwnd());
        if (snd.una == snd.max) {
            timers.cancel(timer);
        } else {
            // RFC 6298 section 5.3 (and RFC 6582 step 4 on a partial ACK): restart the timer.
            timers.schedule(timer, nowNs + rtt.rtoNs());
        }
    }

    /**
     * Fragmentation needed (RFC 1191 section 6.5) for a segment in flight: the MSS shrinks
     * and what is in flight goes again at once, at the new size.
     */
    void mssLowered(int newMss, long nowNs) {
        snd.mss = newMss;
        cc.mss(newMss);
        if (snd.synAcked && snd.max != snd.una) {
            snd.nxt = snd.una;
            scoreboard.timeout(snd.max);
            rttTiming = false;
            snd.output(nowNs);
        }
    }

    // ------------------------------------------------------------------ retransmitting

    /**
     * Sending during SACK loss recovery (RFC 6675 section 5, steps 4.4 and C): while
     * cwnd - pipe is at least one SMSS, send what NextSeg names: a lost segment (rule 1),
     * new data (rule 2), an unSACKed one (rule 3), or the rescue retransmission (rule 4).
     * Every round raises pipe or HighRxt, or sends the one rescue, so the loop ends.
     */
    void recoveryOutput(long nowNs) {
        int mss = snd.segmentMss();
        while (cc.cwnd() - scoreboard.pipe(snd.una, snd.max, snd.mss) >= mss) {
            int kind = scoreboard.nextSeg(snd.una, snd.max, mss, false);
            if (kind == SackScoreboard.NONE) {
                if (snd.sendNew(Math.min(mss, snd.una + snd.wnd - snd.max), nowNs)) {
                    continue;
                }
                kind = scoreboard.nextSeg(snd.una, snd.max, mss, true);
                if (kind == SackScoreboard.NONE) {
                    return;
                }
            }
            int seq = scoreboard.nextSeq();
            int sent = retransmitRange(seq, scoreboard.nextLength(), nowNs);
            if (sent == 0) {
                return;
            }
            if (kind == SackScoreboard.RETRANSMIT) {
                scoreboard.retransmitted(seq + sent);
            }
        }
    }

    /** RFC 6675 section 5 step 4: enter recovery, retransmit the first unacknowledged segment. */
    private void enterSackRecovery(long nowNs) {
        counters.increment(Counter.TCP_SACK_RECOVERIES);
        counters.increment(Counter.TCP_FAST_RETRANSMITS);
        cc.sackRecoveryStarted(snd.max - snd.una, nowNs);
        scoreboard.enterRecovery(snd.una, snd.max);
        // New data continues from SND.MAX; holes are NextSeg's business from here on.
        snd.nxt = snd.max;
        int firstHole = scoreboard.rangeCount() > 0 ? scoreboard.left(0) - snd.una : snd.max - snd.una;
        int sent = retransmitRange(snd.una, Math.min(snd.segmentMss(), firstHole), nowNs);
        scoreboard.retransmitted(snd.una + sent);
    }

    /**
     * Retransmits up to {@code length} bytes of sequence space from {@code seq} (below SND.MAX),
     * with the FIN if the range reaches it.
     *
     * @return sequence space sent (0 if there was nothing)
     */
    private int retransmitRange(int seq, int length, long nowNs) {
        int from = seq - snd.bufferSeq;
        int buffered = snd.bufferedBytes();
        int data = Math.max(0, Math.min(length, buffered - from));
        boolean fin = snd.finQueued && from + data == buffered && data < length && SeqNum.gt(snd.max, snd.finSeq());
        if (data == 0 && !fin) {
            return 0;
        }
        snd.sendSegment(seq, ACK | (fin ? FIN : 0), from, data, nowNs);
        return data + (fin ? 1 : 0);
    }

    /**
     * Retransmits the first unacknowledged segment (fast retransmit, partial ACK, timeout),
     * whatever the windows say.
     */
    private void retransmitFirst(long nowNs) {
        int buffered = snd.bufferedBytes();
        int outstanding = snd.max - snd.una;
        int length = Math.min(Math.min(snd.segmentMss(), outstanding), buffered);
        boolean fin = snd.finQueued && length == buffered && outstanding > length;
        if (length == 0 && !fin) {
            return;
        }
        snd.sendSegment(snd.una, ACK | (fin ? FIN : 0), 0, length, nowNs);
        int end = snd.una + length + (fin ? 1 : 0);
        if (SeqNum.lt(snd.nxt, end)) {
            snd.nxt = end;
        }
    }

    // ------------------------------------------------------------------ the timer

    /**
     * The one timer's job: retransmission while anything is outstanding (RFC 6298 section
     * 5.1), persist while data waits for a window with nothing outstanding (RFC 9293 3.8.6.1),
     * nothing otherwise.
     */
    void armTimer(long nowNs) {
        if (snd.max != snd.una) {
            if (persisting || !timer.isScheduled()) {
                persisting = false;
                timers.schedule(timer, nowNs + rtt.rtoNs());
            }
        } else if (snd.synAcked && snd.hasUnsent()) {
            if (!persisting || !timer.isScheduled()) {
                persisting = true;
                timers.schedule(timer, nowNs + snd.persistTimeoutNs(rtt.rtoNs()));
            }
        } else {
            persisting = false;
            timers.cancel(timer);
        }
    }

    /** The connection closed: no more retransmissions or probes, and the wheel lets go of the timer ({@link TimerWheel#release}). */
    void stop() {
        persisting = false;
        timers.release(timer);
    }

    private void onTimer(long nowNs) {
        if (c.state == TcpState.CLOSED) {
            return;
        }
        if (persisting) {
            persist(nowNs);
        } else if (snd.max != snd.una) {
            timeout(nowNs);
        }
        if (c.state != TcpState.CLOSED && c.rcv.ackNow) {
            c.sendAck(nowNs);
        }
        c.flushEvents();
    }

    /** The persist timer fired: probe the window, then wait again, backed off, while it stays shut. */
    private void persist(long nowNs) {
        persisting = false;
        if (!snd.probe(nowNs)) {
            return;
        }
        if (snd.max == snd.una) {
            persisting = true;
            timers.schedule(timer, nowNs + snd.persistTimeoutNs(rtt.rtoNs()));
        } else {
            armTimer(nowNs);
        }
    }

    /** RFC 6298 section 5.4 to 5.6: back off, go back to SND.UNA, resend. */
    private void timeout(long nowNs) {
        counters.increment(Counter.TCP_TIMEOUTS);
        retries++;
        int limit = snd.synAcked ? config.maxRetransmissions() : config.synRetries();
        if (snd.synAcked && userTimeoutNs > 0) {
            // RFC 5482 / TCP_USER_TIMEOUT: time without acknowledgment decides, not the count.
            if (nowNs - unackedSinceNs >= userTimeoutNs) {
                counters.increment(Counter.TCP_USER_TIMEOUTS);
                c.teardown.fail(TcpError.TIMED_OUT, nowNs);
                return;
            }
        } else if (retries > limit) {
            c.teardown.retriesExhausted(nowNs);
            return;
        }
        rtt.backOff();
        rttTiming = false;
        snd.nxt = snd.una;
        scoreboard.timeout(snd.max);
        if (!snd.synAcked) {
            snd.output(nowNs);
            return;
        }
        cc.onTimeout(snd.max - snd.una, snd.max, nowNs);
        retransmitFirst(nowNs);
        long deadlineNs = nowNs + rtt.rtoNs();
        if (userTimeoutNs > 0 && deadlineNs - (unackedSinceNs + userTimeoutNs) > 0) {
            // Come back when the user timeout expires rather than a long backoff later (as Linux).
            deadlineNs = unackedSinceNs + userTimeoutNs;
        }
        timers.schedule(timer, deadlineNs);
        snd.output(nowNs);
    }
}
