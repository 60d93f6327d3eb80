package io.bypass.link;

/**
 * The handshake between a thread about to sleep in {@code ppoll(2)} on a device's descriptors
 * (a link's {@code awaitFrames}) and the threads that wake it ({@code wakeAwaiter}), so that a
 * wake-up that comes just before the sleep is not lost: the waker sets {@code wakePending} and
 * then reads {@code sleeping}, the sleeper sets {@code sleeping} and then reads {@code
 * wakePending}, so one of them sees the other (volatile accesses are sequentially consistent).
 * Either the sleeper does not sleep, or the waker writes the device's eventfd, which stays
 * readable until a {@code ppoll} takes it, before or during the sleep.
 *
 * <p>One thread sleeps at a time (the link contract); any thread may wake.
 */
public final class SleepHandshake {
    /** A thread is in a sleep, or about to be. */
    private volatile boolean sleeping;
    /** A wake-up came since the last sleep began: the next one ends at once. */
    private volatile boolean wakePending;

    /**
     * Announces a sleep. When it returns true, sleep and then call {@link #endSleep}, also
     * when the sleep fails.
     *
     * @return false when a wake-up came first: do not sleep (nothing to end)
     */
    public boolean beginSleep() {
        sleeping = true;
        if (wakePending) {
            wakePending = false;
            sleeping = false;
            return false;
        }
        return true;
    }

    /**
     * The sleep ended. {@code wakePending} clears before {@code sleeping} does: a wake-up in
     * between still finds the sleeper announced and writes the eventfd, which the next sleep
     * takes at once; a later one leaves {@code wakePending} for the next sleep.
     */
    public void endSleep() {
        wakePending = false;
        sleeping = false;
    }

    /**
     * Records a wake-up for the current or next sleep.
     *
     * @return whether a thread sleeps or is about to: then write the device's eventfd
     */
    public boolean wake() {
        wakePending = true;
        return sleeping;
    }
}
