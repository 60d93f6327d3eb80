package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.SYN;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import io.bypass.stack.StackCounters;
import java.nio.ByteBuffer;

/**
 * A connection's send side (RFC 9293 section 3.3.1, send sequence space): the send queue in
 * an off-heap {@link SendBuffer}, segments cut from it under the peer's window and the
 * congestion window, Nagle (RFC 896) and sender silly-window avoidance (RFC 9293 section
 * 3.8.6.2.1), the peer's window as ACKs report it, and probing a zero window (RFC 9293
 * section 3.8.6.1, RFC 1122 section 4.2.2.17) when the persist timer fires.
 *
 * <p>SND.MAX ({@link #max}) is the highest SND.NXT so far: after a timeout SND.NXT goes
 * back to SND.UNA and the segments are sent again. The send buffer starts at
 * {@link #bufferSeq}, which is SND.UNA once the SYN is acknowledged; the FIN, when queued,
 * follows its last byte.
 *
 * <p>The send buffer auto-tunes (Linux tcp_sndbuf_expand) to twice the congestion window
 * unless the application set SO_SNDBUF.
 */
final class Sender {
    /** Longest persist backoff: the probe interval is RTO times 2^this, capped at the maximum RTO. */
    private static final int MAX_PERSIST_SHIFT = 16;

    private final TcpConnection c;
    private final TcpConfig config;
    private final StackCounters counters;

    /** ISS, our initial sequence number. */
    final int iss;
    /** SND.UNA. */
    int una;
    /** SND.NXT. */
    int nxt;
    /** SND.MAX: the highest SND.NXT so far. */
    int max;
    /** SND.WND, in bytes (unscaled). */
    int wnd;
    /** SND.WL1 and SND.WL2: the segment that last updated the window. */
    private int wl1;
    private int wl2;
    /** The largest window the peer ever offered (SWS avoidance and RFC 5961 section 5.2). */
    int maxWnd;
    /** Sequence number of the send buffer's first byte (SND.UNA once the SYN is acknowledged). */
    int bufferSeq;
    /** Our SYN is acknowledged: the handshake completed from our side. */
    boolean synAcked;
    /** The application closed its side: a FIN follows the buffered data. */
    boolean finQueued;
    /** The MSS we send with: the smaller of the peer's and ours, lowered by PMTU discovery. */
    int mss;
    /** Application bytes not yet acknowledged; null once released (TIME-WAIT, CLOSED). */
    SendBuffer buffer;
    /**
     * A write filled the send buffer since the buffer last grew: only then does
     * auto-tuning grow it (Linux's SOCK_NOSPACE in tcp_should_expand_sndbuf). Without this,
     * the first ACK grew every connection's ring to twice the initial window, 256 KiB at a
     * 64 KiB MSS: 2.5 GiB for 10,000 connections that each sent 8 bytes.
     */
    private boolean bufferLimited;
    /** The application set SO_SNDBUF: no auto-tuning. */
    boolean bufferLocked;
    /** Nagle's algorithm off (TCP_NODELAY). */
    boolean noDelay;
    /** Persist backoff: the probe interval is RTO times 2^this. */
    private int persistShift;
    /** Zero-window probes sent since the peer last acknowledged anything. */
    private int unansweredProbes;

    Sender(TcpConnection c, TcpLayer layer, int iss, int ourMss, SendBuffer buffer) {
        this.c = c;
        this.config = layer.config();
        this.counters = layer.counters();
        this.iss = iss;
        this.una = iss;
        this.nxt = iss;
        this.max = iss;
        this.bufferSeq = iss + 1;
        this.mss = Math.min(ourMss, TcpConnection.DEFAULT_MSS);
        this.buffer = buffer;
    }

    /**
     * The peer's SYN arrived: the MSS we send with and the window it offered.
     *
     * @param mss the smaller of the peer's MSS and ours, less the options every segment carries
     */
    void peerSyn(Segment seg, int mss) {
        this.mss = mss;
        // The window of a SYN is never scaled (RFC 7323 section 2.2).
        wnd = seg.window;
        maxWnd = wnd;
        wl1 = seg.seq;
        wl2 = seg.ack;
    }

