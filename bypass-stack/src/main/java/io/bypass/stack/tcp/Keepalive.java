package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;

/**
 * Keep-alive state of one connection (RFC 1122 section 4.2.3.6), with Linux's knobs:
 * SO_KEEPALIVE ({@link #enabled}), TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT. After
 * {@code idleNs} without hearing from the peer a probe goes out, then one every
 * {@code intervalNs}; when {@code count} probes went unanswered the connection is dropped.
 *
 * <p>Created only for a connection whose application asks for keep-alive, so that an idle
 * connection without it pays nothing for it. Arrival of a segment only stores the time
 * ({@link #heard}); the timer checks on expiry whether the connection was really idle and
 * otherwise sleeps again until the new idle deadline, so the data path does not touch the
 * timer wheel (Linux's tcp_keepalive_timer works the same way).
 *
 * <p>Probes are SEG.SEQ = SND.NXT - 1 with no data, which the peer must answer with an ACK.
 * While data is outstanding or waiting for a window the retransmission and persist timers
 * watch the peer instead (as in Linux).
 */
final class Keepalive {
    /** What the timer should do now: see {@link #due}. */
    static final int WAIT = 0;
    /** Send a probe and come back after the interval. */
    static final int PROBE = 1;
    /** Too many probes went unanswered: drop the connection. */
    static final int GIVE_UP = 2;

    private final TcpConnection c;
    private final TimerWheel timers;
    private final StackCounters counters;
    private final Timer timer;
    boolean enabled;
    private long idleNs;
    private long intervalNs;
    private int count;
    private long lastHeardNs;
    private int probesSent;

    Keepalive(TcpConnection c, TcpLayer layer, long nowNs) {
        this.c = c;
        this.timers = layer.timers();
        this.counters = layer.counters();
        this.timer = new Timer(this::onTimer);
        TcpConfig config = layer.config();
        this.idleNs = config.keepAliveIdleNs();
        this.intervalNs = config.keepAliveIntervalNs();
        this.count = config.keepAliveCount();
        this.lastHeardNs = nowNs;
    }

    /** SO_KEEPALIVE on or off: on, the idle period starts now. */
    void enable(boolean on, long nowNs) {
        enabled = on;
        heard(nowNs);
        if (on) {
            arm(idleDeadlineNs());
        } else {
            timers.cancel(timer);
        }
    }

    /**
     * Sets TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT; they apply from the next idle period.
     *
     * @throws IllegalArgumentException naming the bad setting
     */
    void times(long idleNs, long intervalNs, int count) {
        if (idleNs <= 0 || intervalNs <= 0 || count < 1 || count > 255) {
            throw new IllegalArgumentException("keep-alive idle " + idleNs + " ns, interval " + intervalNs
                    + " ns, count " + count);
        }
        this.idleNs = idleNs;
        this.intervalNs = intervalNs;
        this.count = count;
    }

    /** The connection is established: if keep-alive is on, the first idle period starts now. */
    void established(long nowNs) {
        if (enabled) {
            heard(nowNs);
            arm(idleDeadlineNs());
        }
    }

    /** The connection closed: no more probes, and the wheel lets go of the timer ({@link TimerWheel#release}). */
    void stop() {
        timers.release(timer);
    }

    /** A segment came from the peer: the connection is alive, unanswered probes are forgotten. */
    void heard(long nowNs) {
        lastHeardNs = nowNs;
        probesSent = 0;
    }

    /** @return {@link #WAIT}, {@link #PROBE} or {@link #GIVE_UP} for a timer expiring at {@code nowNs} */
    int due(long nowNs) {
        if (probesSent == 0) {
            return idleDeadlineNs() - nowNs > 0 ? WAIT : PROBE;
        }
        return probesSent >= count ? GIVE_UP : PROBE;
    }

    /** A probe went out. */
    void probed() {
        probesSent++;
    }

    /** @return when the connection will have been idle long enough for the first probe */
    long idleDeadlineNs() {
        return lastHeardNs + idleNs;
    }

    /** @return probes sent since the peer was last heard */
    int probesSent() {
        return probesSent;
    }

    /** Sets the timer, in the states where the peer owes us answers: from ESTABLISHED until TIME-WAIT. */
    private void arm(long deadlineNs) {
        TcpState state = c.state;
        if (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT || state == TcpState.FIN_WAIT_1
                || state == TcpState.FIN_WAIT_2 || state == TcpState.CLOSING || state == TcpState.LAST_ACK) {
            timers.schedule(timer, deadlineNs);
        }
    }

    /** RFC 1122 section 4.2.3.6: probe after the idle time, then every interval, until the count runs out. */
    private void onTimer(long nowNs) {
        if (!enabled) {
            return;
        }
        Sender snd = c.snd;
        if (snd.max != snd.una || c.rtx.persisting) {
            arm(nowNs + idleNs);
            return;
        }
        switch (due(nowNs)) {
            case WAIT -> arm(idleDeadlineNs());
            case PROBE -> {
                counters.increment(Counter.TCP_KEEPALIVE_PROBES);
                probed();
                c.transmit(snd.max - 1, ACK, 0, 0, nowNs);
                arm(nowNs + intervalNs);
            }
            default -> {
                counters.increment(Counter.TCP_KEEPALIVE_TIMEOUTS);
                c.teardown.fail(TcpError.TIMED_OUT, nowNs);
            }
        }
        c.flushEvents();
    }
}
