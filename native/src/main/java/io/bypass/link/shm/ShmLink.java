package io.bypass.link.shm;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCapabilities;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkCounters;
import io.bypass.stack.link.LinkStats;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BooleanSupplier;

/**
 * One end of an Ethernet link between two processes on one host through a shared-memory
 * file (under {@code /dev/shm} it never touches a disk), with one {@link SpscRing} per
 * direction. Needs no privileges.
 *
 * <p><b>Creating and attaching.</b> {@link #open} creates the file if it does not exist:
 * the header and rings are written into a private temporary file next to it, which is then
 * hard-linked to the path ({@code link(2)} fails if the path exists, so exactly one creator
 * wins and nobody ever sees a half-written file); the creator holds side 0. Otherwise it
 * attaches: it checks magic, layout version and shape (an error names the mismatch) and
 * claims a side by a compare-and-set of that side's pid word, taking a side that is free
 * (pid 0) or whose process is dead. Side {@code s} produces into ring {@code s} and
 * consumes ring {@code 1 - s}.
 *
 * <p><b>A dead peer</b> cannot hang this end: nothing here waits. Every {@link #receive}
 * stamps this side's heartbeat (at most once per {@link #HEARTBEAT_INTERVAL_NS}) and looks at
 * the peer's; a heartbeat older than the configured timeout has the peer's pid checked with
 * {@link ProcessHandle}, and a dead pid turns {@link #peerState()} to {@link PeerState#DEAD}
 * (counted in {@link #peerDeaths()}); while the peer is not {@link PeerState#UP}, transmit
 * drops and counts ({@link LinkCounter#TX_DROP_PEER_DOWN}). A dead peer cannot corrupt this end either:
 * its counters and slot lengths are checked before use, and a slot it had not finished was
 * never published.
 *
 * <p><b>Re-attaching.</b> A restarted process takes over the dead side. Frames the dead
 * process had sent and this end had not yet received are still delivered (they are
 * complete; TCP treats them as the stale segments they are). Frames this end sent that the
 * dead process had not received are discarded by the newcomer before it receives anything
 * ({@link #rxDiscardedOnAttach()}), since they belong to connections it never had, and
 * drops the dead process's slot holds (see {@link SpscRing}).
 *
 * <p><b>Copies.</b> {@link #allocate} hands out the next outgoing ring slot itself
 * ({@link TransmitSlots}) and {@link #receive} lends long frames from their incoming slot
 * ({@link LentSlots}), so the link copies only short frames, frames it has no slot for, and
 * frames the stack kept back.
 *
 * <p><b>Waking a sleeping peer.</b> Each side has a {@link Doorbell} in the header: an end with
 * nothing to do may sleep in {@link #awaitFrames} (a futex on its bell), and {@link #transmit}
 * wakes the peer when its bell says it sleeps, so an idle receiver sees a frame within a
 * futex wake-up instead of at its next poll. When the peer does not sleep a transmitted burst
 * costs one fence and one load of its bell. Without a futex (an architecture we have no
 * syscall number for) {@link #canAwaitFrames} is false and callers poll.
 *
 * <p>A link end is used by one thread at a time, as the {@link Link} contract says, except
 * {@link #awaitFrames} and {@link #wakeAwaiter}, which touch only the bell and the ring's tail.
 * The link reads the clock (it is a device, not the stack).
 */
public final class ShmLink implements Link, AutoCloseable {
    /** How often a side stamps its heartbeat and looks at its peer's. */
    public static final long HEARTBEAT_INTERVAL_NS = 1_000_000L;
    /**
     * While the peer is up, a receive looks at the clock (for the heartbeats) only every this
     * many calls: a clock read costs as much as a receive that finds the ring empty, and a
     * spinning end receives millions of times a second. An end that polls rarely stamps its
     * heartbeat late, which costs the peer at most a pid check (a live pid stays up); until
     * the peer is up, every receive looks, so that its arrival is seen at once.
     */
    static final int RECEIVES_PER_CLOCK_READ = 16;
    /** {@link #open(Path, ShmLinkConfig, int)}: take whichever side is free. */
    public static final int ANY_SIDE = -1;
    private static final int ETHERNET_HEADER = 14;
    /**
     * Received frames up to this long are copied into the pool, longer ones lent from their
     * slot ({@link LentSlots}): a short segment is cheap to copy and, left unread by the
     * application, would otherwise keep a whole slot (as NIC drivers' {@code rx_copybreak}).
     */
    static final int COPYBREAK_BYTES = 2048;

