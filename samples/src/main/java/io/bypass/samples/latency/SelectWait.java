package io.bypass.samples.latency;

import java.io.IOException;
import java.nio.channels.Selector;

/**
 * How an event loop waits for its selector: block in {@code select()} (what most
 * applications do, and the kernel baseline of the benchmarks), or busy-poll with
 * {@code selectNow()} (what a latency-tuned application does on the kernel, as Linux's
 * {@code SO_BUSY_POLL} or a spinning Netty event loop would; the fair baseline beside a
 * Bypass selector that spins). Works on any provider.
 */
public enum SelectWait {
    /** {@code select()}: the thread sleeps until a key is ready (on the kernel: epoll_wait). */
    BLOCK,
    /**
     * {@code selectNow()} in a loop, {@code Thread.onSpinWait()} between empty polls: the
     * thread never sleeps, so no wake-up (and, on a VM, no halted vCPU to wake) is on the
     * round trip's path; it costs a core per event loop.
     */
    BUSY_POLL;

    /**
     * Waits until at least one key is selected.
     *
     * @param selector the event loop's selector; the caller clears or drains its selected-key set
     * @return the number of keys whose ready set was updated ({@link #BLOCK} may return 0
     *         after a wakeup, as {@code select()} does)
     * @throws IOException if the selector fails
     */
    public int select(Selector selector) throws IOException {
        if (this == BLOCK) {
            return selector.select();
        }
        int n;
        while ((n = selector.selectNow()) == 0) {
            // The selected-key set is drained by the caller after each wait, so 0 means nothing is
            // ready (not "ready but already selected"): poll again.
            Thread.onSpinWait();
        }
        return n;
    }

    /** @return the name used in output lines: {@code select} or {@code busy-poll} */
    public String label() {
        return this == BLOCK ? "select" : "busy-poll";
    }
}
