package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;

import io.bypass.stack.SocketEvents;
import io.bypass.stack.SocketListener;
import io.bypass.stack.StackCounters;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

/**
 * One TCP connection: the RFC 9293 state machine with its send and receive sides. This
 * class is the connection's face to the application and the layer (the API, the state,
 * the events, opening, ICMP errors, the one exit for our segments); the work is done by
 * parts created once with it, which share its state within the package:
 *
 * <ul>
 * <li>{@link SegmentArrival}: what an arriving segment does, step by step as RFC 9293
 *     section 3.10.7 orders it, including the handshake completing.</li>
 * <li>{@link Sender}: the send queue in an off-heap {@link SendBuffer}, segments cut under
 *     the peer's window and the congestion window, Nagle (RFC 896) and sender silly-window
 *     avoidance (RFC 9293 section 3.8.6.2.1), zero-window probing.</li>
 * <li>{@link Retransmission}: RTT and the one timer per connection (RFC 6298), which
 *     doubles as the persist timer when nothing is in flight but data waits for a window;
 *     fast retransmit and recovery ({@link CongestionControl}), SACK recovery (RFC 6675).</li>
 * <li>{@link Receiver}: payloads stay in their frames ({@link ReceiveQueue}), out-of-order
 *     segments wait in {@link Reassembly}, ACKs are delayed as RFC 1122 section 4.2.3.2
 *     allows, and the offered window never shrinks.</li>
 * <li>{@link Teardown}: FIN states, TIME-WAIT, resets, failure, CLOSED.</li>
 * <li>{@link Keepalive}, only when the application asks for it.</li>
 * </ul>
 *
 * <p>Options ({@link OptionNegotiation}): window scaling and timestamps (RFC 7323) and
 * SACK (RFC 2018) when both SYNs carry them. With SACK the receiver reports blocks of its
 * reassembly queue ({@link SackBlocks}) and the sender recovers losses per RFC 6675
 * ({@link SackScoreboard}); without it, NewReno (RFC 6582) does.
 * Challenge ACKs (RFC 5961) are rate-limited ({@link ChallengeAckLimiter}).
 *
 * <p>Buffers (SO_RCVBUF, SO_SNDBUF): the receive buffer bounds the window we offer, the
 * send buffer what {@link #write} takes. Unless the application sets a size, both are
 * auto-tuned up to {@link TcpConfig#receiveBufferMaxBytes()} and
 * {@link TcpConfig#sendBufferMaxBytes()}: the receive buffer doubles whenever the
 * application drains more than half of it within one smoothed RTT (in the spirit of Linux's
 * dynamic right-sizing: the buffer stays at least twice what one RTT delivers, so the window
 * never limits the transfer), the send buffer grows to twice the congestion window.
 *
 * <p>Every entry point (API call, segment, timer) ends by firing the {@link SocketEvents}
 * that became true. Not thread-safe: used under the stack lock.
 */
public final class TcpConnection {
    /** Largest window field; with window scaling it counts units of 2^shift bytes (RFC 7323 section 2). */
    static final int MAX_WINDOW = 65_535;
    /** MSS assumed when the peer sends no MSS option (RFC 9293 section 3.7.1). */
    static final int DEFAULT_MSS = 536;
    /** The ECN field of the DSCP and ECN byte (RFC 3168 section 5). */
    private static final int ECN_MASK = 0x03;

    // Shared by the parts (see the class comment); written only by the state machine
    // (SegmentArrival, Teardown and this class) unless a comment says otherwise.
    final TcpLayer layer;
    private final TcpConfig config;
    private final StackCounters counters;
    private final TimerWheel timers;
    private final SegmentOutput out;
    private final int localIp;
    private final int localPort;
    private final int remoteIp;
    private final int remotePort;
    final boolean passive;
    /** The listener that made this connection, until the application accepts it. */
    TcpListener parent;

