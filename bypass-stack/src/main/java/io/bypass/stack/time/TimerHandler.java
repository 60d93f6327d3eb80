package io.bypass.stack.time;

/** What a {@link Timer} does when it expires. Held in a field, created once per owner. */
@FunctionalInterface
public interface TimerHandler {
    /**
     * Called once per expiry, from {@link TimerWheel#advance}, with the time passed in there.
     * The timer is no longer scheduled at this point and may be scheduled again.
     *
     * @param nowNs the caller's current time
     */
    void onTimer(long nowNs);
}
