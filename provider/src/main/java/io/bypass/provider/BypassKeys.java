package io.bypass.provider;

import java.nio.channels.SelectionKey;

/**
 * Bypass's public extension to {@link SelectionKey}: edge-triggered readiness per key, as
 * epoll's {@code EPOLLET}. java.nio selectors are level-triggered: a key whose condition
 * still holds is selected again by every select. An edge-triggered key is selected once
 * per new readiness edge reported by its socket for one of its interest operations (data
 * arrived, send space was freed, a connection is ready to accept, the connect finished, or
 * the connection closed or failed), and not again until the next edge, even while it stays
 * ready; so the application must drain it (read until 0, write until full) before the next
 * select, or it waits for another edge. Turning the mode on, and any change of the interest
 * set, reports the current readiness once, as {@code EPOLL_CTL_MOD} does.
 *
 * <p>Applies to keys of a Bypass selector whose channel runs on the stack; a channel that
 * runs on the kernel (through the inner JDK selector) stays level-triggered.
 */
public final class BypassKeys {
    private BypassKeys() {
    }

    /**
     * Sets or clears edge-triggered mode on a key.
     *
     * @param key a key of a Bypass selector
     * @param on  true for edge-triggered, false for level-triggered (the default)
     * @throws IllegalArgumentException when the key is not a Bypass selector's
     * @throws java.nio.channels.CancelledKeyException when the key is cancelled
     */
    public static void setEdgeTriggered(SelectionKey key, boolean on) {
        ours(key).edgeTriggered(on);
    }

    /**
     * @param key a key of a Bypass selector
     * @return whether the key is edge-triggered
     * @throws IllegalArgumentException when the key is not a Bypass selector's
     */
    public static boolean isEdgeTriggered(SelectionKey key) {
        return ours(key).edgeTriggered();
    }

    private static BypassSelectionKey ours(SelectionKey key) {
        if (key instanceof BypassSelectionKey k) {
            return k;
        }
        throw new IllegalArgumentException("not a key of a Bypass selector: " + key);
    }
}
