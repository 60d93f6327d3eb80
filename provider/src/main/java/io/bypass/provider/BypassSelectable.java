package io.bypass.provider;

import java.nio.channels.SelectableChannel;

/**
 * What a {@link BypassSelector} needs from one of our channels, whose backend is decided
 * late: nothing yet, a kernel channel (selected by the inner JDK selector), or a stack
 * socket (selected through readiness callbacks).
 */
interface BypassSelectable {
    /** @return the JDK channel behind this one, or {@code null} while it has none */
    SelectableChannel kernelChannel();

    /** @return the stack engine of the socket behind this channel, or {@code null} */
    StackEngine engine();

    /**
     * @return the SelectionKey operations ready on the stack socket, from a snapshot the channel
     *         takes under the engine lock at every change, so any thread may ask without it
     */
    int stackReadyOps();

    /** A key was registered for this channel: it is told of readiness and backend changes. */
    void addKey(BypassSelectionKey key);

    /** The key was deregistered. */
    void removeKey(BypassSelectionKey key);
}
