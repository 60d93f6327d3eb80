package io.bypass.stack.tcp;

import io.bypass.stack.SocketEvents;
import io.bypass.stack.SocketListener;

/**
 * A socket in LISTEN (RFC 9293 section 3.10.7.2): answers SYNs to its port with new
 * connections in SYN-RECEIVED and queues them for {@link #accept} once established.
 *
 * <p>As in Linux, the backlog bounds two queues: half-open connections (the SYN queue) and
 * established ones not yet accepted (the accept queue). A SYN that finds the accept queue
 * full is dropped and counted ({@link io.bypass.stack.Counter#TCP_LISTEN_OVERFLOW}), so the
 * peer retries; one that finds the SYN queue (or the stack's half-open limit) full is
 * answered with a SYN cookie ({@link SynCookies}) when cookies are on, else dropped. The
 * accept queue holds up to twice the backlog, so that half-open connections admitted
 * while it had room can always join it. Not thread-safe: used under the stack lock.
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
    private boolean cookiesSent;
    private long lastCookieNs;
    private SocketListener listener = SocketListener.NONE;
    private int receiveBufferBytes;
    private int sendBufferBytes;
    /** Whether this listener shares its address with others (SO_REUSEPORT). */
    final boolean reusePort;
    /** The next member of this listener's SO_REUSEPORT group in {@link TcpLayer}'s table, or null. */
    TcpListener nextInGroup;

    TcpListener(TcpLayer layer, int localIp, int localPort, int backlog, boolean reusePort) {
        this.layer = layer;
        this.localIp = localIp;
        this.localPort = localPort;
        this.backlog = backlog;
        this.acceptQueue = new TcpConnection[2 * backlog];
        this.reusePort = reusePort;
    }

    /**
     * Sets the receive buffer of connections accepted from now on (SO_RCVBUF on a listening
     * socket, inherited by accepted ones as in Linux); their window scale is sized for it and
     * their receive buffer is not auto-tuned.
     *
     * @param bytes 1 KiB..1 GiB, or 0 for the stack's default with auto-tuning
     */
    public void receiveBufferBytes(int bytes) {
        TcpLayer.checkBufferBytes(bytes);
        this.receiveBufferBytes = bytes;
    }

    /** @return the receive buffer accepted connections get, 0 for the stack's default with auto-tuning */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /**
     * Sets the send buffer of connections accepted from now on (SO_SNDBUF, inherited); their
     * send buffer is not auto-tuned.
     *
     * @param bytes 1 KiB..1 GiB, or 0 for the stack's default with auto-tuning
     */
    public void sendBufferBytes(int bytes) {
        TcpLayer.checkBufferBytes(bytes);
        this.sendBufferBytes = bytes;
    }

    /** @return the send buffer accepted connections get, 0 for the stack's default with auto-tuning */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /** @return the next established connection, or {@code null} when none is waiting */
    public TcpConnection accept() {
        if (queued == 0) {
            return null;
        }
        TcpConnection c = acceptQueue[head];
        acceptQueue[head] = null;
        head = (head + 1) % acceptQueue.length;
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

    /** @return whether a SYN may be answered with a new half-open connection */
    boolean hasRoom() {
        return open && halfOpen < backlog && queued < backlog;
    }

    /** @return whether the accept queue can take another connection (else SYNs are dropped) */
    boolean acceptQueueHasRoom() {
        return open && queued < backlog;
    }

    /** @return half-open connections (SYN-RECEIVED) */
    int halfOpen() {
        return halfOpen;
    }

    /** @return established connections waiting for {@link #accept} */
    int queued() {
        return queued;
    }

    /** A SYN was answered with a cookie. */
    void cookieSent(long nowNs) {
        cookiesSent = true;
        lastCookieNs = nowNs;
    }

    /**
     * @return whether a cookie went out recently enough to still be valid: only then is an
     *         ACK to the listener checked as a cookie (as Linux's tcp_synq_no_recent_overflow),
     *         which keeps blind cookie guessing away from a listener that is not under pressure
     */
    boolean cookiesRecent(long nowNs) {
        return cookiesSent && nowNs - lastCookieNs < (SynCookies.MAX_AGE + 1) * SynCookies.COUNTER_PERIOD_NS;
    }

    /** A SYN was answered with a connection in SYN-RECEIVED (or a cookie came back). */
    void childCreated() {
        halfOpen++;
        layer.halfOpenChanged(1);
    }

    /** A half-open child completed the handshake: queue it for accept. */
    void childEstablished(TcpConnection c) {
        halfOpen--;
        layer.halfOpenChanged(-1);
        acceptQueue[(head + queued) % acceptQueue.length] = c;
        queued++;
        listener.onEvents(SocketEvents.ACCEPTABLE);
    }

    /** A half-open child went away (reset, or the handshake timed out). */
    void childVanished() {
        halfOpen--;
        layer.halfOpenChanged(-1);
    }
}
