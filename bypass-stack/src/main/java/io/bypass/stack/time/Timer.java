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
    /** Slot index while scheduled, -1 otherwise. */
    int slot = -1;

    /** @param handler what to run on expiry */
    public Timer(TimerHandler handler) {
        this.handler = handler;
    }

    /** @return whether the timer is scheduled on a wheel */
    public boolean isScheduled() {
        return slot >= 0;
    }

    /** @return the deadline it is scheduled for (meaningless when not scheduled) */
    public long deadlineNs() {
        return deadlineNs;
    }
}
