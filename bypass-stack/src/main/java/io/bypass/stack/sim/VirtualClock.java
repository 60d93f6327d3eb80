package io.bypass.stack.sim;

/**
 * Simulated time in nanoseconds. Only the simulation driver moves it, and only forwards.
 */
public final class VirtualClock {
    private long nowNs;

    /** @param startNs the time the simulation starts at */
    public VirtualClock(long startNs) {
        this.nowNs = startNs;
    }

    /** @return the current simulated time */
    public long nowNs() {
        return nowNs;
    }

    /**
     * Moves time to {@code targetNs}.
     *
     * @throws IllegalArgumentException if that would move time backwards
     */
    public void advanceTo(long targetNs) {
        if (targetNs < nowNs) {
            throw new IllegalArgumentException("time cannot go back: " + targetNs + " < " + nowNs);
        }
        nowNs = targetNs;
    }
}