    TcpState state = TcpState.CLOSED;
    /** Why the connection failed, or {@link TcpError#NONE}; set by {@link Teardown#fail}. */
    TcpError error = TcpError.NONE;
    /** An ICMP error that did not abort; reported if the connection then times out (RFC 1122 4.2.3.9). */
    TcpError softError = TcpError.NONE;
    private SocketListener listener = SocketListener.NONE;
    /** {@link SocketEvents} that became true during this entry point; any part may add, {@link #flushEvents} fires. */
    int pendingEvents;
    /** The application closed (or aborted): it reads nothing more. */
    boolean appClosed;
    /** Its new data waits for room in the link's transmit queue ({@link TcpLayer#holdForLink}). */
    boolean heldForLink;
    /** The MSS we announce: the route's MTU less the headers, capped by {@link TcpConfig#mssCap()}. */
    final int ourMss;
    /** What the SYNs agreed: MSS option bytes, window scaling, timestamps, SACK. */
    final OptionNegotiation options;
    /** The DSCP and ECN byte of our IPv4 headers (IP_TOS); the ECN bits stay 0. */
    private int dscpEcn;

    /** The send side: send sequence space, send queue, segmentation and window probing. */
    final Sender snd;
    /** Loss detection and response: RTT, the retransmission (and persist) timer, congestion control, SACK recovery. */
    final Retransmission rtx;
    /** The receive side: receive sequence space, queues, ACKs and the window we offer. */
    final Receiver rcv;
    /** How the connection ends: FIN states, TIME-WAIT, resets, failure. */
    final Teardown teardown;
    /** The state machine's answer to arriving segments. */
    private final SegmentArrival arrival;
    /** The time of a {@link #read(ByteBuffer, long)}, handed on as a clock. */
    private final FixedTime readTime = new FixedTime();
    /** Keep-alive state, created only when the application configures keep-alive. */
    Keepalive keepalive;
    /** The TIME-WAIT this connection closed into ({@link Teardown#enterTimeWait}), or null. */
    TimeWait timeWait;

    TcpConnection(TcpLayer layer, int localIp, int localPort, int remoteIp, int remotePort, int iss,
                  int ourMss, boolean passive, SendBuffer sendBuffer) {
        this.layer = layer;
        this.config = layer.config();
        this.counters = layer.counters();
        this.timers = layer.timers();
        this.out = layer.output();
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.ourMss = ourMss;
        this.passive = passive;
        this.options = new OptionNegotiation(config,
                OptionNegotiation.timestampOffset(config, localIp, localPort, remoteIp, remotePort));
        this.snd = new Sender(this, layer, iss, ourMss, sendBuffer);
        this.rtx = new Retransmission(this, snd, layer);
        this.teardown = new Teardown(this, layer);
        this.rcv = new Receiver(this, layer);
        this.rcv.mss = snd.mss;
        this.arrival = new SegmentArrival(this, layer);
    }

    /**
     * Sizes set before the SYN (on the socket before connect, or inherited from the listener):
     * 0 keeps the default with auto-tuning; a size fixes the buffer and our window scale.
     */
    void initialBuffers(int receiveBytes, int sendBytes) {
        if (receiveBytes > 0) {
            rcv.window.fix(receiveBytes);
            options.receiveBufferLimit(receiveBytes);
        }
        snd.bufferLocked = sendBytes > 0;
    }

    /** The link's transmit queue has room again ({@link TcpLayer#resumeHeldForLink}): send what waits. */
    void resumeOutput(long nowNs) {
        snd.output(nowNs);
        flushEvents();
    }

    // ------------------------------------------------------------------ opening

    /** Active open (RFC 9293 section 3.10.1): sends the SYN. */
    void openActive(long nowNs) {
        state = TcpState.SYN_SENT;
        snd.output(nowNs);
        flushEvents();
    }

    /** Passive open from a listener's SYN (RFC 9293 section 3.10.7.2): sends the SYN-ACK. */
    void openPassive(Segment seg, long nowNs) {
        state = TcpState.SYN_RECEIVED;
        arrival.synReceived(seg, nowNs);
        snd.output(nowNs);
        flushEvents();
    }

