package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import io.bypass.stack.StackCounters;

/**
 * The TCP state machine's answer to an arriving segment (RFC 9293 section 3.10.7.3 for
 * SYN-SENT, 3.10.7.4 for SYN-RECEIVED and the synchronized states), in one place and in the
 * RFC's order: PAWS (RFC 7323), the acceptability test, RST (RFC 5961 section 3), SYN
 * (RFC 5961 section 4), the ACK field (RFC 5961 section 5), then the text and FIN. Each step
 * hands its part to the component that owns it: {@link Receiver} (window, text, FIN),
 * {@link Sender} (the peer's window), {@link Retransmission} (new and duplicate ACKs),
 * {@link Teardown} (RST and the FIN states).
 *
 * <p>Also here, as the state machine's own transitions: the handshake completing
 * ({@link #establish}), including simultaneous open (RFC 9293 section 3.5, figure 8), and
 * challenge ACKs, rate-limited per connection (RFC 5961 section 7, {@link ChallengeAckLimiter}).
 */
final class SegmentArrival {
    private final TcpConnection c;
    private final Sender snd;
    private final Receiver rcv;
    private final Retransmission rtx;
    private final Teardown teardown;
    private final OptionNegotiation options;
    private final StackCounters counters;
    private final ChallengeAckLimiter challengeAcks;

    SegmentArrival(TcpConnection c, TcpLayer layer) {
        this.c = c;
        this.snd = c.snd;
        this.rcv = c.rcv;
        this.rtx = c.rtx;
        this.teardown = c.teardown;
        this.options = c.options;
        this.counters = layer.counters();
        this.challengeAcks = new ChallengeAckLimiter(layer.config().challengeAcksPerSecond());
    }

    /**
     * Processes a segment for this connection (RFC 9293 sections 3.10.7.3 and 3.10.7.4).
     *
     * @return whether the frame was kept (payload queued); if not, the caller releases it
     */
    boolean segmentArrives(Segment seg, long nowNs) {
        rcv.frameTaken = false;
        counters.increment(Counter.TCP_SEGMENTS_IN);
        if (c.keepalive != null) {
            // Any segment from the peer shows it alive (RFC 1122 section 4.2.3.6).
            c.keepalive.heard(nowNs);
        }
        if (c.state == TcpState.SYN_SENT) {
            synSentArrives(seg, nowNs);
        } else if (c.state != TcpState.CLOSED) {
            otherArrives(seg, nowNs);
        }
        if (c.state != TcpState.CLOSED) {
            snd.output(nowNs);
            if (rcv.ackNow) {
                c.sendAck(nowNs);
            }
        }
        c.flushEvents();
        return rcv.frameTaken;
    }

