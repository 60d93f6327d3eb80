package io.bypass.stack;

/**
 * Told when a socket's readiness changes; the provider turns these calls into selector
 * readiness. Called by the thread polling the stack, under the stack lock, so it must be
 * quick and must not call back into the stack: record the bits and return.
 */
@FunctionalInterface
public interface SocketListener {
    /** A listener that ignores everything, the default for a new socket. */
    SocketListener NONE = events -> { };

    /**
     * @param events the {@link SocketEvents} bits that became true
     */
    void onEvents(int events);
}
