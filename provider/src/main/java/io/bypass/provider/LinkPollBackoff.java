package io.bypass.provider;

/**
 * How long a link engine's helper waits before it looks at a device without a doorbell
 * again (TAP, DPDK): interrupt moderation, done by hand ({@link StackEngine}'s class comment).
 * <ul>
 * <li>A look that found frames or timers: at once again, unless other threads poll or watch
 *     the device too (then after {@link StackEngine#LINK_POLL_MIN_NS}: they take the frames).
 * <li>A look that found nothing: twice the last wait, from {@link StackEngine#LINK_POLL_MIN_NS}
 *     up to {@link StackEngine#LINK_POLL_MAX_NS}, or up to
 *     {@link StackEngine#LINK_LOOK_WATCHED_NS} while other threads are active on the device.
 * <li>After a thread of ours parked on the engine: from {@link StackEngine#LINK_POLL_MIN_NS}
 *     again. It has usually just sent something whose answer is due within a round trip, and
 *     a wait doubled up to a millisecond made every answer later than its spin that much later.
 * </ul>
 * Used by the helper thread only.
 */
final class LinkPollBackoff {
    private long waitNs = StackEngine.LINK_POLL_MIN_NS;

    /**
     * @param foundWork    whether the look polled frames or timers
     * @param othersAround whether other threads polled the device since the last look or watch it
     * @param othersActive whether they do so with none of ours parked (they take the frames)
     * @param threadParked whether a thread parked on the engine since the last look
     * @return how long to wait before the next look, 0 for at once
     */
    long afterLook(boolean foundWork, boolean othersAround, boolean othersActive, boolean threadParked) {
        if (foundWork) {
            waitNs = othersAround ? StackEngine.LINK_POLL_MIN_NS : 0;
        } else if (threadParked) {
            waitNs = StackEngine.LINK_POLL_MIN_NS;
        } else {
            long maxNs = othersActive ? StackEngine.LINK_LOOK_WATCHED_NS : StackEngine.LINK_POLL_MAX_NS;
            waitNs = Math.min(maxNs, Math.max(StackEngine.LINK_POLL_MIN_NS, 2 * waitNs));
        }
        return waitNs;
    }
}