    /**
     * A valid SYN cookie came back on {@code seg} ({@link SynCookies}): rebuild SYN-RECEIVED
     * as the cookie's SYN-ACK left it (our SYN sent, the peer's acknowledged, the window we
     * offered, the options its TSval carried), then process the ACK as usual, which
     * establishes the connection.
     *
     * @param peerShift the peer's window scale shift the cookie carried, -1 for none
     * @param sack      whether the cookie says SACK was agreed
     * @return whether the frame was kept (the ACK carried data)
     */
    boolean openFromCookie(Segment seg, int peerMss, int peerShift, boolean sack, long nowNs) {
        state = TcpState.SYN_RECEIVED;
        options.fromCookie(seg.options, peerShift, sack, nowNs);
        rcv.fromCookie(seg.seq);
        snd.fromCookie(seg, Math.max(1, Math.min(ourMss, peerMss) - options.fixedOptionBytes()));
        rcv.mss = snd.mss;
        return segmentArrives(seg, nowNs);
    }

    // ------------------------------------------------------------------ application API

    /**
     * Copies what fits of {@code src} into the send buffer and sends what may go now.
     *
     * @return bytes taken; 0 when the buffer is full or the connection cannot send
     *         (see {@link #state()} and {@link #error()})
     */
    public int write(ByteBuffer src, long nowNs) {
        // Data written while connecting is queued and sent once established.
        boolean open = canWrite() || state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED;
        if (!open || snd.finQueued || snd.buffer == null) {
            return 0;
        }
        int n = snd.write(src, nowNs);
        flushEvents();
        return n;
    }

    /**
     * Copies received bytes into {@code dst} at {@code nowNs} ({@link #read(ByteBuffer, LongSupplier)}).
     *
     * @return bytes read; 0 when nothing is there yet; -1 at the end of the stream (the
     *         peer's FIN, or the connection failed or was closed: see {@link #error()})
     */
    public int read(ByteBuffer dst, long nowNs) {
        readTime.nowNs = nowNs;
        return read(dst, readTime);
    }

    /**
     * Copies received bytes into {@code dst}. Most reads need no time: {@code clock} is asked
     * only when the read opens the window enough to send an update, and when enough has been
     * drained for the receive buffer's growth to be judged ({@link ReceiveWindow#drained}).
     *
     * @param clock the current time, asked only when needed
     * @return bytes read; 0 when nothing is there yet; -1 at the end of the stream (the
     *         peer's FIN, or the connection failed or was closed: see {@link #error()})
     */
    public int read(ByteBuffer dst, LongSupplier clock) {
        int n = rcv.read(dst, rtx.rtt.srttNs() > 0 ? rtx.rtt.srttNs() : config.minRtoNs(), clock);
        if (n > 0) {
            flushEvents();
            return n;
        }
        if (rcv.queue.bytes() == 0 && (rcv.finReceived || error != TcpError.NONE || state == TcpState.CLOSED)) {
            return -1;
        }
        return 0;
    }

    /** Sends FIN after the queued data (RFC 9293 section 3.10.4, half-close). */
    public void shutdownOutput(long nowNs) {
        teardown.queueFin(nowNs);
        flushEvents();
    }

    /**
     * Closes gracefully: FIN after the queued data. If received data is left unread it is
     * discarded and the peer reset instead (RFC 2525 section 2.17, RFC 9293 section 3.10.4).
     */
    public void close(long nowNs) {
        teardown.close(nowNs);
        flushEvents();
    }

    /** Aborts: RST now, everything queued discarded (RFC 9293 section 3.10.5; linger 0). */
    public void abort(long nowNs) {
        teardown.abort(nowNs);
        flushEvents();
    }

    /**
     * @return the state; TIME-WAIT while the record the connection closed into still waits
     *         ({@link TimeWait}), although the connection itself is closed by then
     */
    public TcpState state() {
        return timeWait != null && timeWait.waiting() ? TcpState.TIME_WAIT : state;
    }

    /** @return why the connection failed, or {@link TcpError#NONE} */
    public TcpError error() {
        return error;
    }

    /** @return the {@link SocketEvents} bits that hold now */
    public int readyOps() {
        int ops = 0;
        boolean failed = error != TcpError.NONE;
        if (rcv.queue.bytes() > 0 || rcv.finReceived || failed || state == TcpState.CLOSED) {
            ops |= SocketEvents.READABLE;
        }
        if (sendSpace() > 0 || failed) {
            ops |= SocketEvents.WRITABLE;
        }
        if (snd.synAcked || failed) {
            ops |= SocketEvents.CONNECTED;
        }
        if (state == TcpState.CLOSED) {
            ops |= SocketEvents.CLOSED;
        }
        if (failed) {
            ops |= SocketEvents.ERROR;
        }
        return ops;
    }

