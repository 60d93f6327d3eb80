package io.bypass.link.dpdk;

/**
 * What a test's busy poll loop does after a poll that moved nothing: {@link #SPIN} goes
 * straight on, {@link #YIELD} offers the CPU first ({@code sched_yield}), as the provider's
 * selector and link helper do. On a machine with fewer free cores than spinning threads, a
 * spinning side burns the time slice its peer needs to answer; yielding hands it over.
 */
enum IdlePolicy {
    /** Poll again at once. */
    SPIN,
    /** {@link Thread#yield()} before the next poll. */
    YIELD;

    /** Called after a poll that received nothing and queued nothing. */
    void idle() {
        if (this == YIELD) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }
}
