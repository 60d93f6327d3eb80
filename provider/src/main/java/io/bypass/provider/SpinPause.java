package io.bypass.provider;

/**
 * The pause between two looks of a spinning waiter (a selector, or a blocking operation
 * under {@code bypass.spin}): mostly {@link Thread#onSpinWait}, and a {@link Thread#yield}
 * every so often, how often adapting to whether the thread that will end the wait runs on
 * another CPU or waits for this one.
 *
 * <p>Why both: on a CPU of its own a spinner should see the peer's data within tens of
 * nanoseconds, and {@code sched_yield} is a system call of about 0.5 us (measured on the
 * 2-CPU KVM development machine) that delays it; but when the peer thread waits for this
 * very CPU (fewer free CPUs than spinning threads), only a yield lets it run before the time
 * slice ends, and every pause without one delays it. Measured on that machine: two threads
 * handing a volatile back and forth took 0.23 us per round trip with onSpinWait and 2.7 us
 * with a yield in every pause; and a selector that never yielded made a loaded machine's
 * round trip 100 us (the whole spin time, twice).
 *
 * <p>The evidence: a wait that ends right after a yield was probably ended by a thread that
 * ran in our place, so yield sooner; one that ends between two yields was ended from another
 * CPU, so yield later. A yield that returns at once (nobody else wanted the CPU) also says
 * yield later: that is how a waiter that yields at every pause finds out that the CPUs have
 * become free.
 *
 * <p>One instance per waiter; its state is a hint, so racing waiters may share one.
 */
final class SpinPause {
    /** The most pauses between two yields (a power of two). */
    static final int MAX_PAUSES_PER_YIELD = 64;
    /** A yield shorter than this ran nobody else (a bare system call takes about 0.5 us on KVM). */
    static final long IDLE_YIELD_NS = 1_000;

    /** Pauses per yield, a power of two in 1..MAX_PAUSES_PER_YIELD. */
    private int pausesPerYield = 16;
    /** Whether the last pause was a yield. */
    private boolean yielded;

    /** Pauses once; {@code spins} counts the pauses of this wait so far. */
    void pause(int spins) {
        int every = pausesPerYield;
        if ((spins & (every - 1)) != every - 1) {
            yielded = false;
            Thread.onSpinWait();
            return;
        }
        yielded = true;
        long startNs = System.nanoTime();
        Thread.yield();
        if (System.nanoTime() - startNs < IDLE_YIELD_NS) {
            pausesPerYield = Math.min(MAX_PAUSES_PER_YIELD, every << 1);
        }
    }

    /** The wait ended because what it waited for happened (not by its time, a wakeup or an interrupt). */
    void ended() {
        int every = pausesPerYield;
        pausesPerYield = yielded ? Math.max(1, every >> 1) : Math.min(MAX_PAUSES_PER_YIELD, every << 1);
    }
}
