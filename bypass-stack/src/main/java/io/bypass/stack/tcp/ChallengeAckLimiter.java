package io.bypass.stack.tcp;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;

/**
 * The rate limit of RFC 5961 section 7: a connection sends at most
 * {@link TcpConfig#challengeAcksPerSecond()} challenge ACKs per second, so that a blind
 * attacker cannot turn our RFC 5961 answers into an amplifier (or a side channel). The
 * budget is per connection: RFC 5961 section 10 asks implementers to weigh a global budget
 * against its side channel (CVE-2016-5696 against Linux's global limit), and a per-connection
 * one has none.
 */
final class ChallengeAckLimiter {
    private static final long SECOND_NS = 1_000_000_000L;

    private final int perSecond;
    private long windowStartNs;
    private int sent;
    private boolean started;

    ChallengeAckLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    /**
     * @return whether a challenge ACK may go now (and counts it, here and as
     *         {@link Counter#TCP_CHALLENGE_ACKS}; a refusal as {@link Counter#TCP_CHALLENGE_ACKS_LIMITED})
     */
    boolean tryAcquire(long nowNs, StackCounters counters) {
        boolean allowed = tryAcquire(nowNs);
        counters.increment(allowed ? Counter.TCP_CHALLENGE_ACKS : Counter.TCP_CHALLENGE_ACKS_LIMITED);
        return allowed;
    }

    private boolean tryAcquire(long nowNs) {
        if (!started || nowNs - windowStartNs >= SECOND_NS) {
            started = true;
            windowStartNs = nowNs;
            sent = 0;
        }
        if (sent >= perSecond) {
            return false;
        }
        sent++;
        return true;
    }
}