    /** Sets who is told when readiness bits become true ({@link SocketListener#NONE} to stop). */
    public void listener(SocketListener l) {
        this.listener = l == null ? SocketListener.NONE : l;
    }

    /** @return received bytes the application can read now */
    public int available() {
        return rcv.queue.bytes();
    }

    /** @return bytes {@link #write} would take now */
    public int sendSpace() {
        return snd.space();
    }

    /** @return our address */
    public int localIp() {
        return localIp;
    }

    /** @return our port */
    public int localPort() {
        return localPort;
    }

    /** @return the peer's address */
    public int remoteIp() {
        return remoteIp;
    }

    /** @return the peer's port */
    public int remotePort() {
        return remotePort;
    }

    /**
     * Sets the DSCP of this connection's outgoing IPv4 headers from an IP_TOS value. As Linux
     * does for TCP sockets, the two ECN bits are not the application's (RFC 3168 section 6.1:
     * ECN is negotiated by TCP, and this stack does not negotiate it), so they stay 0.
     *
     * @param tos the type-of-service byte, 0..255
     */
    public void ipTos(int tos) {
        if (tos < 0 || tos > 255) {
            throw new IllegalArgumentException("IP_TOS must be 0..255: " + tos);
        }
        this.dscpEcn = tos & ~ECN_MASK;
    }

    /** @return the DSCP and ECN byte of this connection's outgoing IPv4 headers */
    public int dscpEcn() {
        return dscpEcn;
    }

    /** Turns Nagle's algorithm (RFC 896, RFC 9293 section 3.7.4) off ({@code true}) or on. */
    public void setNoDelay(boolean on) {
        snd.noDelay = on;
    }

    /**
     * Sets the receive buffer (SO_RCVBUF) and turns its auto-tuning off. Set after the SYN,
     * it bounds the window but cannot change the window scale the SYN offered.
     *
     * @param bytes 1 KiB..1 GiB
     */
    public void receiveBufferBytes(int bytes) {
        checkBufferSize(bytes);
        rcv.window.fix(bytes);
    }

    /** @return the receive buffer's size now (grown by auto-tuning unless set) */
    public int receiveBufferBytes() {
        return rcv.window.bufferBytes();
    }

    /**
     * Sets the send buffer (SO_SNDBUF) and turns its auto-tuning off. A larger size moves the
     * held bytes into a larger ring; a smaller one takes effect as acknowledgements free room.
     *
     * @param bytes 1 KiB..1 GiB
     */
    public void sendBufferBytes(int bytes) {
        checkBufferSize(bytes);
        snd.bufferBytes(bytes);
        if (snd.buffer != null) {
            flushEvents();
        }
    }

    /** @return the send buffer's size now (grown by auto-tuning unless set), 0 once released */
    public int sendBufferBytes() {
        return snd.buffer == null ? 0 : snd.buffer.size();
    }

    private static void checkBufferSize(int bytes) {
        if (bytes < 1024 || bytes > (1 << 30)) {
            throw new IllegalArgumentException("buffer size must be 1 KiB..1 GiB: " + bytes);
        }
    }

    /** @return the MSS we send with (the smaller of the peer's and ours, lowered by PMTU discovery) */
    public int mss() {
        return snd.mss;
    }

    /** @return the current retransmission timeout in nanoseconds */
    public long rtoNs() {
        return rtx.rtt.rtoNs();
    }

    /** @return the smoothed RTT in nanoseconds (0 before the first sample) */
    public long srttNs() {
        return rtx.rtt.srttNs();
    }

    /** @return the congestion window in bytes */
    public int congestionWindow() {
        return rtx.cc.cwnd();
    }

    /** @return the slow-start threshold in bytes */
    public int slowStartThreshold() {
        return rtx.cc.ssthresh();
    }

