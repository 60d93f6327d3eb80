package io.bypass.stack.link;

import io.bypass.stack.buffer.Frame;

/**
 * One NIC queue (or a model of one), seen as bursts of Ethernet frames.
 *
 * <p>Ownership rules: frames returned by {@link #receive} belong to the caller until it
 * releases them (a received payload may stay in its frame until the application reads
 * it); frames from {@link #allocate} belong to the caller until it passes them to
 * {@link #transmit}, which takes all of them, sent or not. A link is used by one thread
 * at a time (the holder of the stack lock).
 */
public interface Link {
    /**
     * Takes up to {@code max} received frames. Each frame's window covers exactly one
     * Ethernet frame (no FCS).
     *
     * @param burst where to put them, from index 0
     * @param max   at most this many ({@code <= burst.length})
     * @return how many frames were put into {@code burst}
     */
    int receive(Frame[] burst, int max);

    /**
     * A frame to build an outgoing packet in, with an empty window at offset 0.
     *
     * @return the frame, or {@code null} when the link has none free now
     */
    Frame allocate();

    /**
     * Queues frames for transmission. The link takes ownership of all {@code count}
     * frames: it queues a prefix {@code burst[0..n)} (as {@code rte_eth_tx_burst} does) and
     * releases the rest, which the caller counts as dropped.
     *
     * @param burst frames whose windows hold complete Ethernet frames
     * @param count how many, from index 0
     * @return {@code n}, how many were queued, from the front of the burst
     */
    int transmit(Frame[] burst, int count);

    /** @return the largest IP packet (Ethernet payload) this link carries, e.g. 1500 */
    int mtu();

    /**
     * How many frames {@link #transmit} would queue now besides those from {@link #allocate}
     * still with the caller: the free places of the device's transmit queue, a place that such
     * a frame reserved counted as free (a link that builds frames in its queue, like the shm
     * ring, gives the place out with the frame), since the caller counts its own frames. The
     * stack holds new TCP data back while its queued frames fill this, as Linux's does while
     * a device queue is stopped, so that a full queue delays segments instead of losing them
     * (a lost burst costs a retransmission timeout, and the timeouts back off).
     *
     * @return the free places, or {@link Integer#MAX_VALUE} when the link cannot tell (the
     *         default): a full queue then drops the rest of a burst, as {@link #transmit} says
     */
    default int transmitRoom() {
        return Integer.MAX_VALUE;
    }

    /**
     * What the link offloads (checksums) and how it is shaped (MTU, queues). The stack reads
     * this once, when it is built; a link's capabilities do not change afterwards. A
     * decorator that may alter frames (fault injection) must not pass on its inner link's
     * promise that received checksums need no verifying.
     *
     * @return by default a single queue at {@link #mtu()} with no offloads
     */
    default LinkCapabilities capabilities() {
        return LinkCapabilities.none(mtu());
    }

    /**
     * Whether received frames wait, as a hint that any thread may read without taking the
     * link: a thread that finds 0 need not take the stack lock to poll (the way Onload's
     * spinning threads look at the event queue before locking the stack).
     *
     * @return frames waiting to be received, as of some recent moment; or -1 when the link
     *         cannot tell cheaply (the caller then polls); -1 by default
     */
    default int pending() {
        return -1;
    }

    /**
     * Whether {@link #awaitFrames} can block until frames arrive: the link has an interrupt
     * of some kind (a doorbell word in shared memory, a pollable fd, a NIC's rx interrupt), so
     * an idle poller may sleep on it instead of polling at intervals.
     *
     * @return false by default: the caller polls, backing off while the link is quiet
     */
    default boolean canAwaitFrames() {
        return false;
    }

    /**
     * Blocks the calling thread until frames may be waiting to be received, {@link #wakeAwaiter}
     * is called, or {@code timeoutNs} passes; it may also return early for no reason (a signal,
     * a spurious wake-up), so the caller polls and decides again. It receives nothing.
     *
     * <p>Unlike the other methods, this one is called <em>without</em> holding the link: the
     * stack lock's holder may receive and transmit meanwhile. At most one thread awaits a
     * link at a time.
     *
     * @param timeoutNs the longest wait, in nanoseconds ({@code <= 0}: do not block)
     * @return whether frames were seen waiting when it returned (a hint, like {@link #pending()})
     * @throws UnsupportedOperationException when {@link #canAwaitFrames()} is false (the default)
     */
    default boolean awaitFrames(long timeoutNs) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot block for frames");
    }

    /**
     * Makes a thread blocked in {@link #awaitFrames} return now (a timer became due earlier
     * than it planned, or the engine shuts down); when none is blocked, costs a read of one
     * word. Any thread may call it, without holding the link. By default there is nothing to wake.
     */
    default void wakeAwaiter() {
    }

    /**
     * The device's own MAC address, when frames must be addressed to it to arrive (a NIC
     * filters on its address unless promiscuous): a stack on this link takes it unless told
     * otherwise. Links whose far end delivers every frame (in-memory, shared memory, TAP) have none.
     *
     * @return the address in the low 48 bits, or 0 (the default) when the device has none
     */
    default long macAddress() {
        return 0;
    }

    /**
     * The device's counters: frames and bytes carried, drops by reason. A decorator adds its
     * own to its inner link's.
     *
     * @return a live view; by default one that counts nothing
     */
    default LinkStats stats() {
        return LinkStats.NONE;
    }

    /**
     * Gives the device back (closes its fd, unmaps its memory, leaves its shared file to the
     * peer). Call once, after the last poll, when every frame from the link is released.
     * By default there is nothing to give back.
     */
    default void close() {
    }
}
