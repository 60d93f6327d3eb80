package io.bypass.stack.tcp;

import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerHandler;

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
 */
final class Keepalive {
    /** What the timer should do now: see {@link #due}. */
    static final int WAIT = 0;
    /** Send a probe and come back after the interval. */
    static final int PROBE = 1;
    /** Too many probes went unanswered: drop the connection. */
    static final int GIVE_UP = 2;

    final Timer timer;
    boolean enabled;
    long idleNs;
    long intervalNs;
    int count;
    private long lastHeardNs;
    private int probesSent;

    Keepalive(TimerHandler handler, TcpConfig config, long nowNs) {
        this.timer = new Timer(handler);
        this.idleNs = config.keepAliveIdleNs();
        this.intervalNs = config.keepAliveIntervalNs();
        this.count = config.keepAliveCount();
        this.lastHeardNs = nowNs;
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
}
