package io.bypass.stack.icmp;

/**
 * A token bucket driven by the caller's time: {@code ratePerSecond} tokens a second, at
 * most {@code burst} saved up. Credit is kept in nanoseconds (one token costs
 * {@code 1e9 / ratePerSecond} ns), so refilling is one subtraction and no division.
 */
public final class RateLimiter {
    private final long tokenCostNs;
    private final long maxCreditNs;
    private long creditNs;
    private long lastNs;

    /**
     * @param ratePerSecond sustained tokens per second
     * @param burst         tokens that may be spent back to back (the bucket starts full)
     * @param startNs       the caller's time now
     */
    public RateLimiter(int ratePerSecond, int burst, long startNs) {
        this.tokenCostNs = Math.max(1, 1_000_000_000L / ratePerSecond);
        this.maxCreditNs = tokenCostNs * burst;
        this.creditNs = maxCreditNs;
        this.lastNs = startNs;
    }

    /** @return whether a token was available at {@code nowNs} (it is spent) */
    public boolean tryAcquire(long nowNs) {
        long elapsedNs = nowNs - lastNs;
        if (elapsedNs > 0) {
            lastNs = nowNs;
            // Capped before adding, so that a long idle time cannot overflow the credit.
            creditNs = Math.min(maxCreditNs, creditNs + Math.min(elapsedNs, maxCreditNs));
        }
        if (creditNs < tokenCostNs) {
            return false;
        }
        creditNs -= tokenCostNs;
        return true;
    }
}
