package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import io.bypass.stack.SocketListener;
import io.bypass.stack.StackCounters;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.TcpOptions;
import java.nio.ByteBuffer;

/**
 * One TCP connection: the RFC 9293 state machine with its send and receive sides.
 *
 * <p>Send side: application bytes go into an off-heap {@link SendBuffer}; segments are cut
 * from it under the peer's window and the congestion window ({@link CongestionControl}),
 * Nagle (RFC 896) and sender silly-window avoidance (RFC 9293 section 3.8.6.2.1). One
 * retransmission timer per connection (RFC 6298) doubles as the persist timer when nothing
 * is in flight but data waits for a window. Receive side: payloads stay in their frames
 * ({@link ReceiveQueue}), out-of-order segments wait in {@link Reassembly}, ACKs are
 * delayed as RFC 1122 section 4.2.3.2 allows, and the offered window never shrinks.
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
    /** Longest persist backoff: the probe interval is RTO times 2^this, capped at the maximum RTO. */
    private static final int MAX_PERSIST_SHIFT = 16;
    /** The ECN field of the DSCP and ECN byte (RFC 3168 section 5). */
    private static final int ECN_MASK = 0x03;

    private final TcpLayer layer;
    private final TcpConfig config;
    private final StackCounters counters;
    private final TimerWheel timers;
    private final SegmentOutput out;
    private final int localIp;
    private final int localPort;
    private final int remoteIp;
    private final int remotePort;
    private final boolean passive;
    /** The listener that made this connection, until the application accepts it. */
    TcpListener parent;

    private TcpState state = TcpState.CLOSED;
    private TcpError error = TcpError.NONE;
    /** An ICMP error that did not abort; reported if the connection then times out (RFC 1122 4.2.3.9). */
    private TcpError softError = TcpError.NONE;
    private SocketListener listener = SocketListener.NONE;
    private int pendingEvents;
    private boolean appClosed;
    private boolean noDelay;
    /** The DSCP and ECN byte of our IPv4 headers (IP_TOS); the ECN bits stay 0. */
    private int dscpEcn;

    // Send sequence space (RFC 9293 section 3.3.1). SND.MAX is the highest SND.NXT so far:
    // after a timeout SND.NXT goes back to SND.UNA and the segments are sent again.
    private SendBuffer sendBuffer;
    private final int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;
    private int sndWnd;
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    /** Sequence number of the send buffer's first byte (SND.UNA once the SYN is acknowledged). */
    private int bufferSeq;
    private boolean synAcked;
    private boolean finQueued;
    private int sndMss;
    private final int ourMss;
    private CongestionControl cc;
    private final RttEstimator rtt;
    private boolean rttTiming;
    private int rttEndSeq;
    private long rttStartNs;
    private int retries;
    private boolean persisting;
    private int persistShift;
    /** Zero-window probes sent since the peer last acknowledged anything. */
    private int unansweredProbes;

    // Receive sequence space. RCV.ADV is the right edge we last offered: it never moves left.
    private int irs;
    private int rcvNxt;
    /** RCV.ADV, the right edge we last offered, and the receive buffer's size and tuning. */
    private final ReceiveWindow rcvWindow;
    private int rcvMss;
    private boolean finReceived;
    private final ReceiveQueue rxQueue;
    private boolean sndBufLocked;
    private final Reassembly reassembly;
    private int lastAckSent;
    private boolean ackNow;
    /** Whether the frame of the segment being processed was handed to a queue. */
    private boolean frameTaken;

    private final Timer rtxTimer;
    private final Timer ackTimer;
    private final Timer waitTimer;
    /** Keep-alive state, created only when the application configures keep-alive. */
    private Keepalive keepalive;
    /** RFC 5482 user timeout, 0 when the retransmission count limit decides instead. */
    private long userTimeoutNs;
    /** When the oldest unacknowledged data went out, or the last ACK of new data came. */
    private long unackedSinceNs;

    private final OptionNegotiation options;
    private final SackScoreboard scoreboard = new SackScoreboard();
    private final SackBlocks sackBlocks = new SackBlocks();
    private final ChallengeAckLimiter challengeAcks;

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
        this.iss = iss;
        this.ourMss = ourMss;
        this.passive = passive;
        this.sendBuffer = sendBuffer;
        this.sndUna = iss;
        this.sndNxt = iss;
        this.sndMax = iss;
        this.bufferSeq = iss + 1;
        this.sndMss = Math.min(ourMss, DEFAULT_MSS);
        this.rcvMss = sndMss;
        this.rtt = new RttEstimator(config.initialRtoNs(), config.minRtoNs(), config.maxRtoNs());
        this.cc = CongestionControl.create(config.congestionAlgorithm());
        this.reassembly = new Reassembly(config.reassemblyLimitSegments(), layer.reassemblyFrames(),
                layer.receiveFrames());
        this.rxQueue = new ReceiveQueue(layer.receiveFrames(), counters);
        this.rtxTimer = new Timer(this::onRetransmitTimer);
        this.ackTimer = new Timer(this::onDelayedAckTimer);
        this.waitTimer = new Timer(this::onWaitTimer);
        this.userTimeoutNs = config.userTimeoutNs();
        this.options = new OptionNegotiation(config,
                OptionNegotiation.timestampOffset(config, localIp, localPort, remoteIp, remotePort));
        this.challengeAcks = new ChallengeAckLimiter(config.challengeAcksPerSecond());
        this.scoreboard.init(iss);
        this.rcvWindow = new ReceiveWindow(config.receiveBufferBytes());
    }

    /**
     * Sizes set before the SYN (on the socket before connect, or inherited from the listener):
     * 0 keeps the default with auto-tuning; a size fixes the buffer and our window scale.
     */
    void initialBuffers(int receiveBytes, int sendBytes) {
        if (receiveBytes > 0) {
            rcvWindow.fix(receiveBytes);
            options.receiveBufferLimit(receiveBytes);
        }
        sndBufLocked = sendBytes > 0;
    }

    // ------------------------------------------------------------------ opening

    /** Active open (RFC 9293 section 3.10.1): sends the SYN. */
    void openActive(long nowNs) {
        state = TcpState.SYN_SENT;
        output(nowNs);
        flushEvents();
    }

    /** Passive open from a listener's SYN (RFC 9293 section 3.10.7.2): sends the SYN-ACK. */
    void openPassive(Segment seg, long nowNs) {
        state = TcpState.SYN_RECEIVED;
        synReceived(seg, nowNs);
        output(nowNs);
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
        irs = seg.seq - 1;
        rcvNxt = seg.seq;
        rcvWindow.rightEdge(rcvNxt + Math.min(rcvWindow.bufferBytes(), MAX_WINDOW));
        lastAckSent = rcvNxt;
        sndMss = Math.max(1, Math.min(ourMss, peerMss) - options.fixedOptionBytes());
        rcvMss = sndMss;
        sndNxt = iss + 1;
        sndMax = iss + 1;
        sndWl1 = seg.seq;
        sndWl2 = seg.ack;
        return segmentArrives(seg, nowNs);
    }

    private void synReceived(Segment seg, long nowNs) {
        irs = seg.seq;
        rcvNxt = irs + 1;
        rcvWindow.rightEdge(rcvNxt);
        lastAckSent = irs;
        options.peerSyn(seg.options, nowNs);
        int peerMss = seg.mss > 0 ? seg.mss : DEFAULT_MSS;
        // The MSS option counts no TCP options (RFC 6691): the timestamps every segment
        // carries come off the payload.
        sndMss = Math.max(1, Math.min(ourMss, peerMss) - options.fixedOptionBytes());
        rcvMss = sndMss;
        // The window of a SYN is never scaled (RFC 7323 section 2.2).
        sndWnd = seg.window;
        maxSndWnd = sndWnd;
        sndWl1 = seg.seq;
        sndWl2 = seg.ack;
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
        if (!open || finQueued || sendBuffer == null) {
            return 0;
        }
        int n = sendBuffer.write(src);
        if (n > 0 && synAcked) {
            output(nowNs);
        }
        flushEvents();
        return n;
    }

    /**
     * Copies received bytes into {@code dst}.
     *
     * @return bytes read; 0 when nothing is there yet; -1 at the end of the stream (the
     *         peer's FIN, or the connection failed or was closed: see {@link #error()})
     */
    public int read(ByteBuffer dst, long nowNs) {
        int n = rxQueue.read(dst);
        if (n > 0) {
            long periodNs = rtt.srttNs() > 0 ? rtt.srttNs() : config.minRtoNs();
            if (rcvWindow.drained(n, nowNs, periodNs, config.receiveBufferMaxBytes())) {
                counters.increment(Counter.TCP_RECEIVE_BUFFER_GROWN);
            }
            windowUpdateAfterRead(nowNs);
            flushEvents();
            return n;
        }
        if (rxQueue.bytes() == 0 && (finReceived || error != TcpError.NONE || state == TcpState.CLOSED)) {
            return -1;
        }
        return 0;
    }

    /** Sends FIN after the queued data (RFC 9293 section 3.10.4, half-close). */
    public void shutdownOutput(long nowNs) {
        queueFin(nowNs);
        flushEvents();
    }

    /**
     * Closes gracefully: FIN after the queued data. If received data is left unread it is
     * discarded and the peer reset instead (RFC 2525 section 2.17, RFC 9293 section 3.10.4).
     */
    public void close(long nowNs) {
        if (appClosed) {
            return;
        }
        appClosed = true;
        switch (state) {
            case CLOSED -> rxQueue.clear();
            case SYN_SENT -> {
                // RFC 9293 section 3.10.4 deletes the TCB; but data already accepted by
                // write() is kept as a promise: it goes out, then the FIN, once established.
                if (bufferedBytes() > 0) {
                    queueFin(nowNs);
                } else {
                    enterClosed(nowNs);
                }
            }
            case TIME_WAIT, CLOSING, LAST_ACK -> rxQueue.clear();
            default -> {
                if (rxQueue.bytes() > 0 || reassembly.count() > 0) {
                    resetPeer(nowNs);
                    enterClosed(nowNs);
                } else {
                    queueFin(nowNs);
                    if (state == TcpState.FIN_WAIT_2) {
                        startOrphanTimer(nowNs);
                    }
                }
            }
        }
        flushEvents();
    }

    /** Aborts: RST now, everything queued discarded (RFC 9293 section 3.10.5; linger 0). */
    public void abort(long nowNs) {
        appClosed = true;
        if (state != TcpState.CLOSED) {
            resetPeer(nowNs);
            counters.increment(Counter.TCP_ABORTS);
            rxQueue.clear();
            enterClosed(nowNs);
        }
        flushEvents();
    }

    /** @return the state */
    public TcpState state() {
        return state;
    }

    /** @return why the connection failed, or {@link TcpError#NONE} */
    public TcpError error() {
        return error;
    }

    /** @return the {@link SocketEvents} bits that hold now */
    public int readyOps() {
        int ops = 0;
        boolean failed = error != TcpError.NONE;
        if (rxQueue.bytes() > 0 || finReceived || failed || state == TcpState.CLOSED) {
            ops |= SocketEvents.READABLE;
        }
        if (sendSpace() > 0 || failed) {
            ops |= SocketEvents.WRITABLE;
        }
        if (synAcked || failed) {
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
        return rxQueue.bytes();
    }

    /** @return bytes {@link #write} would take now */
    public int sendSpace() {
        return canWrite() && sendBuffer != null ? sendBuffer.free() : 0;
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
        this.noDelay = on;
    }

    /**
     * Sets the receive buffer (SO_RCVBUF) and turns its auto-tuning off. Set after the SYN,
     * it bounds the window but cannot change the window scale the SYN offered.
     *
     * @param bytes 1 KiB..1 GiB
     */
    public void receiveBufferBytes(int bytes) {
        checkBufferSize(bytes);
        rcvWindow.fix(bytes);
    }

    /** @return the receive buffer's size now (grown by auto-tuning unless set) */
    public int receiveBufferBytes() {
        return rcvWindow.bufferBytes();
    }

    /**
     * Sets the send buffer (SO_SNDBUF) and turns its auto-tuning off. A larger size moves the
     * held bytes into a larger ring; a smaller one takes effect as acknowledgements free room.
     *
     * @param bytes 1 KiB..1 GiB
     */
    public void sendBufferBytes(int bytes) {
        checkBufferSize(bytes);
        sndBufLocked = true;
        if (sendBuffer != null) {
            if (bytes > sendBuffer.capacity()) {
                layer.grow(sendBuffer, bytes);
            }
            sendBuffer.size(bytes);
            flushEvents();
        }
    }

    /** @return the send buffer's size now (grown by auto-tuning unless set), 0 once released */
    public int sendBufferBytes() {
        return sendBuffer == null ? 0 : sendBuffer.size();
    }

    private static void checkBufferSize(int bytes) {
        if (bytes < 1024 || bytes > (1 << 30)) {
            throw new IllegalArgumentException("buffer size must be 1 KiB..1 GiB: " + bytes);
        }
    }

    /** @return the MSS we send with (the smaller of the peer's and ours, lowered by PMTU discovery) */
    public int mss() {
        return sndMss;
    }

    /** @return the current retransmission timeout in nanoseconds */
    public long rtoNs() {
        return rtt.rtoNs();
    }

    /** @return the smoothed RTT in nanoseconds (0 before the first sample) */
    public long srttNs() {
        return rtt.srttNs();
    }

    /** @return the congestion window in bytes */
    public int congestionWindow() {
        return cc.cwnd();
    }

    /** @return the slow-start threshold in bytes */
    public int slowStartThreshold() {
        return cc.ssthresh();
    }

    /**
     * Turns keep-alive on or off (SO_KEEPALIVE; RFC 1122 section 4.2.3.6), with the idle,
     * interval and count set by {@link #keepAliveTimes} or else the stack's defaults.
     */
    public void keepAlive(boolean on, long nowNs) {
        if (!on && keepalive == null) {
            return;
        }
        Keepalive k = keepalive();
        k.enabled = on;
        k.heard(nowNs);
        if (on) {
            armKeepalive(k.idleDeadlineNs());
        } else {
            timers.cancel(k.timer);
        }
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
        if (idleNs <= 0 || intervalNs <= 0 || count < 1 || count > 255) {
            throw new IllegalArgumentException("keep-alive idle " + idleNs + " ns, interval " + intervalNs
                    + " ns, count " + count);
        }
        Keepalive k = keepalive();
        k.idleNs = idleNs;
        k.intervalNs = intervalNs;
        k.count = count;
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
        this.userTimeoutNs = timeoutNs;
    }

    /** @return the user timeout in nanoseconds, 0 when off */
    public long userTimeoutNs() {
        return userTimeoutNs;
    }

    /**
     * @return whether everything written, and the FIN if one is queued, went out at least
     *         once (true once the connection is closed)
     */
    public boolean allSent() {
        if (sendBuffer == null) {
            return true;
        }
        int end = finSeq() + (finQueued ? 1 : 0);
        return synAcked && SeqNum.ge(sndMax, end);
    }

    /**
     * For SO_LINGER with a timeout: a blocking close waits until this holds or the time runs
     * out (then {@link #abort}s). True when everything written, and the FIN if queued, is
     * acknowledged by the peer, or the connection is gone ({@link #abort} is linger 0).
     */
    public boolean allAcknowledged() {
        if (sendBuffer == null) {
            return true;
        }
        int end = finSeq() + (finQueued ? 1 : 0);
        return synAcked && SeqNum.ge(sndUna, end);
    }

    /** @return the congestion control algorithm this connection runs */
    public CongestionAlgorithm congestionAlgorithm() {
        return cc.algorithm();
    }

    /**
     * Switches congestion control (as Linux's TCP_CONGESTION). Before the handshake completes
     * the new algorithm simply starts; after it, it takes over the current window and
     * threshold and begins a new growth epoch.
     */
    public void congestionAlgorithm(CongestionAlgorithm algorithm) {
        if (algorithm == cc.algorithm()) {
            return;
        }
        CongestionControl next = CongestionControl.create(algorithm);
        if (synAcked) {
            next.continueFrom(cc, sndMss, sndUna);
        }
        cc = next;
    }

    @Override
    public String toString() {
        return "TcpConnection[" + Ipv4Address.toString(localIp) + ":" + localPort + " -> "
                + Ipv4Address.toString(remoteIp) + ":" + remotePort + " " + state + "]";
    }

    private boolean canWrite() {
        return (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT) && !finQueued;
    }

    // ------------------------------------------------------------------ segment arrival

    /**
     * Processes a segment for this connection (RFC 9293 sections 3.10.7.3 and 3.10.7.4).
     *
     * @return whether the frame was kept (payload queued); if not, the caller releases it
     */
    boolean segmentArrives(Segment seg, long nowNs) {
        frameTaken = false;
        counters.increment(Counter.TCP_SEGMENTS_IN);
        if (keepalive != null) {
            // Any segment from the peer shows it alive (RFC 1122 section 4.2.3.6).
            keepalive.heard(nowNs);
        }
        if (state == TcpState.SYN_SENT) {
            synSentArrives(seg, nowNs);
        } else if (state != TcpState.CLOSED) {
            otherArrives(seg, nowNs);
        }
        if (state != TcpState.CLOSED) {
            output(nowNs);
            if (ackNow) {
                sendAck(nowNs);
            }
        }
        flushEvents();
        return frameTaken;
    }

    /** RFC 9293 section 3.10.7.3, SYN-SENT. */
    private void synSentArrives(Segment seg, long nowNs) {
        boolean ackAcceptable = false;
        if (seg.has(ACK)) {
            if (SeqNum.le(seg.ack, iss) || SeqNum.gt(seg.ack, sndMax)) {
                if (!seg.has(RST)) {
                    sendReset(seg.ack, 0, RST, nowNs);
                }
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                return;
            }
            ackAcceptable = true;
        }
        if (seg.has(RST)) {
            // Only a RST that acknowledges our SYN is believed (RFC 5961 section 3.2).
            if (ackAcceptable) {
                counters.increment(Counter.TCP_RST_RECEIVED);
                fail(TcpError.REFUSED, nowNs);
            }
            return;
        }
        if (!seg.has(SYN)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_FLAGS);
            return;
        }
        synReceived(seg, nowNs);
        // Data on a SYN is not queued: the peer sends it again once we acknowledge the SYN only.
        if (ackAcceptable) {
            acknowledgeSyn(seg.ack, nowNs);
            establish(nowNs);
            ackNow = true;
        } else {
            // Simultaneous open (RFC 9293 section 3.5, figure 8): answer with SYN-ACK.
            state = TcpState.SYN_RECEIVED;
            sndNxt = iss;
        }
    }

    /** RFC 9293 section 3.10.7.4: SYN-RECEIVED and the synchronized states. */
    private void otherArrives(Segment seg, long nowNs) {
        if (state == TcpState.SYN_RECEIVED && seg.has(SYN) && !seg.has(RST) && seg.seq == irs) {
            if (!seg.has(ACK)) {
                // Our SYN-ACK was lost and the peer repeated its SYN: repeat the SYN-ACK.
                sndNxt = iss;
            } else if (SeqNum.gt(seg.ack, sndUna) && SeqNum.le(seg.ack, sndMax)) {
                // Simultaneous open (RFC 9293 figure 8, line 5): the peer's SYN-ACK repeats
                // the SYN we have and acknowledges ours.
                acknowledgeSyn(seg.ack, nowNs);
                sndWnd = seg.window;
                maxSndWnd = Math.max(maxSndWnd, sndWnd);
                sndWl1 = seg.seq;
                sndWl2 = seg.ack;
                establish(nowNs);
                ackNow = true;
            } else {
                sendReset(seg.ack, 0, RST, nowNs);
            }
            return;
        }
        // PAWS (RFC 7323 section 5.3, R1) before the window test: an old duplicate is ACKed and dropped.
        if (options.pawsRejects(seg.options, seg.has(RST), nowNs)) {
            counters.increment(Counter.TCP_PAWS_REJECTED);
            ackNow = true;
            return;
        }
        // First: is the segment in the receive window?
        int window = rcvWindow.remaining(rcvNxt);
        boolean ackOnly = false;
        // A bare FIN at RCV.NXT takes no buffer space: accepted even by a zero window, as
        // Linux does, so that a peer closing towards a slow reader does not time out.
        boolean bareFin = window == 0 && seg.seq == rcvNxt && seg.payloadLength == 0 && seg.has(FIN)
                && !seg.has(SYN) && !seg.has(RST);
        if (!bareFin && !acceptable(seg.seq, seg.sequenceLength(), window)) {
            if (seg.has(RST)) {
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                return;
            }
            if (window == 0 && seg.seq == rcvNxt && seg.has(ACK) && !seg.has(SYN)) {
                // "Special allowance should be made to accept valid ACKs" with a zero window.
                ackOnly = true;
                ackNow = true;
            } else {
                counters.increment(Counter.TCP_RX_OUT_OF_WINDOW);
                if (state == TcpState.TIME_WAIT && seg.has(FIN)) {
                    // A retransmitted FIN: acknowledge it and restart the 2 MSL wait.
                    timers.schedule(waitTimer, nowNs + config.timeWaitNs());
                }
                ackNow = true;
                return;
            }
        }
        // TS.Recent follows acceptable segments (RFC 7323 section 4.3, R3).
        options.updateRecent(seg.options, seg.seq, lastAckSent, nowNs);
        // Second: RST, accepted only at exactly RCV.NXT (RFC 5961 section 3.2).
        if (seg.has(RST)) {
            if (seg.seq != rcvNxt) {
                challengeAck(nowNs);
                return;
            }
            counters.increment(Counter.TCP_RST_RECEIVED);
            switch (state) {
                case SYN_RECEIVED -> {
                    if (passive) {
                        enterClosed(nowNs);
                    } else {
                        fail(TcpError.REFUSED, nowNs);
                    }
                }
                case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT -> fail(TcpError.RESET, nowNs);
                default -> enterClosed(nowNs);
            }
            return;
        }
        // Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 section 4.2).
        if (seg.has(SYN)) {
            challengeAck(nowNs);
            return;
        }
        // Fifth: the ACK field.
        if (!seg.has(ACK)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_FLAGS);
            return;
        }
        if (state == TcpState.SYN_RECEIVED) {
            if (SeqNum.gt(seg.ack, sndUna) && SeqNum.le(seg.ack, sndMax)) {
                acknowledgeSyn(seg.ack, nowNs);
                sndWnd = seg.window << options.sndShift();
                maxSndWnd = Math.max(maxSndWnd, sndWnd);
                sndWl1 = seg.seq;
                sndWl2 = seg.ack;
                establish(nowNs);
            } else {
                sendReset(seg.ack, 0, RST, nowNs);
                return;
            }
        }
        if (!processAck(seg, nowNs) || ackOnly) {
            return;
        }
        // Seventh and eighth: the text and FIN.
        processText(seg, nowNs);
    }

    /** A challenge ACK (RFC 5961 sections 3.2, 4.2, 5.2), within the rate limit of section 7. */
    private void challengeAck(long nowNs) {
        if (challengeAcks.tryAcquire(nowNs)) {
            ackNow = true;
            counters.increment(Counter.TCP_CHALLENGE_ACKS);
        } else {
            counters.increment(Counter.TCP_CHALLENGE_ACKS_LIMITED);
        }
    }

    /**
     * RFC 9293 section 3.10.7.4, first step: the acceptability test.
     *
     * <pre>
     *  length  window  acceptable when
     *  0       0       SEG.SEQ = RCV.NXT
     *  0       >0      RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
     *  >0      0       never
     *  >0      >0      the first or the last byte is in the window
     * </pre>
     */
    private boolean acceptable(int seq, int length, int window) {
        if (length == 0) {
            return window == 0 ? seq == rcvNxt : SeqNum.inRange(seq, rcvNxt, rcvNxt + window);
        }
        if (window == 0) {
            return false;
        }
        return SeqNum.inRange(seq, rcvNxt, rcvNxt + window)
                || SeqNum.inRange(seq + length - 1, rcvNxt, rcvNxt + window);
    }

    /**
     * RFC 9293 section 3.10.7.4, fifth step, for an ACK in a synchronized state.
     *
     * @return whether to go on with the segment's text
     */
    private boolean processAck(Segment seg, long nowNs) {
        int ack = seg.ack;
        // RFC 5961 section 5.2: acceptable is SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT;
        // anything else is dropped with a (rate-limited) challenge ACK.
        if (SeqNum.gt(ack, sndMax) || SeqNum.lt(ack, sndUna - maxSndWnd)) {
            challengeAck(nowNs);
            return false;
        }
        unansweredProbes = 0;
        int segWnd = seg.window << options.sndShift();
        boolean updateWindow = SeqNum.lt(sndWl1, seg.seq) || (sndWl1 == seg.seq && SeqNum.le(sndWl2, ack));
        boolean newSack = options.sack() && scoreboard.update(seg.options, sndUna, sndMax);
        if (SeqNum.gt(ack, sndUna)) {
            newAck(ack, options.rttSampleNs(seg.options, nowNs), nowNs);
        } else if (options.sack()) {
            // RFC 6675 section 2: with SACK a duplicate ACK is one that SACKs new data; one
            // without SACK blocks that RFC 5681 calls duplicate counts too, so that a path that
            // strips the blocks still gets fast retransmit.
            boolean classic = seg.payloadLength == 0 && !seg.has(FIN) && segWnd == sndWnd
                    && seg.options.sackBlockCount() == 0;
            if (ack == sndUna && sndMax != sndUna && scoreboard.duplicate(newSack || classic, sndUna, sndMss)) {
                enterSackRecovery(nowNs);
            }
        } else if (ack == sndUna && seg.payloadLength == 0 && !seg.has(FIN) && segWnd == sndWnd
                && sndMax != sndUna) {
            // A duplicate ACK as RFC 5681 section 2 defines it (window unchanged, data outstanding).
            if (cc.onDupAck(ack, sndMax - sndUna, sndMax, nowNs)) {
                counters.increment(Counter.TCP_FAST_RETRANSMITS);
                retransmitFirst(nowNs);
            }
        }
        if (updateWindow) {
            if (segWnd > sndWnd) {
                persistShift = 0;
            }
            sndWnd = segWnd;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            sndWl1 = seg.seq;
            sndWl2 = ack;
        }
        boolean finAcked = finQueued && sndUna == finSeq() + 1;
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    state = TcpState.FIN_WAIT_2;
                    if (appClosed) {
                        startOrphanTimer(nowNs);
                    }
                }
            }
            case CLOSING -> {
                if (finAcked) {
                    enterTimeWait(nowNs);
                }
            }
            case LAST_ACK -> {
                if (finAcked) {
                    enterClosed(nowNs);
                    return false;
                }
            }
            default -> {
            }
        }
        return true;
    }

    /**
     * An ACK of new data (RFC 9293 3.10.7.4 fifth step; RFC 6298 section 5; RFC 5681; RFC 6582;
     * RFC 6675 section 5).
     *
     * @param tsRttNs an RTT sample from the echoed timestamp (RFC 7323 section 4.1), or -1
     */
    private void newAck(int ack, long tsRttNs, long nowNs) {
        int acked = ack - sndUna;
        if (tsRttNs >= 0) {
            rtt.sample(tsRttNs);
            rttTiming = false;
        } else if (rttTiming && SeqNum.ge(ack, rttEndSeq)) {
            rtt.sample(nowNs - rttStartNs);
            rttTiming = false;
        } else if (retries > 0) {
            rtt.undoBackoff();
        }
        retries = 0;
        int buffered = bufferedBytes();
        int dataAcked = Math.min(Math.max(ack - bufferSeq, 0), buffered);
        if (dataAcked > 0) {
            int freeBefore = sendBuffer.free();
            sendBuffer.consume(dataAcked);
            bufferSeq += dataAcked;
            int lowWater = sendBuffer.size() / 4;
            if (freeBefore < lowWater && sendBuffer.free() >= lowWater && canWrite()) {
                pendingEvents |= SocketEvents.WRITABLE;
            }
        }
        sndUna = ack;
        // The user timeout measures time without forward progress.
        unackedSinceNs = nowNs;
        if (SeqNum.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (options.sack()) {
            scoreboard.advance(sndUna);
            scoreboard.cumulativeAck();
            if (scoreboard.inRecovery()) {
                // cwnd stays at ssthresh while pipe paces sending (RFC 6675 section 5);
                // recovery ends once RecoveryPoint is acknowledged (step A).
                scoreboard.maybeExit(sndUna);
            } else {
                cc.onNewAck(ack, acked, sndMax - sndUna, nowNs, rtt.srttNs());
            }
        } else if (cc.onNewAck(ack, acked, sndMax - sndUna, nowNs, rtt.srttNs())) {
            // NewReno partial ACK (RFC 6582 section 3.2 step 4).
            retransmitFirst(nowNs);
        }
        if (!sndBufLocked && sendBuffer != null) {
            tuneSendBuffer();
        }
        if (sndUna == sndMax) {
            timers.cancel(rtxTimer);
        } else {
            // RFC 6298 section 5.3 (and RFC 6582 step 4 on a partial ACK): restart the timer.
            timers.schedule(rtxTimer, nowNs + rtt.rtoNs());
        }
    }

    /** Text and FIN processing, RFC 9293 section 3.10.7.4 seventh and eighth steps. */
    private void processText(Segment seg, long nowNs) {
        if (state != TcpState.ESTABLISHED && state != TcpState.FIN_WAIT_1 && state != TcpState.FIN_WAIT_2) {
            // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer already sent FIN; ignore.
            return;
        }
        int seq = seg.seq;
        int length = seg.payloadLength;
        int offset = seg.payloadOffset;
        boolean fin = seg.has(FIN);
        if (length == 0 && !fin) {
            return;
        }
        int skip = rcvNxt - seq;
        if (skip > 0) {
            if (skip > length) {
                return;
            }
            offset += skip;
            length -= skip;
            seq = rcvNxt;
        }
        int room = rcvWindow.rightEdge() - seq;
        if (length > room) {
            // Beyond the right edge we offered: trimmed, and a FIN after it is not ours yet.
            length = Math.max(room, 0);
            fin = false;
        }
        if (length == 0 && !fin) {
            return;
        }
        if (appClosed && length > 0) {
            // Nobody will read it: reset the peer (RFC 9293 section 3.10.4, RFC 2525 section 2.17).
            resetPeer(nowNs);
            counters.increment(Counter.TCP_ABORTS);
            enterClosed(nowNs);
            return;
        }
        if (seq == rcvNxt) {
            if (length > 0) {
                int accepted = rxQueue.append(seg.frame, offset, length, rxFramesAllowed() - reassembly.frames());
                frameTaken = true;
                rcvNxt += accepted;
                if (accepted > 0) {
                    pendingEvents |= SocketEvents.READABLE;
                }
                if (accepted < length) {
                    // No receive frame left for the rest, even after compacting (ReceiveQueue):
                    // the peer sends it again. Acknowledge now so it learns where we are.
                    counters.increment(Counter.TCP_RX_DROP_MEMORY);
                    ackNow = true;
                    return;
                }
            }
            if (fin) {
                // Anything held beyond the FIN is not data (RFC 9293 section 3.10.7.4 eighth step).
                reassembly.clear();
            } else if (reassembly.count() > 0) {
                rcvNxt = reassembly.drain(rcvNxt, rxQueue);
                fin = reassembly.finReached();
                // Filling a gap is acknowledged at once (RFC 5681 section 4.2).
                ackNow = true;
                pendingEvents |= SocketEvents.READABLE;
            }
            if (fin) {
                rcvNxt++;
                finArrived(nowNs);
            } else {
                delayAck(nowNs);
            }
        } else {
            counters.increment(Counter.TCP_RX_OUT_OF_ORDER);
            boolean mayHoldMore = rxQueue.frames() + reassembly.frames() < rxFramesAllowed();
            int result = reassembly.insert(seg.frame, seq, offset, length, fin, mayHoldMore);
            frameTaken = true;
            if (result == Reassembly.FULL) {
                counters.increment(Counter.TCP_RX_DROP_REASSEMBLY_FULL);
            } else if (result == Reassembly.NO_MEMORY) {
                counters.increment(Counter.TCP_RX_DROP_MEMORY);
            } else {
                // The first SACK block reports the segment that triggered the ACK (RFC 2018 section 4).
                sackBlocks.arrived(seq);
            }
            // An out-of-order segment is acknowledged at once: a duplicate ACK (RFC 5681 section 4.2).
            ackNow = true;
        }
    }

    /** The peer's FIN is in sequence (RFC 9293 section 3.10.7.4 eighth step). */
    private void finArrived(long nowNs) {
        finReceived = true;
        ackNow = true;
        pendingEvents |= SocketEvents.READABLE;
        switch (state) {
            case ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> state = TcpState.CLOSING;
            case FIN_WAIT_2 -> enterTimeWait(nowNs);
            default -> {
            }
        }
    }

    /** Delayed ACK (RFC 1122 section 4.2.3.2, RFC 5681 section 4.2): at least every second full segment. */
    private void delayAck(long nowNs) {
        if (rcvNxt - lastAckSent >= 2 * rcvMss || config.delayedAckTimeoutNs() == 0) {
            ackNow = true;
        } else if (!ackTimer.isScheduled()) {
            timers.schedule(ackTimer, nowNs + config.delayedAckTimeoutNs());
        }
    }

    /** The SYN we sent is acknowledged (active open's SYN-ACK, or the passive side's third ACK). */
    private void acknowledgeSyn(int ack, long nowNs) {
        synAcked = true;
        if (rttTiming && SeqNum.ge(ack, rttEndSeq)) {
            rtt.sample(nowNs - rttStartNs);
        }
        rttTiming = false;
        retries = 0;
        sndUna = ack;
        if (SeqNum.lt(sndNxt, ack)) {
            sndNxt = ack;
        }
        timers.cancel(rtxTimer);
        cc.init(sndMss, iss);
    }

    private void establish(long nowNs) {
        state = TcpState.ESTABLISHED;
        if (keepalive != null && keepalive.enabled) {
            keepalive.heard(nowNs);
            armKeepalive(keepalive.idleDeadlineNs());
        }
        counters.increment(Counter.TCP_ESTABLISHED);
        if (finQueued) {
            state = TcpState.FIN_WAIT_1;
        }
        if (passive) {
            if (parent != null) {
                parent.childEstablished(this);
            }
        } else {
            pendingEvents |= SocketEvents.CONNECTED | SocketEvents.WRITABLE;
        }
    }

    // ------------------------------------------------------------------ ICMP

    /**
     * Whether a segment starting at {@code seq} may be one we sent and is not yet
     * acknowledged: SND.UNA &lt;= seq &lt; SND.MAX (RFC 5927 section 4.1: believe only errors
     * about data in flight, which a blind attacker must guess).
     */
    boolean sentSequence(int seq) {
        return SeqNum.inRange(seq, sndUna, sndMax);
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
            if (nextHopMtu >= 68 && newMss < sndMss) {
                sndMss = newMss;
                cc.mss(newMss);
                if (synAcked && sndMax != sndUna) {
                    sndNxt = sndUna;
                    scoreboard.timeout(sndMax);
                    rttTiming = false;
                    output(nowNs);
                }
            }
        } else if (type == 3 && (code == 2 || code == 3) && state == TcpState.SYN_SENT) {
            // Protocol or port unreachable while connecting: a hard error.
            fail(code == 3 ? TcpError.REFUSED : TcpError.UNREACHABLE, nowNs);
        } else if (type == 3 || type == 11 || type == 12) {
            // Soft errors: remembered, reported only if the connection then times out.
            softError = TcpError.UNREACHABLE;
        }
        flushEvents();
    }

    // ------------------------------------------------------------------ TIME-WAIT reuse

    /**
     * Whether a SYN may end this TIME-WAIT and open a new incarnation (RFC 9293 section
     * 3.10.7.4 and RFC 6191 without timestamps: its sequence number is above RCV.NXT).
     */
    boolean acceptsNewSyn(int seq) {
        return state == TcpState.TIME_WAIT && SeqNum.gt(seq, rcvNxt);
    }

    /** @return the highest sequence number sent; a new incarnation's ISS must lie beyond it */
    int sndMax() {
        return sndMax;
    }

    /** Ends TIME-WAIT early for a new incarnation. */
    void endTimeWait(long nowNs) {
        enterClosed(nowNs);
        flushEvents();
    }

    // ------------------------------------------------------------------ sending

    /** Sends whatever the windows, Nagle and SWS avoidance allow now, then sets the timer. */
    private void output(long nowNs) {
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            return;
        }
        if (!synAcked) {
            if (sndNxt == iss) {
                int flags = state == TcpState.SYN_SENT ? SYN : SYN | ACK;
                sendSegment(iss, flags, 0, 0, nowNs);
                sndNxt = iss + 1;
            }
            armTimer(nowNs);
            return;
        }
        if (scoreboard.inRecovery()) {
            recoveryOutput(nowNs);
        } else {
            // Limited Transmit (RFC 3042): with SACK the DupAcks are counted by the scoreboard.
            int limited = options.sack() ? Math.min(scoreboard.dupAcks(), 2) * sndMss : 0;
            while (sendNew(Math.min(sndWnd, cc.sendWindow() + limited) - (sndNxt - sndUna), nowNs)) {
                // One segment per turn until the windows, Nagle or the data say stop.
            }
        }
        armTimer(nowNs);
    }

    /**
     * Sends one segment of new data (or the FIN) at SND.NXT if {@code usable} bytes of window,
     * Nagle and SWS avoidance allow.
     *
     * @return whether a segment went out
     */
    private boolean sendNew(int usable, long nowNs) {
        int inFlight = sndNxt - sndUna;
        int sent = sndNxt - bufferSeq;
        int buffered = bufferedBytes();
        if (sent > buffered) {
            return false;
        }
        int unsent = buffered - sent;
        if (unsent == 0) {
            if (finQueued && usable >= 1) {
                sendSegment(sndNxt, ACK | FIN, sent, 0, nowNs);
                sndNxt++;
                return true;
            }
            return false;
        }
        int length = Math.min(Math.min(unsent, segmentMss()), usable);
        if (length <= 0 || !senderMaySend(length, unsent, inFlight)) {
            return false;
        }
        boolean fin = finQueued && length == unsent && usable > length;
        sendSegment(sndNxt, ACK | (fin ? FIN : 0) | (length == unsent ? PSH : 0), sent, length, nowNs);
        sndNxt += length + (fin ? 1 : 0);
        return true;
    }

    /**
     * Sending during SACK loss recovery (RFC 6675 section 5, steps 4.4 and C): while
     * cwnd - pipe is at least one SMSS, send what NextSeg names: a lost segment (rule 1),
     * new data (rule 2), an unSACKed one (rule 3), or the rescue retransmission (rule 4).
     * Every round raises pipe or HighRxt, or sends the one rescue, so the loop ends.
     */
    private void recoveryOutput(long nowNs) {
        int mss = segmentMss();
        while (cc.cwnd() - scoreboard.pipe(sndUna, sndMax, sndMss) >= mss) {
            int kind = scoreboard.nextSeg(sndUna, sndMax, mss, false);
            if (kind == SackScoreboard.NONE) {
                if (sendNew(Math.min(mss, sndUna + sndWnd - sndMax), nowNs)) {
                    continue;
                }
                kind = scoreboard.nextSeg(sndUna, sndMax, mss, true);
                if (kind == SackScoreboard.NONE) {
                    return;
                }
            }
            int seq = scoreboard.nextSeq();
            int sent = retransmitRange(seq, scoreboard.nextLength(), nowNs);
            if (sent == 0) {
                return;
            }
            if (kind == SackScoreboard.RETRANSMIT) {
                scoreboard.retransmitted(seq + sent);
            }
        }
    }

    /** RFC 6675 section 5 step 4: enter recovery, retransmit the first unacknowledged segment. */
    private void enterSackRecovery(long nowNs) {
        counters.increment(Counter.TCP_SACK_RECOVERIES);
        counters.increment(Counter.TCP_FAST_RETRANSMITS);
        cc.sackRecoveryStarted(sndMax - sndUna, nowNs);
        scoreboard.enterRecovery(sndUna, sndMax);
        // New data continues from SND.MAX; holes are NextSeg's business from here on.
        sndNxt = sndMax;
        int firstHole = scoreboard.rangeCount() > 0 ? scoreboard.left(0) - sndUna : sndMax - sndUna;
        int sent = retransmitRange(sndUna, Math.min(segmentMss(), firstHole), nowNs);
        scoreboard.retransmitted(sndUna + sent);
    }

    /**
     * Retransmits up to {@code length} bytes of sequence space from {@code seq} (below SND.MAX),
     * with the FIN if the range reaches it.
     *
     * @return sequence space sent (0 if there was nothing)
     */
    private int retransmitRange(int seq, int length, long nowNs) {
        int from = seq - bufferSeq;
        int buffered = bufferedBytes();
        int data = Math.max(0, Math.min(length, buffered - from));
        boolean fin = finQueued && from + data == buffered && data < length && SeqNum.gt(sndMax, finSeq());
        if (data == 0 && !fin) {
            return 0;
        }
        sendSegment(seq, ACK | (fin ? FIN : 0), from, data, nowNs);
        return data + (fin ? 1 : 0);
    }

    /**
     * The payload of one segment: the MSS less the options every segment carries
     * (timestamps) and room for SACK blocks while we hold out-of-order data.
     */
    private int segmentMss() {
        return Math.max(1, sndMss - sackOptionBytes());
    }

    private int sackOptionBytes() {
        int blocks = options.sack() ? Math.min(reassembly.count(), maxSackBlocks()) : 0;
        return blocks == 0 ? 0 : TcpOptions.SACK_HEADER_LENGTH + TcpOptions.SACK_BLOCK_LENGTH * blocks;
    }

    /** SACK blocks that fit beside the timestamps in 40 option bytes: 3 with, 4 without (RFC 2018 section 3). */
    private int maxSackBlocks() {
        return (TcpOptions.MAX_LENGTH - options.fixedOptionBytes() - TcpOptions.SACK_HEADER_LENGTH)
                / TcpOptions.SACK_BLOCK_LENGTH;
    }

    /**
     * Nagle and sender SWS avoidance (RFC 9293 sections 3.7.4 and 3.8.6.2.1): send a full
     * segment; or, with nothing unacknowledged (or Nagle off), everything queued, or at
     * least half the largest window the peer ever offered.
     */
    private boolean senderMaySend(int length, int unsent, int inFlight) {
        if (length >= sndMss) {
            return true;
        }
        if (inFlight > 0 && !noDelay) {
            return false;
        }
        return length == unsent || length >= maxSndWnd / 2;
    }

    /**
     * Retransmits the first unacknowledged segment (fast retransmit, partial ACK, timeout),
     * whatever the windows say.
     */
    private void retransmitFirst(long nowNs) {
        int buffered = bufferedBytes();
        int outstanding = sndMax - sndUna;
        int length = Math.min(Math.min(segmentMss(), outstanding), buffered);
        boolean fin = finQueued && length == buffered && outstanding > length;
        if (length == 0 && !fin) {
            return;
        }
        sendSegment(sndUna, ACK | (fin ? FIN : 0), 0, length, nowNs);
        int end = sndUna + length + (fin ? 1 : 0);
        if (SeqNum.lt(sndNxt, end)) {
            sndNxt = end;
        }
    }

    /**
     * Sends one segment carrying our current ACK and window.
     *
     * @param from offset of the payload in the send buffer
     */
    private void sendSegment(int seq, int flags, int from, int length, long nowNs) {
        int seqLength = length + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
        if (SeqNum.lt(seq, sndMax)) {
            counters.increment(Counter.TCP_RETRANSMITS);
            // Karn's algorithm (RFC 6298 section 3): no sample from a retransmitted range.
            if (rttTiming && SeqNum.lt(seq, rttEndSeq)) {
                rttTiming = false;
            }
        } else {
            cc.onNewDataSent(seqLength, sndMax - sndUna);
            if (!rttTiming && seqLength > 0) {
                rttTiming = true;
                rttEndSeq = seq + seqLength;
                rttStartNs = nowNs;
            }
        }
        if (SeqNum.gt(seq + seqLength, sndMax)) {
            if (sndMax == sndUna) {
                unackedSinceNs = nowNs;
            }
            sndMax = seq + seqLength;
        }
        transmit(seq, flags, from, length, nowNs);
    }

    /**
     * A pure ACK carries SND.MAX, not SND.NXT: after a timeout SND.NXT goes back to
     * SND.UNA, and an ACK numbered there looks old to a peer that got the data; it would
     * be dropped by the acceptability test with its ACK field unread, and two peers both
     * retransmitting would ignore each other's ACKs for ever. SND.MAX is what RFC 9293 calls
     * SND.NXT in a stack that does not rewind (Linux's snd_nxt).
     */
    private void sendAck(long nowNs) {
        transmit(sndMax, ACK, 0, 0, nowNs);
    }

    /**
     * Sends a segment with our ACK, window and options: on a SYN what we offer (or answer),
     * otherwise timestamps and, on an ACK while out-of-order data waits, SACK blocks.
     */
    private void transmit(int seq, int flags, int from, int length, long nowNs) {
        boolean syn = (flags & SYN) != 0;
        // A SYN's window is never scaled (RFC 7323 section 2.2).
        int window = rcvWindow.advertise(rcvNxt, syn ? 0 : options.rcvShift(), rxQueue.bytes(), rcvMss, rxRoomBytes());
        int ack = (flags & ACK) != 0 ? rcvNxt : 0;
        SegmentOptions o = out.options();
        if (syn) {
            if (state == TcpState.SYN_SENT) {
                options.offer(o, ourMss, nowNs);
            } else {
                options.answer(o, ourMss, nowNs);
            }
        } else if ((flags & RST) == 0) {
            options.stamp(o, nowNs);
            if ((flags & ACK) != 0 && options.sack() && reassembly.count() > 0) {
                sackBlocks.fill(o, reassembly, maxSackBlocks());
            }
        }
        out.send(localIp, localPort, remoteIp, remotePort, seq, ack, flags, window, o, sendBuffer, from, length,
                dscpEcn, nowNs);
        if ((flags & ACK) != 0) {
            lastAckSent = rcvNxt;
            ackNow = false;
            timers.cancel(ackTimer);
        }
    }

    /** Sends RST as ABORT and an unread close do (RFC 9293 section 3.10.5); SND.MAX as in {@link #sendAck}. */
    private void resetPeer(long nowNs) {
        if (state == TcpState.SYN_RECEIVED || state.synchronizedState() && state != TcpState.TIME_WAIT) {
            transmit(sndMax, RST | ACK, 0, 0, nowNs);
        }
    }

    private void sendReset(int seq, int ack, int flags, long nowNs) {
        out.send(localIp, localPort, remoteIp, remotePort, seq, ack, flags, 0, out.options(), null, 0, 0, dscpEcn,
                nowNs);
    }

    /**
     * The one timer's job: retransmission while anything is outstanding (RFC 6298 section
     * 5.1), persist while data waits for a window with nothing outstanding (RFC 9293 3.8.6.1),
     * nothing otherwise.
     */
    private void armTimer(long nowNs) {
        if (sndMax != sndUna) {
            if (persisting || !rtxTimer.isScheduled()) {
                persisting = false;
                timers.schedule(rtxTimer, nowNs + rtt.rtoNs());
            }
        } else if (synAcked && (sndNxt - bufferSeq < bufferedBytes() || finQueued && sndNxt - bufferSeq == bufferedBytes())) {
            if (!persisting || !rtxTimer.isScheduled()) {
                persisting = true;
                timers.schedule(rtxTimer, nowNs + persistTimeoutNs());
            }
        } else {
            persisting = false;
            timers.cancel(rtxTimer);
        }
    }

    private long persistTimeoutNs() {
        long rto = rtt.rtoNs();
        long max = config.maxRtoNs();
        return rto > (max >> persistShift) ? max : Math.min(max, rto << persistShift);
    }

    private void onRetransmitTimer(long nowNs) {
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            return;
        }
        if (persisting) {
            persist(nowNs);
        } else if (sndMax != sndUna) {
            retransmissionTimeout(nowNs);
        }
        if (state != TcpState.CLOSED && ackNow) {
            sendAck(nowNs);
        }
        flushEvents();
    }

    /** RFC 6298 section 5.4 to 5.6: back off, go back to SND.UNA, resend. */
    private void retransmissionTimeout(long nowNs) {
        counters.increment(Counter.TCP_TIMEOUTS);
        retries++;
        int limit = synAcked ? config.maxRetransmissions() : config.synRetries();
        if (synAcked && userTimeoutNs > 0) {
            // RFC 5482 / TCP_USER_TIMEOUT: time without acknowledgment decides, not the count.
            if (nowNs - unackedSinceNs >= userTimeoutNs) {
                counters.increment(Counter.TCP_USER_TIMEOUTS);
                fail(TcpError.TIMED_OUT, nowNs);
                return;
            }
        } else if (retries > limit) {
            if (passive && !synAcked) {
                // A half-open passive connection that never completed vanishes quietly.
                enterClosed(nowNs);
            } else {
                fail(softError != TcpError.NONE ? softError : TcpError.TIMED_OUT, nowNs);
            }
            return;
        }
        rtt.backOff();
        rttTiming = false;
        sndNxt = sndUna;
        scoreboard.timeout(sndMax);
        if (!synAcked) {
            output(nowNs);
            return;
        }
        cc.onTimeout(sndMax - sndUna, sndMax, nowNs);
        retransmitFirst(nowNs);
        long deadlineNs = nowNs + rtt.rtoNs();
        if (userTimeoutNs > 0 && deadlineNs - (unackedSinceNs + userTimeoutNs) > 0) {
            // Come back when the user timeout expires rather than a long backoff later (as Linux).
            deadlineNs = unackedSinceNs + userTimeoutNs;
        }
        timers.schedule(rtxTimer, deadlineNs);
        output(nowNs);
    }

    /** The persist timer (RFC 9293 section 3.8.6.1, RFC 1122 section 4.2.2.17). */
    private void persist(long nowNs) {
        persisting = false;
        int sent = sndNxt - bufferSeq;
        int unsent = bufferedBytes() - sent;
        if (sndWnd == 0) {
            if (++unansweredProbes > config.maxRetransmissions()) {
                // RFC 1122 section 4.2.2.17 keeps a zero window open only while the receiver
                // answers the probes; a peer silent through as many probes as we would
                // retransmit is gone (Linux: tcp_probe_timer against tcp_retries2).
                fail(TcpError.TIMED_OUT, nowNs);
                return;
            }
            // A zero-window probe. Like Linux, an ACK carrying SND.UNA-1: outside the peer's
            // window, so it must answer with an ACK that reports its current window.
            counters.increment(Counter.TCP_ZERO_WINDOW_PROBES);
            transmit(sndUna - 1, ACK, 0, 0, nowNs);
        } else if (unsent > 0) {
            // The SWS override timeout (RFC 9293 section 3.8.6.2.1): send what the window takes.
            int length = Math.min(Math.min(unsent, segmentMss()), sndWnd);
            boolean fin = finQueued && length == unsent && sndWnd > length;
            sendSegment(sndNxt, ACK | PSH | (fin ? FIN : 0), sent, length, nowNs);
            sndNxt += length + (fin ? 1 : 0);
        } else {
            output(nowNs);
        }
        if (persistShift < MAX_PERSIST_SHIFT) {
            persistShift++;
        }
        if (sndMax == sndUna) {
            persisting = true;
            timers.schedule(rtxTimer, nowNs + persistTimeoutNs());
        } else {
            armTimer(nowNs);
        }
    }

    private Keepalive keepalive() {
        if (keepalive == null) {
            keepalive = new Keepalive(this::onKeepaliveTimer, config, 0);
        }
        return keepalive;
    }

    private void armKeepalive(long deadlineNs) {
        if (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT || state == TcpState.FIN_WAIT_1
                || state == TcpState.FIN_WAIT_2 || state == TcpState.CLOSING || state == TcpState.LAST_ACK) {
            timers.schedule(keepalive.timer, deadlineNs);
        }
    }

    /**
     * RFC 1122 section 4.2.3.6: after the idle time, probes of SEG.SEQ = SND.NXT - 1 with no
     * data, which the peer must answer with an ACK. While data is outstanding or waiting for a
     * window the retransmission and persist timers watch the peer instead (as in Linux).
     */
    private void onKeepaliveTimer(long nowNs) {
        Keepalive k = keepalive;
        if (!k.enabled) {
            return;
        }
        if (sndMax != sndUna || persisting) {
            armKeepalive(nowNs + k.idleNs);
            return;
        }
        switch (k.due(nowNs)) {
            case Keepalive.WAIT -> armKeepalive(k.idleDeadlineNs());
            case Keepalive.PROBE -> {
                counters.increment(Counter.TCP_KEEPALIVE_PROBES);
                k.probed();
                transmit(sndMax - 1, ACK, 0, 0, nowNs);
                armKeepalive(nowNs + k.intervalNs);
            }
            default -> {
                counters.increment(Counter.TCP_KEEPALIVE_TIMEOUTS);
                fail(TcpError.TIMED_OUT, nowNs);
            }
        }
        flushEvents();
    }

    private void onDelayedAckTimer(long nowNs) {
        if (state != TcpState.CLOSED && lastAckSent != rcvNxt) {
            sendAck(nowNs);
        }
        flushEvents();
    }

    private void onWaitTimer(long nowNs) {
        if (state == TcpState.TIME_WAIT || state == TcpState.FIN_WAIT_2) {
            enterClosed(nowNs);
        }
        flushEvents();
    }

    // ------------------------------------------------------------------ send buffer auto-tuning

    /**
     * Send-buffer auto-tuning (Linux tcp_sndbuf_expand): the buffer holds the data in flight
     * and what waits for the window, so it is kept at twice the congestion window, doubling
     * up to the cap. The ring is reallocated and copied only on growth, a few times in a
     * connection's life.
     */
    private void tuneSendBuffer() {
        long want = Math.min(2L * cc.cwnd(), config.sendBufferMaxBytes());
        int size = sendBuffer.size();
        if (size >= want) {
            return;
        }
        long grown = size;
        while (grown < want) {
            grown *= 2;
        }
        int bytes = (int) Math.min(grown, config.sendBufferMaxBytes());
        if (bytes > sendBuffer.capacity()) {
            layer.grow(sendBuffer, bytes);
        }
        sendBuffer.size(bytes);
        counters.increment(Counter.TCP_SEND_BUFFER_GROWN);
        if (canWrite()) {
            pendingEvents |= SocketEvents.WRITABLE;
        }
    }

    // ------------------------------------------------------------------ windows

    /** @return receive frames this connection may hold: its share, as far as the layer's budget allows */
    private int rxFramesAllowed() {
        int held = rxQueue.frames() + reassembly.frames();
        int allowed = Math.min(config.receiveFramesPerConnection(), held + layer.receiveFrames().free());
        // An empty receive queue may always take one frame (ReceiveQueue): progress for every reader.
        return rxQueue.frames() == 0 ? Math.max(allowed, Math.min(held + 1, config.receiveFramesPerConnection()))
                : allowed;
    }

    /**
     * @return bytes the receive frames this connection may still take can hold, a full-sized
     *         segment each: the window never promises more (see {@link ReceiveWindow})
     */
    private int rxRoomBytes() {
        int frames = rxFramesAllowed() - rxQueue.frames() - reassembly.frames();
        return (int) Math.min(Integer.MAX_VALUE, Math.max(frames, 0) * (long) rcvMss);
    }

    /** After a read: tell the peer when the window has opened by enough to matter (RFC 1122 4.2.3.3). */
    private void windowUpdateAfterRead(long nowNs) {
        if (state != TcpState.ESTABLISHED && state != TcpState.FIN_WAIT_1 && state != TcpState.FIN_WAIT_2) {
            return;
        }
        if (rcvWindow.worthUpdate(rcvNxt, options.rcvShift(), rxQueue.bytes(), rcvMss, rxRoomBytes())) {
            sendAck(nowNs);
        }
    }

    // ------------------------------------------------------------------ closing

    private void queueFin(long nowNs) {
        if (finQueued) {
            return;
        }
        switch (state) {
            case SYN_SENT, SYN_RECEIVED -> finQueued = true;
            case ESTABLISHED -> {
                finQueued = true;
                state = TcpState.FIN_WAIT_1;
                output(nowNs);
            }
            case CLOSE_WAIT -> {
                finQueued = true;
                state = TcpState.LAST_ACK;
                output(nowNs);
            }
            default -> {
            }
        }
    }

    private void startOrphanTimer(long nowNs) {
        // Linux's tcp_fin_timeout: an orphaned FIN-WAIT-2 must not wait for ever.
        timers.schedule(waitTimer, nowNs + config.timeWaitNs());
    }

    private void enterTimeWait(long nowNs) {
        state = TcpState.TIME_WAIT;
        persisting = false;
        timers.cancel(rtxTimer);
        if (keepalive != null) {
            timers.cancel(keepalive.timer);
        }
        timers.schedule(waitTimer, nowNs + config.timeWaitNs());
        releaseSendBuffer();
    }

    private void fail(TcpError why, long nowNs) {
        error = why;
        counters.increment(Counter.TCP_ABORTS);
        rxQueue.clear();
        if (!passive && !synAcked) {
            pendingEvents |= SocketEvents.CONNECTED;
        }
        pendingEvents |= SocketEvents.ERROR;
        enterClosed(nowNs);
    }

    private void enterClosed(long nowNs) {
        if (state == TcpState.CLOSED) {
            return;
        }
        state = TcpState.CLOSED;
        timers.cancel(rtxTimer);
        timers.cancel(ackTimer);
        timers.cancel(waitTimer);
        if (keepalive != null) {
            timers.cancel(keepalive.timer);
        }
        reassembly.clear();
        sackBlocks.clear();
        if (appClosed || error != TcpError.NONE) {
            rxQueue.clear();
        }
        releaseSendBuffer();
        layer.unregister(this);
        pendingEvents |= SocketEvents.CLOSED | SocketEvents.READABLE;
    }

    private void releaseSendBuffer() {
        if (sendBuffer != null) {
            layer.recycle(sendBuffer);
            sendBuffer = null;
        }
    }

    private int bufferedBytes() {
        return sendBuffer == null ? 0 : sendBuffer.length();
    }

    private int finSeq() {
        return bufferSeq + bufferedBytes();
    }

    private void flushEvents() {
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
        return synAcked;
    }
}
