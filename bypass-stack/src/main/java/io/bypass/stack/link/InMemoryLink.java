package io.bypass.stack.link;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One end of a point-to-point Ethernet link in memory, for benchmarks and for two stacks in
 * one process: what one end transmits, the other receives. Both ends are used by one thread
 * (the two stacks are polled in turn, or under one lock); only {@link #pending()} may be read
 * from another thread, as a hint, which is why the ring's tail is published with release
 * semantics (a plain store on x86) and read there with acquire.
 *
 * <p>Each end has a transmit pool (frames it lends the stack to build packets in) and a
 * receive pool with a ring of the same size (a NIC's receive descriptors). {@link #transmit}
 * copies each frame into a receive frame of the peer, once, and releases the transmit frame
 * at once, as a NIC does when its DMA has read the frame. The frame is copied rather than
 * handed over because a received payload lives on in its frame until the application reads
 * it: a frame passed across would let a slow reader at one end exhaust the other end's
 * transmit pool (two hosts share no memory), and would return to a pool that belongs to
 * the other stack. The copy costs the CPU a memcpy that a NIC's DMA engine would do for
 * free, so benchmark numbers over this link are, if anything, pessimistic.
 *
 * <p>Copybreak (optional, {@link #pair(Arena, int, int, int, int, int, boolean)}): a frame no
 * longer than the copybreak size arrives in a small frame of a second receive pool, as NIC
 * drivers copy short packets into small buffers ({@code rx_copybreak}). With a 64 KiB MTU
 * this is what keeps many connections each holding a short unread message (a request
 * waiting for its turn at the selector) from tying up one 64 KiB frame apiece and running
 * the large pool dry, while bulk data still travels in full-size frames.
 *
 * <p>When the peer's receive pool is empty the rest of the burst is dropped (a NIC's
 * receive ring overflowing); the stack counts it as {@code TX_DROP_LINK_FULL}.
 *
 * <p>Frames never leave memory, so no bit can flip on the way: with checksum offload on
 * (the usual setting), the link says so in its {@link #capabilities()} and the stacks
 * neither compute nor verify IPv4, TCP and UDP checksums, as Linux does on loopback. A
 * capture of such a link shows the pseudo-header sums in the TCP and UDP checksum fields,
 * as tcpdump on Linux loopback does.
 */
public final class InMemoryLink implements Link {
    private static final VarHandle RING_TAIL;

    static {
        try {
            RING_TAIL = MethodHandles.lookup().findVarHandle(InMemoryLink.class, "ringTail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FramePool transmitPool;
    private final FramePool receivePool;
    /** Small receive frames for frames of at most {@link #copybreakBytes}, or null without copybreak. */
    private final FramePool copybreakPool;
    private final int copybreakBytes;
    private final Frame[] ring;
    private final int ringMask;
    private final LinkCapabilities capabilities;
    private final LinkCounters counters = new LinkCounters();
    private InMemoryLink peer;
    /** Index of the next frame to receive; grows without bound, masked into the ring. */
    private long ringHead;
    /** Index where the peer puts the next arriving frame; written with release (see {@link #pending()}). */
    private long ringTail;

    private InMemoryLink(Arena arena, int transmitFrames, int receiveFrames, int copybreakFrames, int copybreakBytes,
                         LinkCapabilities capabilities) {
        // Room for the largest frame: Ethernet header plus the MTU (no FCS, no VLAN tag).
        int frameCapacity = capabilities.mtu() + 14;
        this.transmitPool = new FramePool(arena, transmitFrames, frameCapacity);
        this.receivePool = new FramePool(arena, receiveFrames, frameCapacity);
        this.copybreakPool = copybreakFrames > 0 ? new FramePool(arena, copybreakFrames, copybreakBytes) : null;
        this.copybreakBytes = copybreakFrames > 0 ? copybreakBytes : 0;
        // The ring holds every receive frame that can be waiting at once, of both pools.
        int ringSize = Integer.highestOneBit(receiveFrames + copybreakFrames - 1) << 1;
        this.ring = new Frame[Math.max(ringSize, 1)];
        this.ringMask = ring.length - 1;
        this.capabilities = capabilities;
    }

    /**
     * Creates both ends of a link.
     *
     * @param arena           owner of the frames' memory
     * @param frameCount      frames in each end's transmit pool and in each end's receive pool
     * @param mtu             the largest IP packet, e.g. 1500 or 9000
     * @param checksumOffload whether the ends declare every checksum offloaded
     *                        ({@link LinkCapabilities#inMemory}) or nothing ({@link LinkCapabilities#none})
     * @return the two ends; give one to each stack
     */
    public static InMemoryLink[] pair(Arena arena, int frameCount, int mtu, boolean checksumOffload) {
        return pair(arena, frameCount, frameCount, mtu, checksumOffload);
    }

    /**
     * Creates both ends of a link whose transmit pools are smaller than their receive pools.
     * A transmit frame is released as soon as {@link #transmit} has copied it, so a stack
     * holds at most a burst of them; a receive frame lives until the application reads its
     * payload. With large frames (a 64 KiB MTU) sizing the transmit pool to the burst, not to
     * the receive pool, saves most of its memory.
     *
     * @param arena           owner of the frames' memory
     * @param transmitFrames  frames in each end's transmit pool; at least the stack's transmit burst
     * @param receiveFrames   frames in each end's receive pool (and its ring)
     * @param mtu             the largest IP packet, e.g. 1500 or 65535
     * @param checksumOffload whether the ends declare every checksum offloaded
     *                        ({@link LinkCapabilities#inMemory}) or nothing ({@link LinkCapabilities#none})
     * @return the two ends; give one to each stack
     */
    public static InMemoryLink[] pair(Arena arena, int transmitFrames, int receiveFrames, int mtu, boolean checksumOffload) {
        return pair(arena, transmitFrames, receiveFrames, 0, 0, mtu, checksumOffload);
    }

    /**
     * Creates both ends of a link with copybreak: each end also has a pool of small receive
     * frames, and a frame of at most {@code copybreakBytes} (Ethernet header included) arrives
     * in one of them while any is free (see the class comment).
     *
     * @param arena           owner of the frames' memory
     * @param transmitFrames  frames in each end's transmit pool; at least the stack's transmit burst
     * @param receiveFrames   full-size frames in each end's receive pool
     * @param copybreakFrames small frames in each end's copybreak pool (0: no copybreak)
     * @param copybreakBytes  their size in bytes
     * @param mtu             the largest IP packet, e.g. 1500 or 65535
     * @param checksumOffload whether the ends declare every checksum offloaded
     *                        ({@link LinkCapabilities#inMemory}) or nothing ({@link LinkCapabilities#none})
     * @return the two ends; give one to each stack
     */
    public static InMemoryLink[] pair(Arena arena, int transmitFrames, int receiveFrames, int copybreakFrames,
                                      int copybreakBytes, int mtu, boolean checksumOffload) {
        if (transmitFrames < 1) {
            throw new IllegalArgumentException("transmitFrames must be positive: " + transmitFrames);
        }
        if (receiveFrames < 1) {
            throw new IllegalArgumentException("receiveFrames must be positive: " + receiveFrames);
        }
        if (copybreakFrames < 0 || (copybreakFrames > 0 && (copybreakBytes < 64 || copybreakBytes > mtu + 14))) {
            throw new IllegalArgumentException("copybreak needs frames >= 0 of 64..MTU+14 bytes: "
                    + copybreakFrames + " of " + copybreakBytes);
        }
        LinkCapabilities capabilities = checksumOffload ? LinkCapabilities.inMemory(mtu) : LinkCapabilities.none(mtu);
        InMemoryLink a = new InMemoryLink(arena, transmitFrames, receiveFrames, copybreakFrames, copybreakBytes, capabilities);
        InMemoryLink b = new InMemoryLink(arena, transmitFrames, receiveFrames, copybreakFrames, copybreakBytes, capabilities);
        a.peer = b;
        b.peer = a;
        return new InMemoryLink[] {a, b};
    }

    @Override
    public int receive(Frame[] burst, int max) {
        int n = 0;
        long bytes = 0;
        while (n < max && ringHead != ringTail) {
            int slot = (int) (ringHead++ & ringMask);
            Frame frame = ring[slot];
            ring[slot] = null;
            bytes += frame.length();
            burst[n++] = frame;
        }
        if (n > 0) {
            counters.add(LinkCounter.RX_FRAMES, n);
            counters.add(LinkCounter.RX_BYTES, bytes);
        }
        return n;
    }

    @Override
    public Frame allocate() {
        return transmitPool.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        int queued = 0;
        long bytes = 0;
        while (queued < count && peer.arrive(burst[queued])) {
            bytes += burst[queued].length();
            burst[queued++].release();
        }
        counters.add(LinkCounter.TX_FRAMES, queued);
        counters.add(LinkCounter.TX_BYTES, bytes);
        if (queued < count) {
            // Counted at the receiving end, as a NIC counts rx_nombuf; the sender's stack counts
            // the same frames as TX_DROP_LINK_FULL. Both ends are used by one thread (see above).
            peer.counters.add(LinkCounter.RX_DROP_NO_BUFFER, count - queued);
        }
        for (int i = queued; i < count; i++) {
            burst[i].release();
        }
        return queued;
    }

    /** Copies a frame into this end's receive ring; false when no receive frame is free. */
    private boolean arrive(Frame sent) {
        int length = sent.length();
        Frame frame = length <= copybreakBytes ? copybreakPool.allocate() : null;
        if (frame == null) {
            frame = receivePool.allocate();
        }
        if (frame == null) {
            return false;
        }
        MemorySegment.copy(sent.memory(), sent.offset(), frame.memory(), 0, length);
        frame.window(0, length);
        ring[(int) (ringTail & ringMask)] = frame;
        // Release: a thread that reads the new tail in pending() also sees the slot filled.
        RING_TAIL.setRelease(this, ringTail + 1);
        return true;
    }

    @Override
    public int mtu() {
        return capabilities.mtu();
    }

    @Override
    public LinkCapabilities capabilities() {
        return capabilities;
    }

    /** Counts frames and bytes each way, and arrivals dropped for want of a receive frame ({@link LinkCounter#RX_DROP_NO_BUFFER}). */
    @Override
    public LinkStats stats() {
        return counters;
    }

    /** @return frames the stack holds from this end's transmit pool (built, not yet transmitted) */
    public int transmitFramesInUse() {
        return transmitPool.inUse();
    }

    /** @return frames of this end's receive pools (full-size and copybreak) in its ring or held by the stack (payload not yet read) */
    public int receiveFramesInUse() {
        return receivePool.inUse() + (copybreakPool == null ? 0 : copybreakPool.inUse());
    }

    /**
     * @return frames received and not yet taken by {@link #receive}; safe to call from any
     *         thread as a hint (exact only for the thread that polls this end)
     */
    @Override
    public int pending() {
        // Acquire pairs with the release in arrive(). Another thread may see the head out of
        // step with the tail; that only makes the hint non-zero when nothing waits (one
        // needless poll), never zero while a frame waits and the tail is visible.
        return (int) ((long) RING_TAIL.getAcquire(this) - ringHead);
    }
}
