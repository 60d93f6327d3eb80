package io.bypass.stack.tcp;

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

    /** @return whether a challenge ACK may go now (and counts it) */
    boolean tryAcquire(long nowNs) {
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
