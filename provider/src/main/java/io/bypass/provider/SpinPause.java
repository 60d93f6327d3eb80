package io.bypass.provider;

/**
 * The pause between two looks of a spinning waiter (a selector, or a blocking operation
 * under {@code bypass.spin}): mostly {@link Thread#onSpinWait}, and a {@link Thread#yield}
 * every so often, how often adapting to whether this CPU is shared.
 *
 * <p>Why both: on a CPU of its own a spinner should see the peer's data within tens of
 * nanoseconds, and {@code sched_yield} is a system call of about 0.5 us (measured on the
 * 2-CPU KVM development machine) that would delay it; but when the peer thread waits for
 * this very CPU (fewer free CPUs than spinning threads), only a yield lets it run before
 * the time slice ends, and every pause without one delays the peer. A yield that took long
 * gave the CPU to another thread, which says the CPU is shared: yield sooner. A quick one
 * found nobody waiting: spin longer between yields. Measured with ProviderBench (see the
 * README): never yielding made a loaded machine's round trip 100 us (the whole spin time,
 * twice); yielding at every pause cost about 2 us per hand-off on a machine with free CPUs.
 *
 * <p>One instance per waiter; its state is a hint, so racing waiters may share one.
 */
final class SpinPause {
    /** The most pauses between two yields (a power of two). */
    static final int MAX_PAUSES_PER_YIELD = 64;
    /** A yield longer than this ran another thread on this CPU (a bare system call takes about 0.5 us on KVM). */
    static final long SHARED_YIELD_NS = 2_000;

    /** Pauses per yield, a power of two in 1..MAX_PAUSES_PER_YIELD. */
    private int pausesPerYield = 16;

    /** Pauses once; {@code spins} counts the pauses of this wait so far. */
    void pause(int spins) {
        int every = pausesPerYield;
        if ((spins & (every - 1)) != every - 1) {
            Thread.onSpinWait();
            return;
        }
        long startNs = System.nanoTime();
        Thread.yield();
        boolean shared = System.nanoTime() - startNs > SHARED_YIELD_NS;
        pausesPerYield = shared ? Math.max(1, every >> 1) : Math.min(MAX_PAUSES_PER_YIELD, every << 1);
    }
}