    /**
     * A SYN cookie's ACK arrived: the SYN-ACK the cookie stands for was sent, with the
     * peer's SYN and its MSS known.
     */
    void fromCookie(Segment seg, int mss) {
        this.mss = mss;
        nxt = iss + 1;
        max = iss + 1;
        wl1 = seg.seq;
        wl2 = seg.ack;
    }

    /** Our SYN is acknowledged by {@code ack} (RFC 9293 section 3.10.7.3 and 3.10.7.4). */
    void synAcknowledged(int ack) {
        synAcked = true;
        una = ack;
        if (SeqNum.lt(nxt, ack)) {
            nxt = ack;
        }
    }

    // ------------------------------------------------------------------ the send queue

    /**
     * Copies what fits of {@code src} into the send buffer and sends what may go now.
     *
     * @return bytes taken
     */
    int write(ByteBuffer src, long nowNs) {
        int n = buffer.write(src);
        if (buffer.free() == 0) {
            bufferLimited = true;
        }
        if (n > 0 && synAcked) {
            output(nowNs);
        }
        return n;
    }

    /** @return bytes {@link #write} would take now */
    int space() {
        return c.canWrite() && buffer != null ? buffer.free() : 0;
    }

    /** @return bytes in the send buffer: sent and unacknowledged, or not yet sent */
    int bufferedBytes() {
        return buffer == null ? 0 : buffer.length();
    }

    /** @return the FIN's sequence number (when queued): after the last buffered byte */
    int finSeq() {
        return bufferSeq + bufferedBytes();
    }

    /** @return whether data or the FIN waits to be sent for the first time */
    boolean hasUnsent() {
        return nxt - bufferSeq < bufferedBytes() || finQueued && nxt - bufferSeq == bufferedBytes();
    }

    /** @return whether everything written, and the FIN if queued, reached SND.MAX (true once released) */
    boolean allSent() {
        if (buffer == null) {
            return true;
        }
        int end = finSeq() + (finQueued ? 1 : 0);
        return synAcked && SeqNum.ge(max, end);
    }

    /** @return whether everything written, and the FIN if queued, is acknowledged (true once released) */
    boolean allAcknowledged() {
        if (buffer == null) {
            return true;
        }
        int end = finSeq() + (finQueued ? 1 : 0);
        return synAcked && SeqNum.ge(una, end);
    }

    /**
     * SND.UNA advances to {@code ack}: the acknowledged bytes leave the send buffer, and the
     * application hears it may write once a quarter of the buffer is free.
     */
    void acknowledged(int ack) {
        int dataAcked = Math.min(Math.max(ack - bufferSeq, 0), bufferedBytes());
        if (dataAcked > 0) {
            int freeBefore = buffer.free();
            buffer.consume(dataAcked);
            bufferSeq += dataAcked;
            int lowWater = buffer.size() / 4;
            if (freeBefore < lowWater && buffer.free() >= lowWater && c.canWrite()) {
                c.pendingEvents |= SocketEvents.WRITABLE;
            }
        }
        una = ack;
        if (SeqNum.lt(nxt, una)) {
            nxt = una;
        }
    }

    /**
     * Sets the send buffer (SO_SNDBUF) and turns auto-tuning off. A larger size moves the
     * held bytes into a larger ring; a smaller one takes effect as acknowledgements free room.
     */
    void bufferBytes(int bytes) {
        bufferLocked = true;
        if (buffer != null) {
            if (bytes > buffer.capacity()) {
                c.layer.grow(buffer, bytes);
            }
            buffer.size(bytes);
        }
    }