    private final Path path;
    private final Arena arena;
    private final ShmHeader header;
    private final SpscRing out;
    private final SpscRing in;
    private final int side;
    private final long pid;
    private final FramePool transmitPool;
    private final FramePool receivePool;
    private final LentSlots lentSlots;
    private final TransmitSlots transmitSlots;
    private final LinkCapabilities capabilities;
    private final long peerTimeoutNs;
    private final int maxFrame;
    /** The bell this end sleeps on; null without a futex. */
    private final Doorbell myBell;
    /** The bell the peer sleeps on, rung after a transmitted burst; null without a futex. */
    private final Doorbell peerBell;
    /** {@link #awaitFrames}' look at the ring, held so that a wait allocates nothing. */
    private final BooleanSupplier framesWaiting;

    private PeerState peerState = PeerState.WAITING;
    private long peerPid;
    private long lastBeatNs;
    /** Receives left before the next look at the clock while the peer is up (see {@link #RECEIVES_PER_CLOCK_READ}). */
    private int receivesUntilClock;
    private long lastPidCheckNs;

    private final LinkCounters counters = new LinkCounters();
    private long peerDeaths;
    private final long rxDiscardedOnAttach;

    private ShmLink(Path path, Arena arena, MemorySegment file, ShmLinkConfig config, int side, boolean fresh) {
        this.path = path;
        this.arena = arena;
        this.header = new ShmHeader(file);
        this.side = side;
        this.pid = ProcessHandle.current().pid();
        this.out = new SpscRing(ShmHeader.ring(file, config, side), config.slotSize(), config.slotCount());
        this.in = new SpscRing(ShmHeader.ring(file, config, 1 - side), config.slotSize(), config.slotCount());
        this.maxFrame = config.mtu() + ETHERNET_HEADER;
        this.transmitPool = new FramePool(arena, config.poolFrames(), maxFrame);
        this.receivePool = new FramePool(arena, config.poolFrames(), maxFrame);
        this.capabilities = LinkCapabilities.inMemory(config.mtu());
        this.peerTimeoutNs = config.peerTimeoutNs();
        this.rxDiscardedOnAttach = fresh ? 0 : in.discardAll();
        Futex futex = Futex.available().orElse(null);
        this.myBell = futex == null ? null : new Doorbell(ShmHeader.doorbell(file, side), futex, arena);
        this.peerBell = futex == null ? null : new Doorbell(ShmHeader.doorbell(file, 1 - side), futex, arena);
        this.framesWaiting = () -> in.available() > 0;
        if (!fresh && myBell != null) {
            // A dead predecessor may have left its bell SLEEPING or WAKE_PENDING.
            myBell.reset();
        }
        if (!fresh) {
            // A dead predecessor's holds would have the peer step over those slots for ever.
            in.clearHolds();
        }
        this.lentSlots = new LentSlots(in);
        this.transmitSlots = new TransmitSlots(out);
        long nowNs = System.nanoTime();
        header.heartbeatOpaque(side, nowNs);
        refreshPeer(nowNs);
    }

    /**
     * Creates the link file, or attaches to it when it exists, taking whichever side is free.
     *
     * @param path   the file, e.g. {@code /dev/shm/bypass-a-b}
     * @param config the link's shape (must match the file's when attaching) and this end's pools
     * @return this process's end
     * @throws IOException           when the file cannot be created, opened or mapped
     * @throws IllegalStateException when the file does not match {@code config} (the message
     *                               names the field) or both sides are held by live processes
     */
    public static ShmLink open(Path path, ShmLinkConfig config) throws IOException {
        return open(path, config, ANY_SIDE);
    }