    /**
     * Turns keep-alive on or off (SO_KEEPALIVE; RFC 1122 section 4.2.3.6), with the idle,
     * interval and count set by {@link #keepAliveTimes} or else the stack's defaults.
     */
    public void keepAlive(boolean on, long nowNs) {
        if (!on && keepalive == null) {
            return;
        }
        keepalive().enable(on, nowNs);
    }

    /** @return whether keep-alive is on */
    public boolean keepAlive() {
        return keepalive != null && keepalive.enabled;
    }

    /**
     * Sets keep-alive timing (Linux's TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT); applies
     * from the next idle period.
     *
     * @param idleNs     silence before the first probe, positive
     * @param intervalNs time between probes, positive
     * @param count      unanswered probes before the connection is dropped, 1..255
     */
    public void keepAliveTimes(long idleNs, long intervalNs, int count) {
        keepalive().times(idleNs, intervalNs, count);
    }

    /**
     * Sets the user timeout (RFC 5482 semantics as Linux's TCP_USER_TIMEOUT, RFC 9293
     * section 3.8.4): the connection is aborted with {@link TcpError#TIMED_OUT} when sent data
     * stays unacknowledged longer than this; 0 lets the retransmission count limit decide.
     */
    public void userTimeoutNs(long timeoutNs) {
        if (timeoutNs < 0) {
            throw new IllegalArgumentException("user timeout " + timeoutNs + " ns");
        }
        rtx.userTimeoutNs = timeoutNs;
    }

    /** @return the user timeout in nanoseconds, 0 when off */
    public long userTimeoutNs() {
        return rtx.userTimeoutNs;
    }

    /**
     * @return whether everything written, and the FIN if one is queued, went out at least
     *         once (true once the connection is closed)
     */
    public boolean allSent() {
        return snd.allSent();
    }

    /**
     * For SO_LINGER with a timeout: a blocking close waits until this holds or the time runs
     * out (then {@link #abort}s). True when everything written, and the FIN if queued, is
     * acknowledged by the peer, or the connection is gone ({@link #abort} is linger 0).
     */
    public boolean allAcknowledged() {
        return snd.allAcknowledged();
    }

    /** @return the congestion control algorithm this connection runs */
    public CongestionAlgorithm congestionAlgorithm() {
        return rtx.cc.algorithm();
    }

    /**
     * Switches congestion control (as Linux's TCP_CONGESTION). Before the handshake completes
     * the new algorithm simply starts; after it, it takes over the current window and
     * threshold and begins a new growth epoch.
     */
    public void congestionAlgorithm(CongestionAlgorithm algorithm) {
        rtx.congestionAlgorithm(algorithm);
    }

    @Override
    public String toString() {
        return "TcpConnection[" + Ipv4Address.toString(localIp) + ":" + localPort + " -> "
                + Ipv4Address.toString(remoteIp) + ":" + remotePort + " " + state + "]";
    }

    /** @return whether the application may write: established (or the peer closed) and no FIN queued */
    boolean canWrite() {
        return (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT) && !snd.finQueued;
    }

    // ------------------------------------------------------------------ segment arrival

    /**
     * Processes a segment for this connection (RFC 9293 sections 3.10.7.3 and 3.10.7.4).
     *
     * @return whether the frame was kept (payload queued); if not, the caller releases it
     */
    boolean segmentArrives(Segment seg, long nowNs) {
        return arrival.segmentArrives(seg, nowNs);
    }

    // ------------------------------------------------------------------ ICMP

    /**
     * Whether a segment starting at {@code seq} may be one we sent and is not yet
     * acknowledged: SND.UNA &lt;= seq &lt; SND.MAX (RFC 5927 section 4.1: believe only errors
     * about data in flight, which a blind attacker must guess).
     */
    boolean sentSequence(int seq) {
        return SeqNum.inRange(seq, snd.una, snd.max);
    }