    /**
     * Send-buffer auto-tuning (Linux tcp_sndbuf_expand): the buffer holds the data in flight
     * and what waits for the window, so it is kept at twice the congestion window, doubling
     * up to the cap, once the application has found it full. The ring is reallocated and copied only on growth, a few times in a
     * connection's life.
     */
    void tuneBuffer(int cwnd) {
        if (bufferLocked || buffer == null || !bufferLimited) {
            return;
        }
        long want = Math.min(2L * cwnd, config.sendBufferMaxBytes());
        int size = buffer.size();
        if (size >= want) {
            return;
        }
        long grown = size;
        while (grown < want) {
            grown *= 2;
        }
        int bytes = (int) Math.min(grown, config.sendBufferMaxBytes());
        if (bytes > buffer.capacity()) {
            c.layer.grow(buffer, bytes);
        }
        buffer.size(bytes);
        bufferLimited = false;
        counters.increment(Counter.TCP_SEND_BUFFER_GROWN);
        if (c.canWrite()) {
            c.pendingEvents |= SocketEvents.WRITABLE;
        }
    }

    /** The send buffer goes back to the layer: nothing will be sent or resent any more. */
    void releaseBuffer() {
        if (buffer != null) {
            c.layer.recycle(buffer);
            buffer = null;
        }
    }

    // ------------------------------------------------------------------ the peer's window

    /** @return whether a segment may update SND.WND (RFC 9293 section 3.10.7.4: SND.WL1, SND.WL2) */
    boolean windowUpdateFrom(int seq, int ack) {
        return SeqNum.lt(wl1, seq) || (wl1 == seq && SeqNum.le(wl2, ack));
    }

    /** SND.WND becomes {@code window} (bytes), as the segment {@code seq}, {@code ack} reports. */
    void window(int seq, int ack, int window) {
        if (window > wnd) {
            persistShift = 0;
        }
        wnd = window;
        maxWnd = Math.max(maxWnd, wnd);
        wl1 = seq;
        wl2 = ack;
    }

    /** The peer acknowledged something: it answers, so zero-window probing may go on. */
    void peerAnswered() {
        unansweredProbes = 0;
    }

    // ------------------------------------------------------------------ segmentation

    /** Sends whatever the windows, Nagle and SWS avoidance allow now, then sets the timer. */
    void output(long nowNs) {
        TcpState state = c.state;
        if (state == TcpState.CLOSED) {
            return;
        }
        if (!synAcked) {
            if (nxt == iss) {
                int flags = state == TcpState.SYN_SENT ? SYN : SYN | ACK;
                sendSegment(iss, flags, 0, 0, nowNs);
                nxt = iss + 1;
            }
            c.rtx.armTimer(nowNs);
            return;
        }
        if (c.rtx.scoreboard.inRecovery()) {
            c.rtx.recoveryOutput(nowNs);
        } else {
            // Limited Transmit (RFC 3042): with SACK the DupAcks are counted by the scoreboard.
            int limited = c.options.sack() ? Math.min(c.rtx.scoreboard.dupAcks(), 2) * mss : 0;
            while (sendNew(Math.min(wnd, c.rtx.cc.sendWindow() + limited) - (nxt - una), nowNs)) {
                // One segment per turn until the windows, Nagle or the data say stop.
            }
        }
        c.rtx.armTimer(nowNs);
    }

    /**
     * Sends one segment of new data (or the FIN) at SND.NXT if {@code usable} bytes of window,
     * Nagle and SWS avoidance allow.
     *
     * @return whether a segment went out
     */
    boolean sendNew(int usable, long nowNs) {
        int inFlight = nxt - una;
        int sent = nxt - bufferSeq;
        int buffered = bufferedBytes();
        if (sent > buffered) {
            return false;
        }
        int unsent = buffered - sent;
        if (unsent == 0) {
            if (finQueued && usable >= 1) {
                sendSegment(nxt, ACK | FIN, sent, 0, nowNs);
                nxt++;
                return true;
            }
            return false;
        }
        int length = Math.min(Math.min(unsent, segmentMss()), usable);
        if (length <= 0 || !senderMaySend(length, unsent, inFlight)) {
            return false;
        }
        if (c.layer.transmitRoom() <= 0) {
            // The device queue is full (Link#transmitRoom): the data waits for room, not for a
            // retransmission. The layer sends it at the first poll that finds room.
            counters.increment(Counter.TCP_SEND_HELD_LINK_FULL);
            c.layer.holdForLink(c);
            return false;
        }
        boolean fin = finQueued && length == unsent && usable > length;
        sendSegment(nxt, ACK | (fin ? FIN : 0) | (length == unsent ? PSH : 0), sent, length, nowNs);
        nxt += length + (fin ? 1 : 0);
        return true;
    }

