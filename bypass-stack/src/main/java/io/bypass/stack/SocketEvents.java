package io.bypass.stack;

/**
 * Readiness bits a socket reports to its {@link SocketListener}, the raw material of
 * selector events. A bit means "this condition became true (again)"; the current state
 * is always available from the socket itself, so a listener may coalesce.
 */
public final class SocketEvents {
    /** Data (or end of stream) can be read. */
    public static final int READABLE = 1;
    /** Send buffer space became free. */
    public static final int WRITABLE = 1 << 1;
    /** A listener has a connection ready to accept. */
    public static final int ACCEPTABLE = 1 << 2;
    /** An active open completed (ESTABLISHED) or failed ({@link #ERROR} set with it). */
    public static final int CONNECTED = 1 << 3;
    /**
     * The connection is fully closed, or closed into TIME-WAIT (which its layer keeps as a
     * record of its own); the socket will report nothing more.
     */
    public static final int CLOSED = 1 << 4;
    /** The connection failed: reset, timed out, unreachable. */
    public static final int ERROR = 1 << 5;

    private SocketEvents() {
    }
}