    /**
     * Creates the link file, or attaches to it when it exists, as the given side: two
     * processes that must not both come up as the same end (a server that restarts while its
     * client keeps the other side) say which end each is.
     *
     * @param path   the file
     * @param config the link's shape
     * @param side   0, 1, or {@link #ANY_SIDE}
     * @return this process's end
     * @throws IOException           when the file cannot be created, opened or mapped
     * @throws IllegalStateException when the file does not match {@code config}, or the side
     *                               asked for (or both, for any side) is held by a live process
     */
    public static ShmLink open(Path path, ShmLinkConfig config, int side) throws IOException {
        if (side != ANY_SIDE && side != 0 && side != 1) {
            throw new IllegalArgumentException("side must be 0, 1 or ANY_SIDE: " + side);
        }
        int creatorSide = side == 1 ? 1 : 0;
        long bytes = ShmHeader.fileBytes(config);
        long me = ProcessHandle.current().pid();
        Path temp = path.resolveSibling(path.getFileName() + ".creating." + me + "." + System.nanoTime());
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            Arena arena = Arena.ofShared();
            MemorySegment file = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            ShmHeader header = new ShmHeader(file);
            header.initialize(config);
            new SpscRing(ShmHeader.ring(file, config, 0), config.slotSize(), config.slotCount()).reset();
            new SpscRing(ShmHeader.ring(file, config, 1), config.slotSize(), config.slotCount()).reset();
            header.pidRelease(creatorSide, me);
            try {
                // link(2) publishes the complete file atomically, or fails when the path exists.
                Files.createLink(path, temp);
                return new ShmLink(path, arena, file, config, creatorSide, true);
            } catch (FileAlreadyExistsException exists) {
                arena.close();
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return attach(path, config, me, side);
    }

    private static ShmLink attach(Path path, ShmLinkConfig config, long me, int wanted) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size < ShmHeader.LENGTH) {
                throw new IllegalStateException("shm link " + path + ": " + size + " bytes, shorter than its header");
            }
            Arena arena = Arena.ofShared();
            try {
                MemorySegment head = channel.map(FileChannel.MapMode.READ_WRITE, 0, ShmHeader.LENGTH, arena);
                String mismatch = new ShmHeader(head).mismatch(config);
                if (mismatch == null && size != ShmHeader.fileBytes(config)) {
                    mismatch = "file size " + size + ", expected " + ShmHeader.fileBytes(config);
                }
                if (mismatch != null) {
                    throw new IllegalStateException("shm link " + path + ": " + mismatch);
                }
                MemorySegment file = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                ShmHeader header = new ShmHeader(file);
                for (int side : wanted == ANY_SIDE ? new int[] {1, 0} : new int[] {wanted}) {
                    long holder = header.pidVolatile(side);
                    if ((holder == 0 || !alive(holder)) && header.compareAndSetPid(side, holder, me)) {
                        return new ShmLink(path, arena, file, config, side, false);
                    }
                }
                if (wanted != ANY_SIDE) {
                    throw new IllegalStateException("shm link " + path + ": side " + wanted
                            + " is held by live process " + header.pidVolatile(wanted));
                }
                throw new IllegalStateException("shm link " + path + ": both sides held by live processes "
                        + header.pidVolatile(0) + " and " + header.pidVolatile(1));
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public int receive(Frame[] burst, int max) {
        if (peerState != PeerState.UP || --receivesUntilClock <= 0) {
            receivesUntilClock = RECEIVES_PER_CLOCK_READ;
            long nowNs = System.nanoTime();
            if (nowNs - lastBeatNs >= HEARTBEAT_INTERVAL_NS) {
                lastBeatNs = nowNs;
                header.heartbeatOpaque(side, nowNs);
                refreshPeer(nowNs);
            }
        }
        int ready = Math.min(in.available(), max);
        int taken = 0;
        int n = 0;
        long bytes = 0;
        while (taken < ready) {
            int length = in.length(taken);
            if (length == SpscRing.SKIP) {
                // A slot this end still held when the producer came round to it.
                taken++;
                continue;
            }
            if (length < ETHERNET_HEADER || length > maxFrame) {
                counters.increment(LinkCounter.RX_DROP_MALFORMED);
                taken++;
                continue;
            }
            Frame frame;
            if (length > COPYBREAK_BYTES && lentSlots.canLend()) {
                frame = lentSlots.lend(taken, length);
                if (frame == null) {
                    counters.increment(LinkCounter.RX_DROP_MALFORMED);
                    taken++;
                    continue;
                }
                taken++;
            } else {
                frame = receivePool.allocate();
                if (frame == null) {
                    // Leave the rest in the ring: the stack frees frames as the application reads.
                    break;
                }
                in.read(taken++, frame.memory(), 0, length);
                frame.window(0, length);
            }
            burst[n++] = frame;
            bytes += length;
        }
        if (taken > 0) {
            // Release: also publishes the holds of the slots lent above.
            in.consume(taken);
        }
        if (n > 0) {
            counters.add(LinkCounter.RX_FRAMES, n);
            counters.add(LinkCounter.RX_BYTES, bytes);
        }
        return n;
    }

    /** Looks at the peer's pid and heartbeat and updates {@link #peerState}. */
    private void refreshPeer(long nowNs) {
        long holder = header.pidVolatile(1 - side);
        if (holder == 0) {
            peerState = PeerState.WAITING;
            peerPid = 0;
            return;
        }
        if (holder != peerPid) {
            // A new process holds the other side (first attach, or a restart after a death).
            peerPid = holder;
            peerState = PeerState.UP;
            lastPidCheckNs = nowNs;
            return;
        }
        if (peerState == PeerState.UP && nowNs - header.heartbeatAcquire(1 - side) > peerTimeoutNs
                && nowNs - lastPidCheckNs >= peerTimeoutNs / 4) {
            // Stale heartbeat: a dead process, or a live one that stopped polling (ring full drops).
            lastPidCheckNs = nowNs;
            if (!alive(holder)) {
                peerState = PeerState.DEAD;
                peerDeaths++;
            }
        }
    }

    /**
     * The next ring slot itself while the peer is up ({@link TransmitSlots}: the frame is built
     * where the peer reads it), else, or when too many slot frames are out, a pool frame.
     */
    @Override
    public Frame allocate() {
        if (peerState == PeerState.UP) {
            Frame frame = transmitSlots.allocate();
            if (frame != null) {
                return frame;
            }
        }
        return transmitPool.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        int n = 0;
        if (peerState == PeerState.UP) {
            long bytes = 0;
            while (n < count && transmitSlots.put(burst[n])) {
                bytes += burst[n++].length();
            }
            transmitSlots.publish();
            if (n > 0) {
                if (peerBell != null) {
                    peerBell.ring();
                }
                transmitSlots.prepareNext();
                counters.add(LinkCounter.TX_FRAMES, n);
                counters.add(LinkCounter.TX_BYTES, bytes);
            }
            if (n < count) {
                counters.add(LinkCounter.TX_DROP_RING_FULL, count - n);
            }
        } else {
            counters.add(LinkCounter.TX_DROP_PEER_DOWN, count);
        }
        for (int i = 0; i < count; i++) {
            burst[i].release();
            burst[i] = null;
        }
        return n;
    }

    @Override
    public int mtu() {
        return capabilities.mtu();
    }

    /**
     * The ring positions for frames the stack does not hold yet ({@link TransmitSlots#room});
     * unbounded while the peer is not up, since frames are dropped then whatever the ring holds.
     */
    @Override
    public int transmitRoom() {
        return peerState == PeerState.UP ? transmitSlots.room() : Integer.MAX_VALUE;
    }

    /** Frames never leave this host's memory: every checksum is offloaded, as on loopback. */
    @Override
    public LinkCapabilities capabilities() {
        return capabilities;
    }

    /** @return what this end knows of the other, as of its last {@link #receive} */
    public PeerState peerState() {
        return peerState;
    }

    /** @return 0 for the creator's side, 1 for the other */
    public int side() {
        return side;
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /**
     * Frames and bytes each way; drops: {@link LinkCounter#TX_DROP_RING_FULL} (the peer does not
     * keep up), {@link LinkCounter#TX_DROP_PEER_DOWN} (no live peer), {@link LinkCounter#RX_DROP_MALFORMED}
     * (a slot whose length word is impossible).
     */
    @Override
    public LinkStats stats() {
        return counters;
    }

    /** @return how often the peer was found dead */
    public long peerDeaths() {
        return peerDeaths;
    }

    /** @return frames left by a dead predecessor's peer that this end dropped when it attached */
    public long rxDiscardedOnAttach() {
        return rxDiscardedOnAttach;
    }

    /** Frames the peer published and this end has not received: one acquire load of the peer's tail. */
    @Override
    public int pending() {
        return in.available();
    }

    /** @return whether this host has the futex the doorbell sleeps on (Linux on x86-64 or aarch64) */
    @Override
    public boolean canAwaitFrames() {
        return myBell != null;
    }

    /**
     * Sleeps on this end's doorbell until the peer transmits, {@link #wakeAwaiter} is called,
     * or the timeout passes; returns at once when frames already wait.
     */
    @Override
    public boolean awaitFrames(long timeoutNs) {
        if (myBell == null) {
            return Link.super.awaitFrames(timeoutNs);
        }
        return myBell.await(timeoutNs, framesWaiting);
    }

    @Override
    public void wakeAwaiter() {
        if (myBell != null) {
            myBell.wake();
        }
    }

    /** @return frames of this end's pools held outside them, slots lent and slot frames out (a leak check) */
    public int framesInUse() {
        return transmitPool.inUse() + receivePool.inUse() + lentSlots.lent() + transmitSlots.outstanding();
    }

    /** @return frames handed out by {@link #allocate} as ring slots (see {@link TransmitSlots}), not yet back */
    public int slotFramesOut() {
        return transmitSlots.outstanding();
    }

    /** @return received frames lent from their ring slots now, not copied (see {@link LentSlots}) */
    public int slotsLent() {
        return lentSlots.lent();
    }

    /**
     * Gives up this side (the peer sees {@link PeerState#WAITING}) and unmaps the file. Frames
     * from this link must all have been released. The file stays for a process that attaches
     * later; delete it when the link is no longer wanted.
     */
    @Override
    public void close() {
        header.compareAndSetPid(side, pid, 0);
        arena.close();
    }
}
