package io.bypass.stack.tcp;

import io.bypass.stack.SocketEvents;
import io.bypass.stack.SocketListener;

/**
 * A socket in LISTEN (RFC 9293 section 3.10.7.2): answers SYNs to its port with new
 * connections in SYN-RECEIVED and queues them for {@link #accept} once established.
 *
 * <p>The backlog bounds half-open plus not-yet-accepted connections together; a SYN that
 * finds it full is dropped and counted ({@link io.bypass.stack.Counter#TCP_LISTEN_OVERFLOW}),
 * so the peer retries as it would against a busy Linux listener. Not thread-safe: used
 * under the stack lock.
 */
public final class TcpListener {
    private final TcpLayer layer;
    private final int localIp;
    private final int localPort;
    private final int backlog;
    private final TcpConnection[] acceptQueue;
    private int head;
    private int queued;
    private int halfOpen;
    private boolean open = true;
    private SocketListener listener = SocketListener.NONE;

    TcpListener(TcpLayer layer, int localIp, int localPort, int backlog) {
        this.layer = layer;
        this.localIp = localIp;
        this.localPort = localPort;
        this.backlog = backlog;
        this.acceptQueue = new TcpConnection[backlog];
    }

    /** @return the next established connection, or {@code null} when none is waiting */
    public TcpConnection accept() {
        if (queued == 0) {
            return null;
        }
        TcpConnection c = acceptQueue[head];
        acceptQueue[head] = null;
        head = (head + 1) % backlog;
        queued--;
        c.parent = null;
        return c;
    }

    /** @return {@link SocketEvents#ACCEPTABLE} while a connection waits, {@link SocketEvents#CLOSED} once closed */
    public int readyOps() {
        return (queued > 0 ? SocketEvents.ACCEPTABLE : 0) | (open ? 0 : SocketEvents.CLOSED);
    }

    /** Sets who is told when a connection becomes ready to accept. */
    public void listener(SocketListener l) {
        this.listener = l == null ? SocketListener.NONE : l;
    }

    /**
     * Stops listening; connections not yet accepted (half-open or queued) are reset
     * (RFC 9293 section 3.10.4: CLOSE in LISTEN).
     */
    public void close(long nowNs) {
        if (!open) {
            return;
        }
        open = false;
        while (queued > 0) {
            accept().abort(nowNs);
        }
        layer.closeListener(this, nowNs);
        listener.onEvents(SocketEvents.CLOSED);
    }

    /** @return the address listened on ({@code 0} for any) */
    public int localIp() {
        return localIp;
    }

    /** @return the port listened on */
    public int localPort() {
        return localPort;
    }

    /** @return the most half-open plus unaccepted connections */
    public int backlog() {
        return backlog;
    }

    /** @return whether the listener still takes connections */
    public boolean isOpen() {
        return open;
    }

    /** @return whether another SYN may be answered */
    boolean hasRoom() {
        return open && halfOpen + queued < backlog;
    }

    /** A SYN was answered with a connection in SYN-RECEIVED. */
    void childCreated() {
        halfOpen++;
    }

    /** A half-open child completed the handshake: queue it for accept. */
    void childEstablished(TcpConnection c) {
        halfOpen--;
        acceptQueue[(head + queued) % backlog] = c;
        queued++;
        listener.onEvents(SocketEvents.ACCEPTABLE);
    }

    /** A half-open child went away (reset, or the handshake timed out). */
    void childVanished() {
        halfOpen--;
    }
}
