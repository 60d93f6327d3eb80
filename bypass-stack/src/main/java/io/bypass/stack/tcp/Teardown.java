package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.RST;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import io.bypass.stack.StackCounters;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;

/**
 * How a connection ends (RFC 9293 sections 3.6, 3.10.4, 3.10.5 and 3.10.7): the FIN we
 * queue and the states it leads through (FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK), the
 * peer's FIN, TIME-WAIT (left to a {@link TimeWait} record), the limit of an orphaned FIN-WAIT-2
 * (Linux's tcp_fin_timeout, as long as TIME-WAIT's 2 MSL), the resets we send and those we believe, and failure.
 *
 * <p>Closing with unread data, or data arriving after the application closed, resets the
 * peer instead of a FIN (RFC 2525 section 2.17): nobody will read it. Every way out ends in
 * {@link #enterClosed}, which stops the timers, gives the buffers back and unregisters the
 * connection from the layer exactly once.
 */
final class Teardown {
    private final TcpConnection c;
    private final TcpConfig config;
    private final StackCounters counters;
    private final TimerWheel timers;
    /** An orphaned FIN-WAIT-2's limit. */
    private final Timer waitTimer;

    Teardown(TcpConnection c, TcpLayer layer) {
        this.c = c;
        this.config = layer.config();
        this.counters = layer.counters();
        this.timers = layer.timers();
        this.waitTimer = new Timer(this::onWaitTimer);
    }

    // ------------------------------------------------------------------ the application closes

    /**
     * Closes gracefully: FIN after the queued data. If received data is left unread it is
     * discarded and the peer reset instead (RFC 2525 section 2.17, RFC 9293 section 3.10.4).
     */
    void close(long nowNs) {
        if (c.appClosed) {
            return;
        }
        c.appClosed = true;
        switch (c.state) {
            case CLOSED -> c.rcv.discardUnread();
            case SYN_SENT -> {
                // RFC 9293 section 3.10.4 deletes the TCB; but data already accepted by
                // write() is kept as a promise: it goes out, then the FIN, once established.
                if (c.snd.bufferedBytes() > 0) {
                    queueFin(nowNs);
                } else {
                    enterClosed(nowNs);
                }
            }
            case CLOSING, LAST_ACK -> c.rcv.discardUnread();
            default -> {
                if (c.rcv.holdsData()) {
                    resetPeer(nowNs);
                    enterClosed(nowNs);
                } else {
                    queueFin(nowNs);
                    if (c.state == TcpState.FIN_WAIT_2) {
                        startOrphanTimer(nowNs);
                    }
                }
            }
        }
    }

    /**
     * Aborts: RST now, everything queued discarded (RFC 9293 section 3.10.5; linger 0). A
     * connection already closed (by the peer, or into TIME-WAIT) still holds what it received
     * for the application to read: that goes now, since nobody will.
     */
    void abort(long nowNs) {
        c.appClosed = true;
        c.rcv.discardUnread();
        if (c.state != TcpState.CLOSED) {
            resetPeer(nowNs);
            counters.increment(Counter.TCP_ABORTS);
            enterClosed(nowNs);
        }
    }

    /** Queues our FIN after the data (RFC 9293 section 3.10.4): sent once established, or now. */
    void queueFin(long nowNs) {
        Sender snd = c.snd;
        if (snd.finQueued) {
            return;
        }
        switch (c.state) {
            case SYN_SENT, SYN_RECEIVED -> snd.finQueued = true;
            case ESTABLISHED -> {
                snd.finQueued = true;
                c.state = TcpState.FIN_WAIT_1;
                snd.output(nowNs);
            }
            case CLOSE_WAIT -> {
                snd.finQueued = true;
                c.state = TcpState.LAST_ACK;
                snd.output(nowNs);
            }
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------ segments

    /**
     * An acceptable ACK was processed (RFC 9293 section 3.10.7.4, fifth step): if it covers
     * our FIN, FIN-WAIT-1 goes on to FIN-WAIT-2, CLOSING to TIME-WAIT, LAST-ACK to CLOSED.
     *
     * @return false when the connection closed and the segment's text is not looked at
     */
    boolean ackProcessed(long nowNs) {
        Sender snd = c.snd;
        if (!snd.finQueued) {
            // Every transition below needs our FIN acknowledged: the common case ends here.
            return true;
        }
        boolean finAcked = snd.finQueued && snd.una == snd.finSeq() + 1;
        switch (c.state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    c.state = TcpState.FIN_WAIT_2;
                    if (c.appClosed) {
                        startOrphanTimer(nowNs);
                    }
                }
            }
            case CLOSING -> {
                if (finAcked) {
                    enterTimeWait(nowNs);
                    return false;
                }
            }
            case LAST_ACK -> {
                if (finAcked) {
                    enterClosed(nowNs);
                    return false;
                }
            }
            default -> {
            }
        }
        return true;
    }