    /**
     * An ICMP error quoting a segment of ours (RFC 1122 section 4.2.3.9, RFC 1191, RFC 5927).
     *
     * @param quotedSeq the sequence number of the quoted segment
     */
    void icmpError(int type, int code, int nextHopMtu, int quotedSeq, long nowNs) {
        if (!sentSequence(quotedSeq)) {
            return;
        }
        if (type == 3 && code == 4) {
            // Fragmentation needed (RFC 1191 section 6.5): shrink the MSS, resend at once.
            int newMss = nextHopMtu - 40 - options.fixedOptionBytes();
            if (nextHopMtu >= 68 && newMss < snd.mss) {
                rtx.mssLowered(newMss, nowNs);
            }
        } else if (type == 3 && (code == 2 || code == 3) && state == TcpState.SYN_SENT) {
            // Protocol or port unreachable while connecting: a hard error.
            teardown.fail(code == 3 ? TcpError.REFUSED : TcpError.UNREACHABLE, nowNs);
        } else if (type == 3 || type == 11 || type == 12) {
            // Soft errors: remembered, reported only if the connection then times out.
            softError = TcpError.UNREACHABLE;
        }
        flushEvents();
    }

    // ------------------------------------------------------------------ our segments

    /**
     * A pure ACK carries SND.MAX, not SND.NXT: after a timeout SND.NXT goes back to
     * SND.UNA, and an ACK numbered there looks old to a peer that got the data; it would
     * be dropped by the acceptability test with its ACK field unread, and two peers both
     * retransmitting would ignore each other's ACKs for ever. SND.MAX is what RFC 9293 calls
     * SND.NXT in a stack that does not rewind (Linux's snd_nxt).
     */
    void sendAck(long nowNs) {
        transmit(snd.max, ACK, 0, 0, nowNs);
    }

    /**
     * Sends a segment with our ACK, window and options: on a SYN what we offer (or answer),
     * otherwise timestamps and, on an ACK while out-of-order data waits, SACK blocks.
     */
    void transmit(int seq, int flags, int from, int length, long nowNs) {
        boolean syn = (flags & SYN) != 0;
        // A SYN's window is never scaled (RFC 7323 section 2.2).
        int window = rcv.advertise(syn);
        int ack = (flags & ACK) != 0 ? rcv.nxt : 0;
        SegmentOptions o = out.options();
        if (syn) {
            if (state == TcpState.SYN_SENT) {
                options.offer(o, ourMss, nowNs);
            } else {
                options.answer(o, ourMss, nowNs);
            }
        } else if ((flags & RST) == 0) {
            options.stamp(o, nowNs);
            if ((flags & ACK) != 0 && rcv.reportsSack()) {
                rcv.sackBlocks.fill(o, rcv.reassembly, rcv.maxSackBlocks());
            }
        }
        out.send(localIp, localPort, remoteIp, remotePort, seq, ack, flags, window, o, snd.buffer, from, length,
                dscpEcn, nowNs);
        if ((flags & ACK) != 0) {
            rcv.ackSent();
        }
    }

    /**
     * Answers a segment that belongs to no acceptable exchange with a bare reset
     * (RFC 9293 section 3.10.7.3 and 3.10.7.4: {@code <SEQ=SEG.ACK><CTL=RST>}), no window, no options.
     */
    void sendReset(int seq, int ack, int flags, long nowNs) {
        out.send(localIp, localPort, remoteIp, remotePort, seq, ack, flags, 0, out.options(), null, 0, 0, dscpEcn,
                nowNs);
    }

    // ------------------------------------------------------------------ keep-alive, events, the listener

    private Keepalive keepalive() {
        if (keepalive == null) {
            keepalive = new Keepalive(this, layer, 0);
        }
        return keepalive;
    }

    /** Stops keep-alive probing: the connection is closing or closed. */
    void stopKeepalive() {
        if (keepalive != null) {
            keepalive.stop();
        }
    }

    /** Fires the events that became true; every entry point (API call, segment, timer) ends here. */
    void flushEvents() {
        int events = pendingEvents;
        if (events != 0) {
            pendingEvents = 0;
            listener.onEvents(events);
        }
    }

    /** The listener closed before this connection was accepted: RST and go (RFC 9293 3.10.4). */
    void abortUnaccepted(long nowNs) {
        parent = null;
        abort(nowNs);
    }

    /** @return whether the three-way handshake completed (our SYN was acknowledged) */
    boolean handshakeDone() {
        return snd.synAcked;
    }
}
