package io.bypass.stack.time;

/**
 * One timer, intrusive in its {@link TimerWheel} slot list so that scheduling and
 * cancelling allocate nothing. A socket holds one per purpose (retransmission, delayed
 * ACK, TIME_WAIT, ...), created with the socket.
 */
public final class Timer {
    final TimerHandler handler;
    Timer previous;
    Timer next;
    long deadlineNs;
    /** Index of the wheel list the timer is linked in, -1 when in none (see {@link TimerWheel}: a timer stays linked for a while after it is cancelled). */
    int slot = -1;
    /** Index in the {@link FarTimers} heap while the timer is held there, else -1. */
    int heapIndex = -1;
    /** Scheduled, as its owner sees it: it will fire at {@link #deadlineNs}. */
    boolean active;

    /** @param handler what to run on expiry */
    public Timer(TimerHandler handler) {
        this.handler = handler;
    }

    /** @return whether the timer is scheduled on a wheel */
    public boolean isScheduled() {
        return active;
    }

    /** @return the deadline it is scheduled for (meaningless when not scheduled) */
    public long deadlineNs() {
        return deadlineNs;
    }
}
