package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.ip.TransportProtocol;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.NetworkOrder;
import io.bypass.stack.wire.TcpHeader;
import io.bypass.stack.wire.TcpOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TCP as IPv4 sees it: validates segments, demultiplexes them to connections by 4-tuple
 * and to listeners by port (within an SO_REUSEPORT group, by a keyed hash of the 4-tuple), answers segments for no socket with RST, opens connections
 * (ISNs per RFC 6528, ephemeral ports per RFC 6056 algorithm 3) and routes ICMP errors
 * to the connection they concern.
 *
 * <p>Connections are found in an open-addressing table keyed by a {@code long} of remote
 * address and both ports (the stack has one local address per interface; the local address
 * is checked after the lookup). Send buffers are off-heap rings: those of the configured
 * default size come from an arena the layer owns and are recycled between connections;
 * others (an explicit SO_SNDBUF, or grown by auto-tuning) each come from an automatic arena
 * of their own, so the garbage collector frees them with their connection. Not
 * thread-safe: used under the stack lock.
 */
public final class TcpLayer implements TransportProtocol {
    /** Bytes of IPv4 and TCP headers without options, subtracted from the MTU for the MSS. */
    private static final int HEADERS = 40;

    private final TcpConfig config;
    private final IpSender ip;
    private final TimerWheel timers;
    private final StackCounters counters;
    private final SegmentOutput output;
    /** The link vouches for received TCP checksums (offload, or frames that never left memory). */
    private final boolean rxChecksumVerified;
    /** Connections in every state but LISTEN, CLOSED and TIME-WAIT. */
    private final LongTable<TcpConnection> connections = new LongTable<>(64);
    /** TIME-WAIT, each the small record a connection leaves behind; at most {@link TcpConfig#maxTimeWait}. */
    private final LongTable<TimeWait> timeWaits = new LongTable<>(64);
    /** Connections held by a full transmit queue ({@link #holdForLink}), the first {@link #heldForLinkCount}. */
    private TcpConnection[] heldForLink = new TcpConnection[16];
    private int heldForLinkCount;
    private final LongTable<TcpListener> listeners = new LongTable<>(16);
    private final TcpHeader header = new TcpHeader();
    private final TcpOptions options = new TcpOptions();
    private final Segment segment = new Segment();
    private final Arena arena = Arena.ofAuto();
    private MemorySegment[] freeRings = new MemorySegment[16];
    private int freeRingCount;
    private int nextEphemeral;
    private final SynCookies cookies;
    private final FrameBudget reassemblyFrames;
    private final FrameBudget receiveFrames;
    /** Half-open (SYN-RECEIVED) connections over all listeners. */
    private int halfOpen;

    /**
     * @param config   settings
     * @param ip       where segments go
     * @param timers   the stack's timer wheel
     * @param counters the stack's counters
     */
    public TcpLayer(TcpConfig config, IpSender ip, TimerWheel timers, StackCounters counters) {
        this.config = config;
        this.ip = ip;
        this.timers = timers;
        this.counters = counters;
        this.output = new SegmentOutput(ip, counters);
        this.cookies = new SynCookies(config.isnSecretHigh(), config.isnSecretLow());
        this.reassemblyFrames = new FrameBudget(config.reassemblyFramesTotal());
        this.receiveFrames = new FrameBudget(config.receiveFramesTotal());
        this.rxChecksumVerified = ip.linkCapabilities().rxL4ChecksumVerified();
    }

    // ------------------------------------------------------------------ API

    /**
     * Opens a listener.
     *
     * @param localIp our address, or {@link Ipv4Address#ANY}
     * @param port    the port, 1..65535
     * @param backlog most half-open plus unaccepted connections; 0 or less for the default
     * @throws TcpException ADDRESS_IN_USE when something listens there already
     */
    public TcpListener listen(int localIp, int port, int backlog) {
        return listen(localIp, port, backlog, false);
    }