    /**
     * The payload of one segment: the MSS less the options every segment carries
     * (timestamps) and room for SACK blocks while we hold out-of-order data.
     */
    int segmentMss() {
        return Math.max(1, mss - c.rcv.sackOptionBytes());
    }

    /**
     * Nagle and sender SWS avoidance (RFC 9293 sections 3.7.4 and 3.8.6.2.1): send a full
     * segment; or, with nothing unacknowledged (or Nagle off), everything queued, or at
     * least half the largest window the peer ever offered.
     */
    private boolean senderMaySend(int length, int unsent, int inFlight) {
        if (length >= mss) {
            return true;
        }
        if (inFlight > 0 && !noDelay) {
            return false;
        }
        return length == unsent || length >= maxWnd / 2;
    }

    /**
     * Sends one segment carrying our current ACK and window, new or resent; SND.MAX follows.
     *
     * @param from offset of the payload in the send buffer
     */
    void sendSegment(int seq, int flags, int from, int length, long nowNs) {
        int seqLength = length + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
        c.rtx.segmentSent(seq, seqLength, nowNs);
        if (SeqNum.gt(seq + seqLength, max)) {
            max = seq + seqLength;
        }
        c.transmit(seq, flags, from, length, nowNs);
    }

    // ------------------------------------------------------------------ persist

    /**
     * The persist timer fired (RFC 9293 section 3.8.6.1, RFC 1122 section 4.2.2.17): probes
     * a zero window, or sends what a small window takes, and backs the next probe off.
     *
     * @return false when the peer stayed silent through too many probes and the connection failed
     */
    boolean probe(long nowNs) {
        int sent = nxt - bufferSeq;
        int unsent = bufferedBytes() - sent;
        if (wnd == 0) {
            if (++unansweredProbes > config.maxRetransmissions()) {
                // RFC 1122 section 4.2.2.17 keeps a zero window open only while the receiver
                // answers the probes; a peer silent through as many probes as we would
                // retransmit is gone (Linux: tcp_probe_timer against tcp_retries2).
                c.teardown.fail(TcpError.TIMED_OUT, nowNs);
                return false;
            }
            // A zero-window probe. Like Linux, an ACK carrying SND.UNA-1: outside the peer's
            // window, so it must answer with an ACK that reports its current window.
            counters.increment(Counter.TCP_ZERO_WINDOW_PROBES);
            c.transmit(una - 1, ACK, 0, 0, nowNs);
        } else if (unsent > 0) {
            // The SWS override timeout (RFC 9293 section 3.8.6.2.1): send what the window takes.
            int length = Math.min(Math.min(unsent, segmentMss()), wnd);
            boolean fin = finQueued && length == unsent && wnd > length;
            sendSegment(nxt, ACK | PSH | (fin ? FIN : 0), sent, length, nowNs);
            nxt += length + (fin ? 1 : 0);
        } else {
            output(nowNs);
        }
        if (persistShift < MAX_PERSIST_SHIFT) {
            persistShift++;
        }
        return true;
    }

    /** @return the persist interval: the RTO backed off by the probes sent, capped at the maximum RTO */
    long persistTimeoutNs(long rtoNs) {
        long maxNs = config.maxRtoNs();
        return rtoNs > (maxNs >> persistShift) ? maxNs : Math.min(maxNs, rtoNs << persistShift);
    }
}
