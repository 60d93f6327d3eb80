package io.bypass.provider;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Condition;

/**
 * One reason a blocking operation of one channel waits (readable; writable or connected;
 * acceptable): a condition of the engine's stack lock for waiters that park, an event
 * count that spinning waiters watch without the lock, and the number of parked waiters,
 * so that an event nobody parks for costs one counter store and no signal.
 *
 * <p>No lost wakeup (the invariant of {@link StackEngine}): {@link #signalLocked} runs under
 * the stack lock; a parking waiter counts itself and parks under the same lock
 * ({@link Condition#await} releases it atomically); a spinning waiter reads the count
 * before releasing the lock and stops spinning when it changes; a waiter that sleeps on a
 * link's doorbell instead of parking counts itself under the lock too, and a signal rings the
 * doorbell for it.
 */
final class WaitPoint {
    private static final VarHandle EVENTS;

    static {
        try {
            EVENTS = MethodHandles.lookup().findVarHandle(WaitPoint.class, "events", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Condition condition;
    /** The doorbell a waiter of this point may sleep on (its engine's device's), or null. */
    private final LinkBell bell;
    /** Waiters asleep on the doorbell instead of parked; guarded by the stack lock. */
    private int bellSleepers;
    /** Bumped by every event; written under the stack lock, read by spinning waiters without it. */
    private volatile int events;
    /** How a thread spinning for this wait point pauses. */
    final SpinPause spinPause = new SpinPause();
    /** Threads parked on {@link #condition}; guarded by the stack lock. */
    private int parked;
    /** Parks so far, a measure of how often spinning did not suffice; guarded by the stack lock. */
    private long parks;

    WaitPoint(Condition condition, LinkBell bell) {
        this.condition = condition;
        this.bell = bell;
    }

    /** Records an event and wakes the parked waiters, if any. Caller holds the stack lock. */
    void signalLocked() {
        // Only stack-lock holders write: a release store of the incremented value is enough,
        // and it makes the stack state the event reports visible to a spinner that sees it.
        EVENTS.setRelease(this, (int) EVENTS.get(this) + 1);
        if (parked > 0) {
            condition.signalAll();
        }
        if (bellSleepers > 0) {
            // The waiter sleeps on the link's doorbell (StackEngine#sleepOnBellLocked), not on the
            // condition: ring it from this side; a ring before its sleep makes the sleep return at once.
            bell.wakeSleeper();
        }
    }

    /** A waiter starts ({@code +1}) or ends ({@code -1}) a sleep on the doorbell; caller holds the stack lock. */
    void bellSleeperLocked(int delta) {
        bellSleepers += delta;
    }

    /** @return the event count, for a spinning waiter to compare against (no lock needed) */
    int events() {
        return events;
    }

    /** @return how many times a waiter parked here; caller holds the stack lock */
    long parksLocked() {
        return parks;
    }

    /**
     * Parks until signalled, interrupted or, when {@code timed}, until {@code deadlineNs}.
     * Caller holds the stack lock and holds it again on return.
     *
     * @throws InterruptedException when the thread is interrupted (its status is cleared)
     */
    void parkLocked(boolean timed, long deadlineNs) throws InterruptedException {
        parked++;
        parks++;
        try {
            if (!timed) {
                condition.await();
            } else {
                long remainingNs = deadlineNs - StackEngine.nowNs();
                if (remainingNs > 0) {
                    condition.awaitNanos(remainingNs);
                }
            }
        } finally {
            // await re-took the lock before returning or throwing.
            parked--;
        }
    }
}