    /**
     * Opens a listener, optionally one of a group sharing the address (SO_REUSEPORT, as in
     * Linux 3.9 and later): when every listener on the address opted in, each new
     * connection goes to one of them, chosen by a keyed hash of its 4-tuple, so the same
     * peer address and port always reach the same listener while the group is unchanged
     * (which also keeps a SYN cookie's returning ACK at the listener that sent the cookie).
     *
     * @param localIp   our address, or {@link Ipv4Address#ANY}
     * @param port      the port, 1..65535
     * @param backlog   most half-open plus unaccepted connections; 0 or less for the default
     * @param reusePort whether this listener shares the address with others that do
     * @throws TcpException ADDRESS_IN_USE when something listens there already and either it
     *                      or this one did not opt in
     */
    public TcpListener listen(int localIp, int port, int backlog, boolean reusePort) {
        checkPort(port);
        long key = listenerKey(localIp, port);
        TcpListener first = listeners.get(key);
        if (first != null && !(reusePort && first.reusePort)) {
            throw new TcpException(TcpException.Reason.ADDRESS_IN_USE,
                    Ipv4Address.toString(localIp) + ":" + port + " is listening already");
        }
        TcpListener l = new TcpListener(this, localIp, port, backlog > 0 ? backlog : config.defaultBacklog(),
                reusePort);
        if (first == null) {
            listeners.put(key, l);
        } else {
            // Every member opted in (checked above, for each one as it joined).
            TcpListener last = first;
            while (last.nextInGroup != null) {
                last = last.nextInGroup;
            }
            last.nextInGroup = l;
        }
        return l;
    }

    /**
     * Opens a connection: sends the SYN now.
     *
     * @param localIp    our address, or {@link Ipv4Address#ANY} for the stack's
     * @param localPort  our port, or 0 for an ephemeral one
     * @param remoteIp   the peer
     * @param remotePort the peer's port
     * @throws TcpException ADDRESS_IN_USE, NO_EPHEMERAL_PORT or CONNECTION_LIMIT
     */
    public TcpConnection connect(int localIp, int localPort, int remoteIp, int remotePort, long nowNs) {
        return connect(localIp, localPort, remoteIp, remotePort, 0, 0, nowNs);
    }

    /**
     * Opens a connection with buffer sizes set before connecting (SO_RCVBUF and SO_SNDBUF
     * set on a socket before connect): sends the SYN now, its window scale sized for the
     * receive buffer.
     *
     * @param localIp            our address, or {@link Ipv4Address#ANY} for the stack's
     * @param localPort          our port, or 0 for an ephemeral one
     * @param remoteIp           the peer
     * @param remotePort         the peer's port
     * @param receiveBufferBytes the receive buffer, or 0 for the default with auto-tuning
     * @param sendBufferBytes    the send buffer, or 0 for the default with auto-tuning
     * @throws TcpException ADDRESS_IN_USE, NO_EPHEMERAL_PORT or CONNECTION_LIMIT
     */
    public TcpConnection connect(int localIp, int localPort, int remoteIp, int remotePort, int receiveBufferBytes,
                                 int sendBufferBytes, long nowNs) {
        checkPort(remotePort);
        checkBufferBytes(receiveBufferBytes);
        checkBufferBytes(sendBufferBytes);
        if (localIp == Ipv4Address.ANY) {
            localIp = ip.localIp();
        }
        if (atConnectionLimit()) {
            counters.increment(Counter.TCP_DROP_CONNECTION_LIMIT);
            throw new TcpException(TcpException.Reason.CONNECTION_LIMIT, config.maxConnections() + " connections");
        }
        if (localPort == 0) {
            localPort = ephemeralPort(localIp, remoteIp, remotePort, nowNs);
        } else {
            checkPort(localPort);
            if (!freeForConnect(connectionKey(remoteIp, localPort, remotePort), localIp, nowNs)) {
                throw new TcpException(TcpException.Reason.ADDRESS_IN_USE, Ipv4Address.toString(localIp) + ":"
                        + localPort + " is connected to " + Ipv4Address.toString(remoteIp) + ":" + remotePort);
            }
        }
        long key = connectionKey(remoteIp, localPort, remotePort);
        int iss = isn(localIp, localPort, remoteIp, remotePort, nowNs);
        TimeWait reused = timeWaits.get(key);
        if (reused != null) {
            // Linux's tcp_tw_reuse (freeForConnect allowed it).
            iss = reused.newIncarnationIss(iss);
            reused.end();
            counters.increment(Counter.TCP_TIME_WAIT_REUSED);
        }
        TcpConnection c = new TcpConnection(this, localIp, localPort, remoteIp, remotePort, iss, ourMss(remoteIp),
                false, takeSendBuffer(sendBufferBytes));
        c.initialBuffers(receiveBufferBytes, sendBufferBytes);
        connections.put(key, c);
        counters.increment(Counter.TCP_ACTIVE_OPENS);
        c.openActive(nowNs);
        return c;
    }

