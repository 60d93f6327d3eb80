package io.bypass.provider;

import io.bypass.stack.link.Link;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Who of a link engine sleeps on its device's doorbell ({@link Link#awaitFrames}, the shm
 * link's futex word). The device wakes one sleeper, so at most one thread of the engine sleeps
 * on it at a time: a blocked application thread (a read, accept, connect or select), which
 * then polls itself, one wake-up per frame; or, when no thread has wanted it for
 * {@link StackEngine#LINK_POLL_MAX_NS}, the engine's helper. Others park on their wait points
 * and the sleeper's poll signals them (see {@link StackEngine}, the order of preference).
 */
final class LinkBell {
    /** Nobody sleeps on the doorbell. */
    private static final int FREE = 0;
    /** The helper sleeps on it (nobody else waits for the engine, or they park). */
    private static final int HELPER = 1;
    /** A blocked application thread sleeps on it. */
    private static final int THREAD = 2;
    /**
     * The longest doorbell sleep of an application thread: every event that can end its wait
     * rings the bell, so this only bounds the harm of a wake-up path we do not know of.
     */
    private static final long THREAD_SLEEP_MAX_NS = TimeUnit.SECONDS.toNanos(1);

    private final Link device;
    /** Whether the engine runs: checked after a take, since shutdown clears it and then waits for the bell ({@link #awaitFree}). */
    private final BooleanSupplier running;
    /** {@link #FREE}, {@link #HELPER} or {@link #THREAD}. */
    private final AtomicInteger owner = new AtomicInteger(FREE);
    /**
     * When an application thread last wanted the doorbell (slept on it, or found the helper on
     * it): the helper keeps off it for {@link StackEngine#LINK_POLL_MAX_NS} after, so that
     * blocked threads get it and a frame costs one wake-up, theirs, not the helper's and then theirs.
     */
    private volatile long threadWantedNs = Long.MIN_VALUE / 2;
    /** Doorbell sleeps of blocked application threads (waits and selects), each instead of a park. */
    private final AtomicLong threadSleeps = new AtomicLong();

    /**
     * @param device  a device that can block for frames ({@link Link#canAwaitFrames})
     * @param running whether the engine runs
     */
    LinkBell(Link device, BooleanSupplier running) {
        this.device = device;
        this.running = running;
    }

    /**
     * For a blocked application thread: takes the bell when nobody of ours sleeps on it, asking
     * the helper for it first if it does. Virtual threads never take it: the sleep is a system
     * call, which would pin their carrier; they park, and the sleeper signals them.
     * Release with {@link #releaseByThread} (or {@link #release} without having slept).
     */
    boolean takeForThread() {
        if (Thread.currentThread().isVirtual()) {
            return false;
        }
        long nowNs = StackEngine.nowNs();
        threadWantedNs = nowNs;
        if (owner.get() == HELPER) {
            // Ask the helper for it: woken, it gives the bell back, polls, and keeps off it
            // while threads want it. Wait for that a little; if the helper is slow to run, park
            // this once (its poll signals this thread).
            device.wakeAwaiter();
            long untilNs = nowNs + StackEngine.LINK_POLL_MIN_NS;
            while (owner.get() == HELPER && StackEngine.nowNs() - untilNs < 0) {
                Thread.yield();
            }
        }
        return take(THREAD);
    }

    /** For the helper: takes the bell when no application thread has wanted it lately and it is free. Release with {@link #release}. */
    boolean takeForHelper(long nowNs) {
        return nowNs - threadWantedNs > StackEngine.LINK_POLL_MAX_NS && take(HELPER);
    }

    private boolean take(int who) {
        if (owner.get() != FREE || !owner.compareAndSet(FREE, who)) {
            return false;
        }
        // After the CAS: shutdown clears running and then waits for the bell to be free.
        if (!running.getAsBoolean()) {
            owner.set(FREE);
            return false;
        }
        return true;
    }

    /** An application thread holding the bell sleeps until the peer transmits, {@link #wakeSleeper} or {@code timeoutNs} (at most a second). */
    void sleepAsThread(long timeoutNs) {
        threadSleeps.incrementAndGet();
        device.awaitFrames(Math.min(THREAD_SLEEP_MAX_NS, timeoutNs));
    }

    /** The helper holding the bell sleeps until the peer transmits, it is woken or {@code timeoutNs}. */
    void sleepAsHelper(long timeoutNs) {
        device.awaitFrames(timeoutNs);
    }

    /** @return whether a blocked application thread holds the bell (sleeps on it, or is about to; a hint for the helper) */
    boolean heldByThread() {
        return owner.get() == THREAD;
    }

    /** Gives the bell back. */
    void release() {
        owner.set(FREE);
    }

    /** An application thread gives the bell back after its sleep; the helper keeps off it for a while. */
    void releaseByThread() {
        threadWantedNs = StackEngine.nowNs();
        owner.set(FREE);
    }

    /** Ends the current or next doorbell sleep (any thread, with or without the stack lock). */
    void wakeSleeper() {
        device.wakeAwaiter();
    }

    /** Wakes the helper if it sleeps on the bell (a spinner took over, a timer moved earlier). */
    void wakeHelper() {
        if (owner.get() == HELPER) {
            device.wakeAwaiter();
        }
    }

    /** Waits until nobody sleeps on the bell, waking the sleeper: it holds the device's memory (its futex word). */
    void awaitFree() {
        while (owner.get() != FREE) {
            device.wakeAwaiter();
            Thread.yield();
        }
    }

    /** @return doorbell sleeps of blocked application threads so far */
    long threadSleeps() {
        return threadSleeps.get();
    }
}
