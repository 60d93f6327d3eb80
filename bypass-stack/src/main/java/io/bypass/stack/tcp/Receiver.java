package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.FIN;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import io.bypass.stack.StackCounters;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.TcpOptions;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

/**
 * A connection's receive side (RFC 9293 section 3.3.1, receive sequence space): which
 * segments are acceptable, in-order text into the {@link ReceiveQueue} and the rest into
 * {@link Reassembly}, the peer's FIN in sequence, and what our segments tell the peer back:
 * the ACK (delayed as RFC 1122 section 4.2.3.2 allows), the window ({@link ReceiveWindow},
 * never shrinking) and SACK blocks ({@link SackBlocks}).
 *
 * <p>The window offered is bounded by the receive frames this connection may still hold
 * ({@link #framesAllowed}): its share of the layer's {@link FrameBudget}, for which the
 * budget counts the connections holding frames ({@link #noteHolding}).
 *
 * <p>Not here: the state machine's steps before the text (RST, SYN, the ACK field), which
 * {@link TcpConnection} takes.
 */
final class Receiver {
    private final TcpConnection c;
    private final TcpConfig config;
    private final StackCounters counters;
    private final TimerWheel timers;
    /** The layer's receive frames, which every connection's window shares. */
    private final FrameBudget receiveFrames;

    /** IRS, the peer's initial sequence number. */
    private int irs;
    /** RCV.NXT. */
    int nxt;
    /** RCV.ADV, the right edge we last offered, and the receive buffer's size and tuning. */
    final ReceiveWindow window;
    /** The receive MSS: the delayed-ACK and window-update thresholds count in it. */
    int mss;
    /** The peer's FIN is in sequence: the application reads end-of-stream after the data. */
    boolean finReceived;
    /** In-order bytes waiting for the application, in their frames. */
    final ReceiveQueue queue;
    final Reassembly reassembly;
    final SackBlocks sackBlocks = new SackBlocks();
    /** RCV.NXT as the last ACK we sent carried it (RFC 7323 section 4.3 needs it too). */
    int lastAckSent;
    /** An ACK must go out before this entry point returns. */
    boolean ackNow;
    /** Whether the frame of the segment being processed was handed to a queue. */
    boolean frameTaken;
    private final Timer ackTimer;
    /** Whether this connection is counted among the receive budget's holders. */
    private boolean holding;

    Receiver(TcpConnection c, TcpLayer layer) {
        this.c = c;
        this.config = layer.config();
        this.counters = layer.counters();
        this.timers = layer.timers();
        this.window = new ReceiveWindow(config.receiveBufferBytes());
        this.receiveFrames = layer.receiveFrames();
        this.queue = new ReceiveQueue(receiveFrames, counters);
        this.reassembly = new Reassembly(config.reassemblyLimitSegments(), layer.reassemblyFrames(), receiveFrames);
        this.ackTimer = new Timer(this::onDelayedAckTimer);
    }

    /** The peer's SYN at {@code seq} arrived: the receive sequence space starts after it. */
    void synReceived(int seq) {
        irs = seq;
        nxt = irs + 1;
        window.rightEdge(nxt);
        lastAckSent = irs;
    }

    /**
     * A SYN cookie's ACK at {@code seq} arrived: the SYN-ACK the cookie stands for
     * acknowledged the peer's SYN and offered the initial window.
     */
    void fromCookie(int seq) {
        irs = seq - 1;
        nxt = seq;
        window.rightEdge(nxt + Math.min(window.bufferBytes(), TcpConnection.MAX_WINDOW));
        lastAckSent = nxt;
    }