    /** @return half-open (SYN-RECEIVED) connections over all listeners */
    public int halfOpenCount() {
        return halfOpen;
    }

    /** @return received frames all connections hold out of order now */
    public int reassemblyFramesHeld() {
        return reassemblyFrames.held();
    }

    /** @return received frames all connections hold for unread data, in order or not */
    public int receiveFramesHeld() {
        return receiveFrames.held();
    }

    /** @return connections in any state but LISTEN and CLOSED (TIME-WAIT included) */
    public int connectionCount() {
        return connections.size() + timeWaits.size();
    }

    /** @return connections in TIME-WAIT */
    int timeWaitCount() {
        return timeWaits.size();
    }

    /** @return whether {@link TcpConfig#maxConnections} connections not in TIME-WAIT are held */
    private boolean atConnectionLimit() {
        return connections.size() >= config.maxConnections();
    }

    /** @return whether a connection or its TIME-WAIT holds the 4-tuple with this key */
    private boolean inUse(long key) {
        return connections.get(key) != null || timeWaits.get(key) != null;
    }

    /**
     * @return whether a connect from {@code localIp} may take the 4-tuple with this key: nothing
     *         holds it, or only a TIME-WAIT of that address that lets a connect reuse it
     *         ({@link TcpConfig#timeWaitReuse})
     */
    private boolean freeForConnect(long key, int localIp, long nowNs) {
        if (connections.get(key) != null) {
            return false;
        }
        TimeWait tw = timeWaits.get(key);
        return tw == null || tw.localIp() == localIp && tw.reusableForConnect(nowNs);
    }

    /** @return whether one more connection may enter TIME-WAIT ({@link TcpConfig#maxTimeWait}) */
    boolean timeWaitHasRoom() {
        return timeWaits.size() < config.maxTimeWait();
    }

    /** A connection closed into TIME-WAIT: its record takes the 4-tuple for 2 MSL. */
    void timeWaitStarted(TimeWait tw, long nowNs) {
        timeWaits.put(tw.key(), tw);
        tw.start(nowNs);
    }

    /** A TIME-WAIT ended ({@link TimeWait#end}): the 4-tuple is free. */
    void timeWaitEnded(TimeWait tw) {
        long key = tw.key();
        if (timeWaits.get(key) == tw) {
            timeWaits.remove(key);
        }
    }

    // ------------------------------------------------------------------ receive