    /** The peer's FIN is in sequence (RFC 9293 section 3.10.7.4, eighth step). */
    void peerFin(long nowNs) {
        switch (c.state) {
            case ESTABLISHED -> c.state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> c.state = TcpState.CLOSING;
            case FIN_WAIT_2 -> enterTimeWait(nowNs);
            default -> {
            }
        }
    }

    /**
     * An acceptable RST (at exactly RCV.NXT, RFC 5961 section 3.2) in SYN-RECEIVED or a
     * synchronized state (RFC 9293 section 3.10.7.4, second step): a passive open goes back
     * quietly, an active one is refused, an established one reset; a closing one just ends.
     */
    void resetArrived(long nowNs) {
        counters.increment(Counter.TCP_RST_RECEIVED);
        switch (c.state) {
            case SYN_RECEIVED -> {
                if (c.passive) {
                    enterClosed(nowNs);
                } else {
                    fail(TcpError.REFUSED, nowNs);
                }
            }
            case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT -> fail(TcpError.RESET, nowNs);
            default -> enterClosed(nowNs);
        }
    }

    /** Sends RST as ABORT and an unread close do (RFC 9293 section 3.10.5); SND.MAX as a pure ACK carries. */
    void resetPeer(long nowNs) {
        TcpState state = c.state;
        if (state == TcpState.SYN_RECEIVED || state.synchronizedState()) {
            c.transmit(c.snd.max, RST | ACK, 0, 0, nowNs);
        }
    }

    // ------------------------------------------------------------------ TIME-WAIT

    private void startOrphanTimer(long nowNs) {
        // Linux's tcp_fin_timeout: an orphaned FIN-WAIT-2 must not wait for ever.
        timers.schedule(waitTimer, nowNs + config.timeWaitNs());
    }

    /**
     * TIME-WAIT (RFC 9293 section 3.6): the ACK of the peer's FIN goes out if owed, then the
     * connection closes and leaves a {@link TimeWait} record in the layer for the 2 MSL wait,
     * as Linux does; {@link TcpConnection#state()} reports TIME-WAIT while the record lives.
     * With the layer's TIME-WAIT table full ({@link TcpConfig#maxTimeWait}) there is no
     * record, as Linux keeps none beyond {@code tcp_max_tw_buckets}.
     */
    void enterTimeWait(long nowNs) {
        if (c.rcv.ackNow) {
            c.sendAck(nowNs);
        }
        if (!c.layer.timeWaitHasRoom()) {
            counters.increment(Counter.TCP_TIME_WAIT_OVERFLOW);
            enterClosed(nowNs);
            return;
        }
        TimeWait tw = new TimeWait(c);
        c.timeWait = tw;
        enterClosed(nowNs);
        c.layer.timeWaitStarted(tw, nowNs);
    }

    private void onWaitTimer(long nowNs) {
        if (c.state == TcpState.FIN_WAIT_2) {
            enterClosed(nowNs);
        }
        c.flushEvents();
    }

    // ------------------------------------------------------------------ failing and closed

    /**
     * The retransmission limit is reached: a half-open passive connection that never
     * completed vanishes quietly; any other fails, with the soft error an ICMP message
     * reported if there was one (RFC 1122 section 4.2.3.9).
     */
    void retriesExhausted(long nowNs) {
        if (c.passive && !c.snd.synAcked) {
            enterClosed(nowNs);
        } else {
            fail(c.softError != TcpError.NONE ? c.softError : TcpError.TIMED_OUT, nowNs);
        }
    }

    /** The connection failed for {@code why}: unread data is lost, the application sees the error. */
    void fail(TcpError why, long nowNs) {
        c.error = why;
        counters.increment(Counter.TCP_ABORTS);
        c.rcv.discardUnread();
        if (!c.passive && !c.snd.synAcked) {
            c.pendingEvents |= SocketEvents.CONNECTED;
        }
        c.pendingEvents |= SocketEvents.ERROR;
        enterClosed(nowNs);
    }

    /** CLOSED: timers stopped, buffers given back, unregistered from the layer; once. */
    void enterClosed(long nowNs) {
        if (c.state == TcpState.CLOSED) {
            return;
        }
        c.state = TcpState.CLOSED;
        c.rtx.stop();
        timers.release(waitTimer);
        c.stopKeepalive();
        c.rcv.closed(c.appClosed || c.error != TcpError.NONE);
        c.snd.releaseBuffer();
        c.layer.unregister(c);
        c.pendingEvents |= SocketEvents.CLOSED | SocketEvents.READABLE;
    }
}