    /** RFC 9293 section 3.10.7.3, SYN-SENT. */
    private void synSentArrives(Segment seg, long nowNs) {
        boolean ackAcceptable = false;
        if (seg.has(ACK)) {
            if (SeqNum.le(seg.ack, snd.iss) || SeqNum.gt(seg.ack, snd.max)) {
                if (!seg.has(RST)) {
                    c.sendReset(seg.ack, 0, RST, nowNs);
                }
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                return;
            }
            ackAcceptable = true;
        }
        if (seg.has(RST)) {
            // Only a RST that acknowledges our SYN is believed (RFC 5961 section 3.2).
            if (ackAcceptable) {
                counters.increment(Counter.TCP_RST_RECEIVED);
                teardown.fail(TcpError.REFUSED, nowNs);
            }
            return;
        }
        if (!seg.has(SYN)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_FLAGS);
            return;
        }
        synReceived(seg, nowNs);
        // Data on a SYN is not queued: the peer sends it again once we acknowledge the SYN only.
        if (ackAcceptable) {
            acknowledgeSyn(seg.ack, nowNs);
            establish(nowNs);
            rcv.ackNow = true;
        } else {
            // Simultaneous open (RFC 9293 section 3.5, figure 8): answer with SYN-ACK.
            c.state = TcpState.SYN_RECEIVED;
            snd.nxt = snd.iss;
        }
    }

    /** RFC 9293 section 3.10.7.4: SYN-RECEIVED and the synchronized states. */
    private void otherArrives(Segment seg, long nowNs) {
        if (c.state == TcpState.SYN_RECEIVED && seg.has(SYN) && !seg.has(RST) && rcv.isSyn(seg.seq)) {
            if (!seg.has(ACK)) {
                // Our SYN-ACK was lost and the peer repeated its SYN: repeat the SYN-ACK.
                snd.nxt = snd.iss;
            } else if (SeqNum.gt(seg.ack, snd.una) && SeqNum.le(seg.ack, snd.max)) {
                // Simultaneous open (RFC 9293 figure 8, line 5): the peer's SYN-ACK repeats
                // the SYN we have and acknowledges ours.
                acknowledgeSyn(seg.ack, nowNs);
                snd.window(seg.seq, seg.ack, seg.window);
                establish(nowNs);
                rcv.ackNow = true;
            } else {
                c.sendReset(seg.ack, 0, RST, nowNs);
            }
            return;
        }
        // PAWS (RFC 7323 section 5.3, R1) before the window test: an old duplicate is ACKed and dropped.
        if (options.pawsRejects(seg.options, seg.has(RST), nowNs)) {
            counters.increment(Counter.TCP_PAWS_REJECTED);
            rcv.ackNow = true;
            return;
        }
        // First: is the segment in the receive window?
        int window = rcv.window.remaining(rcv.nxt);
        boolean ackOnly = false;
        // A bare FIN at RCV.NXT takes no buffer space: accepted even by a zero window, as
        // Linux does, so that a peer closing towards a slow reader does not time out.
        boolean bareFin = window == 0 && seg.seq == rcv.nxt && seg.payloadLength == 0 && seg.has(FIN)
                && !seg.has(SYN) && !seg.has(RST);
        if (!bareFin && !rcv.acceptable(seg.seq, seg.sequenceLength(), window)) {
            if (seg.has(RST)) {
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                return;
            }
            if (window == 0 && seg.seq == rcv.nxt && seg.has(ACK) && !seg.has(SYN)) {
                // "Special allowance should be made to accept valid ACKs" with a zero window.
                ackOnly = true;
                rcv.ackNow = true;
            } else {
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                rcv.ackNow = true;
                return;
            }
        }
        // TS.Recent follows acceptable segments (RFC 7323 section 4.3, R3).
        options.updateRecent(seg.options, seg.seq, rcv.lastAckSent, nowNs);
        // Second: RST, accepted only at exactly RCV.NXT (RFC 5961 section 3.2).
        if (seg.has(RST)) {
            if (seg.seq != rcv.nxt) {
                challengeAck(nowNs);
                return;
            }
            teardown.resetArrived(nowNs);
            return;
        }
        // Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 section 4.2).
        if (seg.has(SYN)) {
            challengeAck(nowNs);
            return;
        }
        // Fifth: the ACK field.
        if (!seg.has(ACK)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_FLAGS);
            return;
        }
        if (c.state == TcpState.SYN_RECEIVED) {
            if (SeqNum.gt(seg.ack, snd.una) && SeqNum.le(seg.ack, snd.max)) {
                acknowledgeSyn(seg.ack, nowNs);
                snd.window(seg.seq, seg.ack, seg.window << options.sndShift());
                establish(nowNs);
            } else {
                c.sendReset(seg.ack, 0, RST, nowNs);
                return;
            }
        }
        if (!processAck(seg, nowNs) || ackOnly) {
            return;
        }
        // Seventh and eighth: the text and FIN.
        rcv.processText(seg, nowNs);
    }

    /** A challenge ACK (RFC 5961 sections 3.2, 4.2, 5.2), within the rate limit of section 7. */
    private void challengeAck(long nowNs) {
        if (challengeAcks.tryAcquire(nowNs, counters)) {
            rcv.ackNow = true;
        }
    }

    /**
     * RFC 9293 section 3.10.7.4, fifth step, for an ACK in a synchronized state.
     *
     * @return whether to go on with the segment's text
     */
    private boolean processAck(Segment seg, long nowNs) {
        int ack = seg.ack;
        // RFC 5961 section 5.2: acceptable is SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT;
        // anything else is dropped with a (rate-limited) challenge ACK.
        if (SeqNum.gt(ack, snd.max) || SeqNum.lt(ack, snd.una - snd.maxWnd)) {
            challengeAck(nowNs);
            return false;
        }
        snd.peerAnswered();
        int segWnd = seg.window << options.sndShift();
        boolean updateWindow = snd.windowUpdateFrom(seg.seq, ack);
        rtx.ackArrived(seg, segWnd, nowNs);
        if (updateWindow) {
            snd.window(seg.seq, ack, segWnd);
        }
        return teardown.ackProcessed(nowNs);
    }

    /** The peer's SYN arrived (passive open, or SYN-SENT): both sides' sequence spaces, MSS and options. */
    void synReceived(Segment seg, long nowNs) {
        rcv.synReceived(seg.seq);
        options.peerSyn(seg.options, nowNs);
        int peerMss = seg.mss > 0 ? seg.mss : TcpConnection.DEFAULT_MSS;
        // The MSS option counts no TCP options (RFC 6691): the timestamps every segment
        // carries come off the payload.
        snd.peerSyn(seg, Math.max(1, Math.min(c.ourMss, peerMss) - options.fixedOptionBytes()));
        rcv.mss = snd.mss;
    }

    /** The SYN we sent is acknowledged (active open's SYN-ACK, or the passive side's third ACK). */
    private void acknowledgeSyn(int ack, long nowNs) {
        snd.synAcknowledged(ack);
        rtx.synAcknowledged(ack, nowNs);
    }

    /**
     * The handshake completed: ESTABLISHED (or FIN-WAIT-1 when the application closed
     * meanwhile); the listener queues a passive connection for accept, an active one tells
     * the application it is connected.
     */
    private void establish(long nowNs) {
        c.state = TcpState.ESTABLISHED;
        if (c.keepalive != null) {
            c.keepalive.established(nowNs);
        }
        counters.increment(Counter.TCP_ESTABLISHED);
        if (snd.finQueued) {
            c.state = TcpState.FIN_WAIT_1;
        }
        if (c.passive) {
            if (c.parent != null) {
                c.parent.childEstablished(c);
            }
        } else {
            c.pendingEvents |= SocketEvents.CONNECTED | SocketEvents.WRITABLE;
        }
    }
}