    @Override
    public void receive(Frame frame, int offset, int length, int srcIp, int dstIp, long nowNs) {
        if (!header.wrap(frame.memory(), offset, length)) {
            counters.increment(Counter.TCP_RX_DROP_MALFORMED);
            frame.release();
            return;
        }
        // The fixed header in two accesses (see TcpHeader#portsAndSequence).
        long low = header.portsAndSequence();
        long high = header.acknowledgmentToWindow();
        int srcPort = (int) (low >>> 48);
        int dstPort = (int) (low >>> 32) & 0xffff;
        if (srcPort == 0 || dstPort == 0) {
            counters.increment(Counter.TCP_RX_DROP_MALFORMED);
            frame.release();
            return;
        }
        if (!rxChecksumVerified && !header.verifyChecksum(srcIp, dstIp)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_CHECKSUM);
            frame.release();
            return;
        }
        int flags = (int) (high >>> 16) & 0xff;
        if ((flags & (SYN | FIN)) == (SYN | FIN) || (flags & (SYN | RST)) == (SYN | RST)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_FLAGS);
            frame.release();
            return;
        }
        int headerLength = ((int) (high >>> 28) & 0xf) * 4;
        Segment seg = segment;
        seg.frame = frame;
        seg.srcIp = srcIp;
        seg.dstIp = dstIp;
        seg.srcPort = srcPort;
        seg.dstPort = dstPort;
        seg.seq = (int) low;
        seg.ack = (int) (high >>> 32);
        seg.flags = flags;
        seg.window = (int) high & 0xffff;
        seg.payloadOffset = offset + headerLength;
        seg.payloadLength = length - headerLength;
        seg.mss = -1;
        seg.options = options;
        if (headerLength > TcpHeader.MIN_LENGTH) {
            // parse clears the options first, and leaves them clear when it fails.
            if (options.parse(frame.memory(), offset + TcpHeader.MIN_LENGTH, headerLength - TcpHeader.MIN_LENGTH)) {
                seg.mss = options.mss();
            } else {
                counters.increment(Counter.TCP_RX_BAD_OPTIONS);
            }
        } else {
            options.clear();
        }
        dispatch(seg, nowNs);
        seg.frame = null;
    }

    private void dispatch(Segment seg, long nowNs) {
        Frame frame = seg.frame;
        long key = connectionKey(seg.srcIp, seg.dstPort, seg.srcPort);
        TcpConnection c = connections.get(key);
        if (c != null && c.localIp() == seg.dstIp) {
            if (!c.segmentArrives(seg, nowNs)) {
                frame.release();
            }
            return;
        }
        TimeWait tw = timeWaits.get(key);
        if (tw != null && tw.localIp() == seg.dstIp) {
            if (seg.has(SYN) && !seg.has(ACK) && tw.acceptsNewSyn(seg)) {
                TcpListener l = listenerFor(seg);
                if (l != null && l.hasRoom()) {
                    // RFC 9293 section 3.10.7.4 (TIME-WAIT): a new incarnation.
                    counters.increment(Counter.TCP_SEGMENTS_IN);
                    counters.increment(Counter.TCP_TIME_WAIT_REOPENED);
                    tw.end();
                    if (!listenArrives(l, seg, tw, nowNs)) {
                        frame.release();
                    }
                    return;
                }
            }
            tw.segmentArrives(seg, nowNs);
            frame.release();
            return;
        }
        TcpListener l = listenerFor(seg);
        if (l != null) {
            counters.increment(Counter.TCP_SEGMENTS_IN);
            if (!listenArrives(l, seg, null, nowNs)) {
                frame.release();
            }
            return;
        }
        counters.increment(Counter.TCP_RX_NO_SOCKET);
        if (!seg.has(RST)) {
            resetFor(seg, nowNs);
        }
        frame.release();
    }

    /**
     * RFC 9293 section 3.10.7.2, LISTEN.
     *
     * @param predecessor the TIME-WAIT this SYN ended, whose sequence space the new ISS must
     *                    stay beyond ({@link TimeWait#newIncarnationIss}), or null
     *
     * @return whether the frame was kept (data on an ACK that completed a cookie handshake)
     */
    private boolean listenArrives(TcpListener l, Segment seg, TimeWait predecessor, long nowNs) {
        if (seg.has(RST)) {
            return false;
        }
        if (seg.has(ACK)) {
            if (!seg.has(SYN) && config.synCookies() && l.cookiesRecent(nowNs)) {
                return cookieReturns(l, seg, nowNs);
            }
            resetFor(seg, nowNs);
            return false;
        }
        if (!seg.has(SYN)) {
            counters.increment(Counter.TCP_RX_DROP_BAD_FLAGS);
            return false;
        }
        if (!l.acceptQueueHasRoom()) {
            // As Linux: with the accept queue full even a cookie could not be accepted.
            counters.increment(Counter.TCP_LISTEN_OVERFLOW);
            return false;
        }
        if (atConnectionLimit()) {
            counters.increment(Counter.TCP_DROP_CONNECTION_LIMIT);
            return false;
        }
        if (inUse(connectionKey(seg.srcIp, seg.dstPort, seg.srcPort))) {
            // The same remote endpoint and ports are in use from another of our addresses:
            // the tables hold one connection per key, so this SYN finds no room.
            counters.increment(Counter.TCP_LISTEN_OVERFLOW);
            return false;
        }
        if (!l.hasRoom() || halfOpen >= config.maxHalfOpen()) {
            if (config.synCookies()) {
                sendCookie(l, seg, nowNs);
            } else {
                counters.increment(l.hasRoom() ? Counter.TCP_DROP_HALF_OPEN_LIMIT : Counter.TCP_LISTEN_OVERFLOW);
            }
            return false;
        }
        int iss = isn(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, nowNs);
        if (predecessor != null) {
            iss = predecessor.newIncarnationIss(iss);
        }
        TcpConnection c = new TcpConnection(this, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, iss,
                ourMss(seg.srcIp), true, takeSendBuffer(l.sendBufferBytes()));
        c.initialBuffers(l.receiveBufferBytes(), l.sendBufferBytes());
        c.parent = l;
        l.childCreated();
        connections.put(connectionKey(seg.srcIp, seg.dstPort, seg.srcPort), c);
        counters.increment(Counter.TCP_PASSIVE_OPENS);
        c.openPassive(seg, nowNs);
        return false;
    }

    /**
     * The SYN queue is full: answer with a SYN-ACK whose ISN is a cookie and keep nothing
     * (RFC 4987 section 3.6). Its window is unscaled, as every SYN's (RFC 7323 section 2.2).
     * When the SYN had timestamps, the SYN-ACK answers its window scale, SACK-permitted and
     * timestamps as a normal one would, and its TSval carries them ({@link SynCookies}).
     */
    private void sendCookie(TcpListener l, Segment seg, long nowNs) {
        int ourMss = ourMss(seg.srcIp);
        int peerMss = seg.mss > 0 ? seg.mss : TcpConnection.DEFAULT_MSS;
        int cookie = cookies.make(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.seq,
                Math.min(ourMss, peerMss), nowNs);
        int window = Math.min(l.receiveBufferBytes() > 0 ? l.receiveBufferBytes() : config.receiveBufferBytes(),
                TcpConnection.MAX_WINDOW);
        TcpOptions peer = seg.options;
        if (config.timestamps() && peer.hasTimestamps()) {
            SegmentOptions o = output.options();
            o.mss = ourMss;
            boolean scaling = config.windowScaling() && peer.windowScale() >= 0;
            if (scaling) {
                int receiveBytes = l.receiveBufferBytes();
                o.windowScale = OptionNegotiation.shiftFor(receiveBytes > 0 ? receiveBytes
                        : config.receiveBufferMaxBytes());
            }
            o.sackPermitted = config.sack() && peer.sackPermitted();
            o.timestamps = true;
            int tsNow = (int) Math.floorDiv(nowNs, OptionNegotiation.TS_TICK_NS) + OptionNegotiation.timestampOffset(
                    config, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort);
            o.tsVal = SynCookies.timestampWithOptions(tsNow, scaling ? peer.windowScale() : -1, o.sackPermitted);
            o.tsEcr = peer.timestampValue();
            output.send(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, cookie, seg.seq + 1, SYN | ACK, window, o,
                    null, 0, 0, 0, nowNs);
        } else {
            output.send(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, cookie, seg.seq + 1, SYN | ACK, window,
                    ourMss, null, 0, 0, nowNs);
        }
        l.cookieSent(nowNs);
        counters.increment(Counter.TCP_SYN_COOKIES_SENT);
    }

    /**
     * An ACK to a listener that sent cookies lately: if it carries a valid cookie, the
     * connection is created now, established, and the ACK (with any data) processed by it.
     *
     * @return whether the frame was kept
     */
    private boolean cookieReturns(TcpListener l, Segment seg, long nowNs) {
        int iss = seg.ack - 1;
        int mss = cookies.check(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.seq - 1, iss, nowNs);
        boolean timestamps = config.timestamps() && seg.options.hasTimestamps();
        int echo = seg.options.timestampEcho();
        int peerShift = timestamps ? SynCookies.peerShift(echo) : -1;
        boolean sack = timestamps && SynCookies.sack(echo);
        // As Linux's cookie_timestamp_decode(): options we never offer cannot have been agreed.
        if (peerShift == -2 || peerShift >= 0 && !config.windowScaling() || sack && !config.sack()) {
            mss = -1;
        }
        if (mss < 0) {
            counters.increment(Counter.TCP_SYN_COOKIES_FAILED);
            resetFor(seg, nowNs);
            return false;
        }
        if (!l.acceptQueueHasRoom()) {
            // The peer retransmits; its next segment brings the cookie again.
            counters.increment(Counter.TCP_LISTEN_OVERFLOW);
            return false;
        }
        if (atConnectionLimit()) {
            counters.increment(Counter.TCP_DROP_CONNECTION_LIMIT);
            return false;
        }
        counters.increment(Counter.TCP_SYN_COOKIES_VALIDATED);
        TcpConnection c = new TcpConnection(this, seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, iss,
                ourMss(seg.srcIp), true, takeSendBuffer(l.sendBufferBytes()));
        c.initialBuffers(l.receiveBufferBytes(), l.sendBufferBytes());
        c.parent = l;
        l.childCreated();
        connections.put(connectionKey(seg.srcIp, seg.dstPort, seg.srcPort), c);
        counters.increment(Counter.TCP_PASSIVE_OPENS);
        return c.openFromCookie(seg, mss, peerShift, sack, nowNs);
    }

    /** RST for a segment that found no socket (RFC 9293 section 3.10.7.1). */
    private void resetFor(Segment seg, long nowNs) {
        if (seg.has(ACK)) {
            output.send(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, seg.ack, 0, RST, 0, 0, null, 0, 0, nowNs);
        } else {
            output.send(seg.dstIp, seg.dstPort, seg.srcIp, seg.srcPort, 0, seg.seq + seg.sequenceLength(),
                    RST | ACK, 0, 0, null, 0, 0, nowNs);
        }
    }

    /**
     * A quote names one of our connections when its 4-tuple finds one and its sequence number
     * lies in [SND.UNA, SND.MAX) of that connection (RFC 5927 sections 4.1 and 5.1): only then
     * may an ICMP fragmentation needed lower the stack's path MTU towards the peer, which new
     * connections to it then use for their MSS (RFC 1191 section 6.5).
     */
    @Override
    public boolean sentQuotedPacket(int originalSrcIp, int originalDstIp, MemorySegment memory,
                                    long transportOffset, int transportLength) {
        if (transportLength < 8 || transportOffset < 0 || transportOffset + 8 > memory.byteSize()) {
            return false;
        }
        TcpConnection c = quotedConnection(originalSrcIp, originalDstIp, memory, transportOffset);
        return c != null && c.sentSequence(NetworkOrder.getI32(memory, transportOffset + 4));
    }

    @Override
    public void onIcmpError(int type, int code, int nextHopMtu, int originalSrcIp, int originalDstIp,
                            MemorySegment memory, long transportOffset, int transportLength, long nowNs) {
        if (transportLength < 8 || transportOffset < 0 || transportOffset + 8 > memory.byteSize()) {
            return;
        }
        TcpConnection c = quotedConnection(originalSrcIp, originalDstIp, memory, transportOffset);
        if (c != null) {
            counters.increment(Counter.TCP_ICMP_ERRORS);
            c.icmpError(type, code, nextHopMtu, NetworkOrder.getI32(memory, transportOffset + 4), nowNs);
        }
    }

    /** @return the connection whose segment the quoted TCP header (8 bytes, checked) belongs to, or null */
    private TcpConnection quotedConnection(int originalSrcIp, int originalDstIp, MemorySegment memory,
                                           long transportOffset) {
        int localPort = NetworkOrder.getU16(memory, transportOffset);
        int remotePort = NetworkOrder.getU16(memory, transportOffset + 2);
        TcpConnection c = connections.get(connectionKey(originalDstIp, localPort, remotePort));
        return c != null && c.localIp() == originalSrcIp ? c : null;
    }

    // ------------------------------------------------------------------ for connections and listeners

    TcpConfig config() {
        return config;
    }

    StackCounters counters() {
        return counters;
    }

    TimerWheel timers() {
        return timers;
    }

    /** @return free places in the link's transmit queue ({@link IpSender#transmitRoom}) */
    int transmitRoom() {
        return ip.transmitRoom();
    }

    /**
     * A connection's new data waits for room in the link's transmit queue; it goes on at the
     * first {@link #resumeHeldForLink} that finds some. Allocates only when the list grows.
     */
    void holdForLink(TcpConnection c) {
        if (c.heldForLink) {
            return;
        }
        c.heldForLink = true;
        if (heldForLinkCount == heldForLink.length) {
            heldForLink = Arrays.copyOf(heldForLink, 2 * heldForLink.length);
        }
        heldForLink[heldForLinkCount++] = c;
    }

    /**
     * Sends for the connections held by a full transmit queue, in the order they were held,
     * while the link has room: Linux restarts a stopped queue's qdisc the same way when the
     * device frees descriptors. A held connection with nothing in flight gets no ACK to send
     * on, and its persist timer (a minimum RTO, 200 ms) would come long after the room that
     * other connections' ACKs freed. Called at every poll; costs one test when none is held.
     *
     * @param nowNs the time
     */
    public void resumeHeldForLink(long nowNs) {
        int n = heldForLinkCount;
        if (n == 0 || ip.transmitRoom() <= 0) {
            return;
        }
        // Invariant: one that holds again during the loop is appended at an index already
        // visited (at most one append per visited entry), so the rest stays unvisited.
        heldForLinkCount = 0;
        for (int i = 0; i < n; i++) {
            TcpConnection c = heldForLink[i];
            heldForLink[i] = null;
            c.heldForLink = false;
            c.resumeOutput(nowNs);
        }
    }

    SegmentOutput output() {
        return output;
    }

    FrameBudget reassemblyFrames() {
        return reassemblyFrames;
    }

    /** @return the budget of frames all connections hold for unread data ({@link ReceiveQueue}) */
    FrameBudget receiveFrames() {
        return receiveFrames;
    }

    /** Half-open connections over all listeners went up or down by {@code delta}. */
    void halfOpenChanged(int delta) {
        halfOpen += delta;
    }

    /** @return every connection in the table now (listener close, {@link ProcessExit}; allocates: not a hot path) */
    TcpConnection[] connectionsNow() {
        Object[] all = new Object[connections.size()];
        int n = connections.values(all);
        TcpConnection[] out = new TcpConnection[n];
        System.arraycopy(all, 0, out, 0, n);
        return out;
    }

    /** @return every listener now, each member of an SO_REUSEPORT group (for {@link ProcessExit}) */
    TcpListener[] listenersNow() {
        Object[] heads = new Object[listeners.size()];
        int n = listeners.values(heads);
        List<TcpListener> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (TcpListener l = (TcpListener) heads[i]; l != null; l = l.nextInGroup) {
                all.add(l);
            }
        }
        return all.toArray(new TcpListener[0]);
    }

    /** A connection reached CLOSED: forget it (and tell its listener if it never got established). */
    void unregister(TcpConnection c) {
        long key = connectionKey(c.remoteIp(), c.localPort(), c.remotePort());
        if (connections.get(key) == c) {
            connections.remove(key);
        }
        TcpListener l = c.parent;
        if (l != null && c.state() == TcpState.CLOSED && !c.handshakeDone()) {
            c.parent = null;
            l.childVanished();
        }
    }

    /** Forgets a listener (leaving its SO_REUSEPORT group) and resets its half-open connections. */
    void closeListener(TcpListener l, long nowNs) {
        long key = listenerKey(l.localIp(), l.localPort());
        TcpListener first = listeners.get(key);
        if (first == l) {
            if (l.nextInGroup != null) {
                listeners.put(key, l.nextInGroup);
            } else {
                listeners.remove(key);
            }
        } else if (first != null) {
            TcpListener before = first;
            while (before.nextInGroup != null && before.nextInGroup != l) {
                before = before.nextInGroup;
            }
            if (before.nextInGroup == l) {
                before.nextInGroup = l.nextInGroup;
            }
        }
        l.nextInGroup = null;
        for (TcpConnection c : connectionsNow()) {
            if (c.parent == l) {
                c.abortUnaccepted(nowNs);
            }
        }
    }

    /** @param bytes the buffer's size, or 0 for the configured default */
    private SendBuffer takeSendBuffer(int bytes) {
        if (bytes > 0 && bytes != config.sendBufferBytes()) {
            return new SendBuffer(Arena.ofAuto().allocate(bytes, 64));
        }
        MemorySegment ring;
        if (freeRingCount > 0) {
            ring = freeRings[--freeRingCount];
            freeRings[freeRingCount] = null;
        } else {
            ring = arena.allocate(config.sendBufferBytes(), 64);
        }
        return new SendBuffer(ring);
    }

    /**
     * Moves {@code buffer} into a ring of {@code bytes}, larger than its own (one allocation
     * and one copy per growth; the old ring is recycled when it is a default one).
     */
    void grow(SendBuffer buffer, int bytes) {
        recycleRing(buffer.moveTo(Arena.ofAuto().allocate(bytes, 64)));
    }

    void recycle(SendBuffer buffer) {
        recycleRing(buffer.memory());
    }

    private void recycleRing(MemorySegment ring) {
        if (ring.byteSize() != config.sendBufferBytes()) {
            // Not a ring of the layer's arena: the garbage collector frees it.
            return;
        }
        if (freeRingCount == freeRings.length) {
            MemorySegment[] bigger = new MemorySegment[2 * freeRings.length];
            System.arraycopy(freeRings, 0, bigger, 0, freeRingCount);
            freeRings = bigger;
        }
        freeRings[freeRingCount++] = ring;
    }

    // ------------------------------------------------------------------ addressing

    /**
     * @return the listener a segment for no connection goes to: of an SO_REUSEPORT group, the
     *         member its 4-tuple hashes to (keyed, so that peers cannot aim at one member)
     */
    private TcpListener listenerFor(Segment seg) {
        TcpListener first = findListener(seg.dstIp, seg.dstPort);
        if (first == null || first.nextInGroup == null) {
            return first;
        }
        int members = 0;
        for (TcpListener m = first; m != null; m = m.nextInGroup) {
            members++;
        }
        long hash = SipHash.hash(config.portSeed(), config.isnSecretLow(),
                ((seg.srcIp & 0xffffffffL) << 32) | (seg.dstIp & 0xffffffffL), ((long) seg.srcPort << 16) | seg.dstPort);
        // Multiply-shift maps the hash's high 32 bits onto 0..members-1 (Linux's reciprocal_scale).
        int index = (int) (((hash >>> 32) * members) >>> 32);
        TcpListener chosen = first;
        for (int i = 0; i < index; i++) {
            chosen = chosen.nextInGroup;
        }
        return chosen;
    }

    private TcpListener findListener(int localIp, int port) {
        TcpListener l = listeners.get(listenerKey(localIp, port));
        return l != null ? l : listeners.get(listenerKey(Ipv4Address.ANY, port));
    }

    static long connectionKey(int remoteIp, int localPort, int remotePort) {
        return ((remoteIp & 0xffffffffL) << 32) | ((long) localPort << 16) | remotePort;
    }

    private static long listenerKey(int localIp, int port) {
        return ((localIp & 0xffffffffL) << 16) | port;
    }

    private int ourMss(int remoteIp) {
        return Math.max(64, Math.min(ip.mtu(remoteIp) - HEADERS, config.mssCap()));
    }

    /**
     * RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a
     * 4-microsecond clock, F SipHash-2-4 keyed with the configured 128-bit secret.
     */
    int isn(int localIp, int localPort, int remoteIp, int remotePort, long nowNs) {
        long m = Math.floorDiv(nowNs, 4_000L);
        long f = SipHash.hash(config.isnSecretHigh(), config.isnSecretLow(),
                ((localIp & 0xffffffffL) << 32) | (remoteIp & 0xffffffffL), ((long) localPort << 16) | remotePort);
        return (int) (m + f);
    }

    /** RFC 6056 section 3.3.3, algorithm 3: a keyed per-destination offset plus a global counter. */
    private int ephemeralPort(int localIp, int remoteIp, int remotePort, long nowNs) {
        int first = config.ephemeralPortFirst();
        int count = config.ephemeralPortLast() - first + 1;
        long offset = SipHash.hash(config.portSeed(), ~config.portSeed(),
                ((localIp & 0xffffffffL) << 32) | (remoteIp & 0xffffffffL), remotePort);
        for (int i = 0; i < count; i++) {
            int port = first + (int) Long.remainderUnsigned(offset + nextEphemeral, count);
            nextEphemeral++;
            if (freeForConnect(connectionKey(remoteIp, port, remotePort), localIp, nowNs)
                    && findListener(localIp, port) == null) {
                return port;
            }
        }
        counters.increment(Counter.TCP_NO_EPHEMERAL_PORT);
        throw new TcpException(TcpException.Reason.NO_EPHEMERAL_PORT,
                "towards " + Ipv4Address.toString(remoteIp) + ":" + remotePort);
    }

    /** SO_RCVBUF and SO_SNDBUF: 0 for the default, else 1 KiB to 1 GiB. */
    static void checkBufferBytes(int bytes) {
        if (bytes != 0 && (bytes < 1024 || bytes > (1 << 30))) {
            throw new IllegalArgumentException("buffer size must be 1 KiB..1 GiB: " + bytes);
        }
    }

    private static void checkPort(int port) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
    }
}