    /** @return whether {@code seq} repeats the peer's SYN */
    boolean isSyn(int seq) {
        return seq == irs;
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
    boolean acceptable(int seq, int length, int window) {
        return acceptable(nxt, seq, length, window);
    }

    /** {@link #acceptable(int, int, int)} for a receiver at RCV.NXT {@code nxt}. */
    static boolean acceptable(int nxt, int seq, int length, int window) {
        if (length == 0) {
            return window == 0 ? seq == nxt : SeqNum.inRange(seq, nxt, nxt + window);
        }
        if (window == 0) {
            return false;
        }
        return SeqNum.inRange(seq, nxt, nxt + window) || SeqNum.inRange(seq + length - 1, nxt, nxt + window);
    }

    /** Text and FIN processing, RFC 9293 section 3.10.7.4 seventh and eighth steps. */
    void processText(Segment seg, long nowNs) {
        takeText(seg, nowNs);
        noteHolding();
    }

    private void takeText(Segment seg, long nowNs) {
        TcpState state = c.state;
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
        int skip = nxt - seq;
        if (skip > 0) {
            if (skip > length) {
                return;
            }
            offset += skip;
            length -= skip;
            seq = nxt;
        }
        int room = window.rightEdge() - seq;
        if (length > room) {
            // Beyond the right edge we offered: trimmed, and a FIN after it is not ours yet.
            length = Math.max(room, 0);
            fin = false;
        }
        if (length == 0 && !fin) {
            return;
        }
        if (c.appClosed && length > 0) {
            // Nobody will read it: reset the peer (RFC 9293 section 3.10.4, RFC 2525 section 2.17).
            c.teardown.resetPeer(nowNs);
            counters.increment(Counter.TCP_ABORTS);
            c.teardown.enterClosed(nowNs);
            return;
        }
        if (seq == nxt) {
            if (length > 0) {
                int accepted = queue.append(seg.frame, offset, length, framesAllowed() - reassembly.frames());
                frameTaken = true;
                nxt += accepted;
                if (accepted > 0) {
                    c.pendingEvents |= SocketEvents.READABLE;
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
                nxt = reassembly.drain(nxt, queue);
                fin = reassembly.finReached();
                // Filling a gap is acknowledged at once (RFC 5681 section 4.2).
                ackNow = true;
                c.pendingEvents |= SocketEvents.READABLE;
            }
            if (fin) {
                nxt++;
                finArrived(nowNs);
            } else {
                delayAck(nowNs);
            }
        } else {
            counters.increment(Counter.TCP_RX_OUT_OF_ORDER);
            boolean mayHoldMore = queue.frames() + reassembly.frames() < framesAllowed();
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
        c.pendingEvents |= SocketEvents.READABLE;
        c.teardown.peerFin(nowNs);
    }

    /** Delayed ACK (RFC 1122 section 4.2.3.2, RFC 5681 section 4.2): at least every second full segment. */
    private void delayAck(long nowNs) {
        if (nxt - lastAckSent >= 2 * mss || config.delayedAckTimeoutNs() == 0) {
            ackNow = true;
        } else if (!ackTimer.isScheduled()) {
            timers.schedule(ackTimer, nowNs + config.delayedAckTimeoutNs());
        }
    }

    private void onDelayedAckTimer(long nowNs) {
        if (c.state != TcpState.CLOSED && lastAckSent != nxt) {
            c.sendAck(nowNs);
        }
        c.flushEvents();
    }

    /**
     * Copies received bytes into {@code dst}; with bytes read, auto-tunes the buffer and
     * tells the peer when the window opened by enough to matter.
     *
     * @param periodNs the smoothed RTT, or a stand-in before the first sample
     * @param clock    the current time, asked only when the read needs it
     * @return bytes read
     */
    int read(ByteBuffer dst, long periodNs, LongSupplier clock) {
        int n = queue.read(dst);
        if (n > 0) {
            noteHolding();
            if (window.drained(n, clock, periodNs, config.receiveBufferMaxBytes())) {
                counters.increment(Counter.TCP_RECEIVE_BUFFER_GROWN);
            }
            windowUpdateAfterRead(clock);
        }
        return n;
    }

    /** After a read: tell the peer when the window has opened by enough to matter (RFC 1122 4.2.3.3). */
    private void windowUpdateAfterRead(LongSupplier clock) {
        TcpState state = c.state;
        if (state != TcpState.ESTABLISHED && state != TcpState.FIN_WAIT_1 && state != TcpState.FIN_WAIT_2) {
            return;
        }
        if (window.worthUpdate(nxt, c.options.rcvShift(), queue.bytes(), mss, roomBytes())) {
            c.sendAck(clock.getAsLong());
        }
    }

    /**
     * The window field for a segment going out now; moves RCV.ADV to it.
     *
     * @param syn whether the segment is a SYN, whose window is never scaled (RFC 7323 section 2.2)
     */
    int advertise(boolean syn) {
        return window.advertise(nxt, syn ? 0 : c.options.rcvShift(), queue.bytes(), mss, roomBytes());
    }

    /** A segment carrying our ACK went out: nothing is left to acknowledge until more arrives. */
    void ackSent() {
        lastAckSent = nxt;
        ackNow = false;
        timers.cancel(ackTimer);
    }

    /** @return whether received data waits, read or not yet in order, that the application would lose */
    boolean holdsData() {
        return queue.bytes() > 0 || reassembly.count() > 0;
    }

    /** @return whether an ACK would carry SACK blocks now (SACK agreed, out-of-order data held) */
    boolean reportsSack() {
        return c.options.sack() && reassembly.count() > 0;
    }

    /** @return option bytes the SACK blocks of an ACK take now (0 without out-of-order data) */
    int sackOptionBytes() {
        int blocks = c.options.sack() ? Math.min(reassembly.count(), maxSackBlocks()) : 0;
        return blocks == 0 ? 0 : TcpOptions.SACK_HEADER_LENGTH + TcpOptions.SACK_BLOCK_LENGTH * blocks;
    }

    /** SACK blocks that fit beside the timestamps in 40 option bytes: 3 with, 4 without (RFC 2018 section 3). */
    int maxSackBlocks() {
        return (TcpOptions.MAX_LENGTH - c.options.fixedOptionBytes() - TcpOptions.SACK_HEADER_LENGTH)
                / TcpOptions.SACK_BLOCK_LENGTH;
    }

    /** The connection closed: out-of-order data goes, unread data too if nobody will read it. */
    void closed(boolean discardUnread) {
        timers.release(ackTimer);
        reassembly.clear();
        sackBlocks.clear();
        if (discardUnread) {
            queue.clear();
        }
        noteHolding();
    }

    /** Unread data is discarded: the application will not read it. */
    void discardUnread() {
        queue.clear();
        noteHolding();
    }

    /** Keeps the receive budget's count of holders ({@link FrameBudget#share}) up to date. */
    private void noteHolding() {
        boolean holds = queue.frames() + reassembly.frames() > 0;
        if (holds != holding) {
            holding = holds;
            receiveFrames.holding(holds);
        }
    }

    /**
     * @return receive frames this connection may hold: those it holds and its share of the
     *         layer's free ones ({@link FrameBudget#share}), at most its own cap
     */
    private int framesAllowed() {
        int held = queue.frames() + reassembly.frames();
        int allowed = Math.min(config.receiveFramesPerConnection(), held + receiveFrames.share(holding));
        // An empty receive queue may always take one frame (ReceiveQueue): progress for every reader.
        return queue.frames() == 0 ? Math.max(allowed, Math.min(held + 1, config.receiveFramesPerConnection()))
                : allowed;
    }

    /**
     * @return bytes the receive frames this connection may still take can hold, a full-sized
     *         segment per {@link TcpConfig#framesPerFullSegment} frames: the window never
     *         promises more (see {@link ReceiveWindow})
     */
    private int roomBytes() {
        int frames = framesAllowed() - queue.frames() - reassembly.frames();
        long bytes = Math.max(frames, 0) * (long) mss;
        int perSegment = config.framesPerFullSegment();
        // Every segment sent and every read asks: no 64-bit division in the usual case of one frame per segment.
        return (int) Math.min(Integer.MAX_VALUE, perSegment == 1 ? bytes : bytes / perSegment);
    }
}
