package io.bypass.link.dpdk;

/**
 * Gaps longer than {@link #STALL_NS} between consecutive iterations of a busy poll loop:
 * time its thread did not run (descheduled by the kernel, or stopped for the JVM), which a
 * loop that only polls and copies cannot spend otherwise. When they add up to most of a
 * transfer's time, the machine's scheduler, not the link, set its pace. Allocation-free.
 */
final class PollStalls {
    /** A gap longer than this is a stall: a poll iteration itself takes microseconds. */
    static final long STALL_NS = 1_000_000L;

    private long lastNs;
    private long count;
    private long totalNs;
    private long longestNs;

    /** Notes one iteration of the loop at {@code nowNs}. */
    void iteration(long nowNs) {
        long gapNs = nowNs - lastNs;
        if (lastNs != 0 && gapNs > STALL_NS) {
            count++;
            totalNs += gapNs;
            longestNs = Math.max(longestNs, gapNs);
        }
        lastNs = nowNs;
    }

    /** @return e.g. {@code 310 stalls over 1 ms, 2,519 ms in all, longest 87 ms} */
    @Override
    public String toString() {
        return String.format("%d stalls over 1 ms, %,d ms in all, longest %d ms", count, totalNs / 1_000_000,
                longestNs / 1_000_000);
    }
}
