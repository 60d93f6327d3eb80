package io.bypass.link.dpdk;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.bypass.link.SleepHandshake;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FrameOwner;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCapabilities;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkCounters;
import io.bypass.stack.link.LinkStats;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;

/**
 * One DPDK ethdev port (one rx and one tx queue) as a {@link Link}: any PMD, chosen by the
 * EAL arguments and devargs of a {@link DpdkConfig} — {@code net_af_xdp} on a kernel
 * interface, {@code net_tap}, {@code net_memif}, or a real NIC (Solarflare through
 * {@code net_sfc}). Frames are the port's mbufs themselves: one {@link Frame} object is
 * made per mbuf of the port's pool when the link opens, over the mbuf's buffer, so a
 * received payload stays in its mbuf until the stack releases the frame, and the stack
 * builds outgoing frames directly in mbufs. The fast path exchanges mbuf indices,
 * offsets and lengths with the C shim in preallocated native arrays: no allocation per
 * packet, one downcall per burst.
 *
 * <p>Free mbufs held on the Java side (just released, or allocated in a batch ahead of
 * need) sit in a small LIFO cache, so that most {@link #allocate()} and release calls
 * make no downcall; the cache spills back to the pool when full.
 *
 * <p>Checksums: the offloads the PMD offers are used (unless the setting says
 * {@code offload=off}) and announced in {@link #capabilities()}; the shim drops frames the
 * device marks bad and verifies those it did not check, so the receive promise holds for
 * every frame (IPv4 fragments excepted: their L4 checksum covers the whole datagram).
 *
 * <p>A full transmit queue: what the device refuses waits in the shim (up to
 * {@link DpdkShim#TX_WAITING_MAX} frames) and goes to the device before anything newer, at
 * the next transmit or receive; while frames wait, {@link #transmitRoom()} says how many
 * more may, so that TCP holds new data back instead of losing it. A Linux driver stops its
 * queue and the qdisc holds the packets the same way. With nothing waiting the room is not
 * known: the shim does not ask the PMD for free descriptors ({@code
 * rte_eth_tx_descriptor_status} is optional for a PMD and answers for one descriptor at a
 * time).
 *
 * <p>Counters ({@link #stats()}): frames and bytes each way and the transmit ring's drops are
 * counted here as bursts go by; the shim's receive drops (chained frames, bad checksums) and
 * its frames that waited for the device are read from the port's state after each burst,
 * with no downcall; drops only the device sees (no mbuf, ring overrun, errors) come from the
 * PMD's {@code rte_eth_stats} when a counter is read, never on the data path.
 *
 * <p>Like every link it is used by one thread at a time; {@link #open} and {@link #close}
 * go through a process-wide lock, since DPDK's control path is not thread-safe.
 */
public final class DpdkLink implements Link, AutoCloseable {
    /** Ethernet header without FCS or VLAN tag: the room a frame needs beyond the MTU. */
    private static final int ETHERNET_HEADER = 14;
    /** {@code RTE_PKTMBUF_HEADROOM}, part of an mbuf's data room. */
    private static final int MBUF_HEADROOM = 128;
    /** Mbufs allocated from the pool per downcall when the cache is empty. */
    private static final int ALLOC_BATCH = 32;
    private static final int CACHE_SIZE = 2 * ALLOC_BATCH;
    /** Devices with an open link in this process; guarded by the EAL lock. */
    private static final Set<String> OPEN = new HashSet<>();

    private final DpdkConfig config;
    private final Arena arena;
    private final MemorySegment port;
    private final boolean probed;
    private final String driver;
    private final long mac;
    private final short portId;
    private final LinkCapabilities capabilities;
    private final Frame[] frames;
    private final FrameOwner owner = this::recycle;
    private final MemorySegment pkts;
    private final MemorySegment indices;
    /** The shim's {@code struct bypass_dpdk_port_state} of this port: written by rx and tx, read by the polling thread. */
    private final MemorySegment state;
    private final LinkCounters counters = new LinkCounters();
    private final LinkStats stats = this::counter;
    /** The shim's drop counts as of the last burst, to add only what is new. */
    private long droppedChecksum;
    private long droppedChained;
    /** The shim's count of frames that waited for the device, as of the last burst. */
    private long waited;
    /** The PMD's counters, read on demand into this preallocated segment under the EAL lock. */
    private final MemorySegment deviceCounters;
    /** The PMD's counters as last read: imissed + rx_nombuf, ierrors, oerrors; kept after close. */
    private long deviceNoBuffer;
    private long deviceRxErrors;
    private long deviceTxErrors;
    private final int[] cache = new int[CACHE_SIZE];
    private int cacheCount;
    private int framesInUse;
    /** True while {@link #transmit} releases frames whose mbufs now belong to the device. */
    private boolean handingToDevice;
    private boolean closed;
    /** Whether the port has an rx wake-up ({@link #awaitFrames}). */
    private final boolean waitable;
    private final SleepHandshake sleep = new SleepHandshake();

    private DpdkLink(DpdkConfig config, Arena arena, MemorySegment port, boolean probed, short portId,
                     MemorySegment info, int mbufs, LinkCapabilities capabilities) {
        this.config = config;
        this.arena = arena;
        this.port = port;
        this.probed = probed;
        this.portId = portId;
        this.driver = info.getString(DpdkShim.INFO_DRIVER);
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | Byte.toUnsignedLong(info.get(JAVA_BYTE, DpdkShim.INFO_MAC + i));
        }
        this.mac = m;
        this.capabilities = capabilities;
        this.pkts = arena.allocate(DpdkShim.PKT, DpdkShim.BURST_MAX);
        this.indices = arena.allocate(JAVA_INT, DpdkShim.BURST_MAX);
        this.state = DpdkShim.portState(port).reinterpret(DpdkShim.PORT_STATE.byteSize(), arena, null);
        this.deviceCounters = arena.allocate(DpdkShim.STATS);
        this.waitable = DpdkShim.rxWaitable(port);
        this.frames = new Frame[mbufs];
        MemorySegment length = arena.allocate(JAVA_INT);
        for (int i = 0; i < mbufs; i++) {
            MemorySegment buffer = DpdkShim.buffer(port, i, length);
            // Scoped to the link's arena: a frame touched after close throws instead of
            // reading memory DPDK has freed.
            frames[i] = new Frame(buffer.reinterpret(length.get(JAVA_INT, 0), arena, null), owner, i);
        }
    }

    /**
     * Opens a DPDK link: starts the EAL if this process has not yet (with the setting's EAL
     * arguments; a later link must give the same), takes the port the EAL arguments attached
     * or else probes the device, and starts the port with one queue pair.
     * {@link DpdkLinkFactory} calls this for {@code bypass.link=dpdk:...}.
     *
     * @param spec {@code dpdk:<devargs>?eal=<EAL args>...}, see {@link DpdkConfig}
     * @return the started link
     * @throws IllegalArgumentException when the setting is malformed (the message names the bad part)
     * @throws IOException when DPDK is not installed, the EAL cannot start (no permission, no
     *                     hugepages), or the device cannot be probed or started; the message
     *                     says which and what to do
     */
    public static DpdkLink open(String spec) throws IOException {
        return open(DpdkConfig.parse(spec));
    }

    /**
     * Opens a DPDK link from a parsed setting; see {@link #open(String)}.
     *
     * @param config the setting
     * @return the started link
     * @throws IOException as {@link #open(String)}
     */
    public static DpdkLink open(DpdkConfig config) throws IOException {
        Eal.start(config.ealArgs());
        synchronized (Eal.class) {
            Arena arena = Arena.ofShared();
            try {
                return openPort(config, arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    private static DpdkLink openPort(DpdkConfig config, Arena arena) throws IOException {
        if (OPEN.contains(config.deviceName())) {
            throw new IOException("DPDK device " + config.deviceName() + " is already open in this process;"
                    + " a port serves one link");
        }
        MemorySegment portIdOut = arena.allocate(JAVA_SHORT);
        // A port the EAL arguments attached (-a, --vdev) is used as it is; any other device is
        // probed now and removed again at close, so that the next link can probe it afresh.
        boolean probe = DpdkShim.portByName(arena.allocateFrom(config.deviceName()), portIdOut) != 0;
        if (probe && DpdkShim.probe(arena.allocateFrom(config.devargs()), portIdOut) != 0) {
            throw new IOException("DPDK could not probe device '" + config.devargs() + "': " + DpdkShim.lastError()
                    + Eal.privilegeHint() + "; a NIC must be bound to vfio-pci (dpdk-devbind.py) or attached by the"
                    + " EAL arguments (eal=-a+<PCI address>) (DPDK's log on stderr says more)");
        }
        short portId = portIdOut.get(JAVA_SHORT, 0);
        MemorySegment info = arena.allocate(DpdkShim.INFO);
        if (DpdkShim.info(portId, info) != 0) {
            throw new IOException("DPDK port " + config.deviceName() + ": " + DpdkShim.lastError());
        }
        long rxCapa = config.offload() ? info.get(JAVA_LONG, DpdkShim.INFO_RX_OFFLOAD_CAPA) : 0;
        long txCapa = config.offload() ? info.get(JAVA_LONG, DpdkShim.INFO_TX_OFFLOAD_CAPA) : 0;
        long l4 = DpdkShim.OFFLOAD_TCP_CKSUM | DpdkShim.OFFLOAD_UDP_CKSUM;
        boolean rxIp = (rxCapa & DpdkShim.OFFLOAD_IPV4_CKSUM) != 0;
        boolean rxL4 = (rxCapa & l4) == l4;
        boolean txIp = (txCapa & DpdkShim.OFFLOAD_IPV4_CKSUM) != 0;
        boolean txL4 = (txCapa & l4) == l4;
        long rxOffloads = (rxIp ? DpdkShim.OFFLOAD_IPV4_CKSUM : 0) | (rxL4 ? l4 : 0);
        long txOffloads = (txIp ? DpdkShim.OFFLOAD_IPV4_CKSUM : 0) | (txL4 ? l4 : 0);

        int mtu = config.mtu() != 0 ? config.mtu() : Short.toUnsignedInt(info.get(JAVA_SHORT, DpdkShim.INFO_MTU));
        if (mtu < 68) {
            mtu = 1500; // a PMD that reports no MTU carries standard Ethernet frames
        }
        int dataRoom = MBUF_HEADROOM + Math.max(2048, mtu + ETHERNET_HEADER);
        MemorySegment portOut = arena.allocate(ValueLayout.ADDRESS);
        int rc = DpdkShim.portOpen(portId, config.mbufs(), (short) dataRoom, (short) config.rxDescriptors(),
                (short) config.txDescriptors(), (short) config.mtu(), rxOffloads, txOffloads, probe ? 1 : 0, portOut);
        if (rc != 0) {
            throw new IOException("DPDK could not start port " + config.deviceName() + ": " + DpdkShim.lastError()
                    + Eal.privilegeHint());
        }
        LinkCapabilities capabilities = new LinkCapabilities(mtu, 1, rxIp, rxL4, txIp, txL4);
        OPEN.add(config.deviceName());
        return new DpdkLink(config, arena, portOut.get(ValueLayout.ADDRESS, 0), probe, portId, info, config.mbufs(),
                capabilities);
    }

    @Override
    public int receive(Frame[] burst, int max) {
        int n = DpdkShim.rx(port, pkts, Math.min(max, DpdkShim.BURST_MAX));
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            long at = i * DpdkShim.PKT.byteSize();
            Frame frame = frames[pkts.get(JAVA_INT, at + DpdkShim.PKT_INDEX)];
            frame.acquire();
            int length = Short.toUnsignedInt(pkts.get(JAVA_SHORT, at + DpdkShim.PKT_LENGTH));
            frame.window(Short.toUnsignedInt(pkts.get(JAVA_SHORT, at + DpdkShim.PKT_OFFSET)), length);
            burst[i] = frame;
            bytes += length;
        }
        framesInUse += n;
        if (n > 0) {
            counters.add(LinkCounter.RX_FRAMES, n);
            counters.add(LinkCounter.RX_BYTES, bytes);
        }
        foldShimCounts();
        return n;
    }

    /** Adds what the shim dropped or kept waiting during the last burst: three plain loads when it did neither. */
    private void foldShimCounts() {
        long checksum = state.get(JAVA_LONG, DpdkShim.STATE_RX_DROPPED_CHECKSUM);
        long chained = state.get(JAVA_LONG, DpdkShim.STATE_RX_DROPPED_CHAINED);
        long waitedNow = state.get(JAVA_LONG, DpdkShim.STATE_TX_WAITED);
        if (checksum != droppedChecksum) {
            counters.add(LinkCounter.RX_DROP_CHECKSUM, checksum - droppedChecksum);
            droppedChecksum = checksum;
        }
        if (chained != droppedChained) {
            counters.add(LinkCounter.RX_DROP_OVERSIZE, chained - droppedChained);
            droppedChained = chained;
        }
        if (waitedNow != waited) {
            counters.add(LinkCounter.TX_WAITED_QUEUE_FULL, waitedNow - waited);
            waited = waitedNow;
        }
    }

    @Override
    public Frame allocate() {
        if (cacheCount == 0) {
            int n = DpdkShim.alloc(port, indices, ALLOC_BATCH);
            for (int i = 0; i < n; i++) {
                cache[cacheCount++] = indices.getAtIndex(JAVA_INT, i);
            }
            if (n == 0) {
                return null;
            }
        }
        Frame frame = frames[cache[--cacheCount]];
        frame.acquire();
        framesInUse++;
        return frame;
    }

    /**
     * @return {@link Integer#MAX_VALUE} (not known) while no frame waits for the device; while
     *         some do, the device's queue is full and the room is what is left of half the
     *         shim's waiting places: the other half takes what is never held back for room
     *         (ACKs, retransmissions) and the burst that found the queue full
     */
    @Override
    public int transmitRoom() {
        int waiting = state.get(JAVA_INT, DpdkShim.STATE_TX_WAITING);
        return waiting == 0 ? Integer.MAX_VALUE : Math.max(0, DpdkShim.TX_WAITING_MAX / 2 - waiting);
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        int queued = 0;
        long bytes = 0;
        boolean full = false;
        for (int start = 0; start < count; start += DpdkShim.BURST_MAX) {
            int chunk = Math.min(count - start, DpdkShim.BURST_MAX);
            if (full) {
                // The device took only a prefix: the rest of the burst is dropped, as the contract says.
                for (int i = start; i < start + chunk; i++) {
                    burst[i].release();
                }
                continue;
            }
            for (int i = 0; i < chunk; i++) {
                Frame frame = burst[start + i];
                assert frames[frame.index()] == frame : "frame from another link: " + frame;
                long at = i * DpdkShim.PKT.byteSize();
                pkts.set(JAVA_INT, at + DpdkShim.PKT_INDEX, frame.index());
                pkts.set(JAVA_SHORT, at + DpdkShim.PKT_OFFSET, (short) frame.offset());
                pkts.set(JAVA_SHORT, at + DpdkShim.PKT_LENGTH, (short) frame.length());
            }
            int sent = DpdkShim.tx(port, pkts, chunk);
            for (int i = 0; i < sent; i++) {
                bytes += burst[start + i].length();
            }
            // The shim handed every mbuf of the chunk on: to the device, or back to the pool.
            handingToDevice = true;
            try {
                for (int i = start; i < start + chunk; i++) {
                    burst[i].release();
                }
            } finally {
                handingToDevice = false;
            }
            queued += sent;
            full = sent < chunk;
        }
        counters.add(LinkCounter.TX_FRAMES, queued);
        counters.add(LinkCounter.TX_BYTES, bytes);
        if (queued < count) {
            counters.add(LinkCounter.TX_DROP_RING_FULL, count - queued);
        }
        return queued;
    }

    /** Where released frames go: their mbuf into the cache, unless it was just handed to the device. */
    private void recycle(Frame frame) {
        framesInUse--;
        if (handingToDevice) {
            return;
        }
        cache[cacheCount++] = frame.index();
        if (cacheCount == CACHE_SIZE) {
            spill(ALLOC_BATCH);
        }
    }

    /** Returns the top {@code n} cached mbufs to the pool. */
    private void spill(int n) {
        for (int i = 0; i < n; i++) {
            indices.setAtIndex(JAVA_INT, i, cache[--cacheCount]);
        }
        DpdkShim.free(port, indices, n);
    }

    @Override
    public int mtu() {
        return capabilities.mtu();
    }

    @Override
    public LinkCapabilities capabilities() {
        return capabilities;
    }

    /**
     * A real NIC delivers only frames addressed to its MAC (and {@code net_af_xdp} on a
     * physical interface sees only those the kernel's NIC accepted), so a stack on this link
     * takes the port's address; the provider does unless {@code bypass.mac} says otherwise.
     *
     * @return the port's MAC address in the low 48 bits
     */
    @Override
    public long macAddress() {
        return mac;
    }

    /** @return the PMD's name, e.g. {@code net_af_xdp} */
    public String driver() {
        return driver;
    }

    /** @return the setting the link was opened with */
    public DpdkConfig config() {
        return config;
    }

    /** @return whether the port reports its link up */
    public boolean linkUp() {
        synchronized (Eal.class) {
            try (Arena call = Arena.ofConfined()) {
                return DpdkShim.link(portId, call.allocate(JAVA_INT)) == 1;
            }
        }
    }

    /** @return the PMD's and the shim's counters now (allocates: not for the data path) */
    public DpdkStats deviceStats() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment s = call.allocate(DpdkShim.STATS);
            if (DpdkShim.stats(port, s) != 0) {
                throw new IllegalStateException(DpdkShim.lastError());
            }
            long[] v = s.toArray(JAVA_LONG);
            return new DpdkStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
        }
    }

    /**
     * Frames and bytes each way, counted per burst; {@link LinkCounter#TX_DROP_RING_FULL} for
     * frames the device did not take; {@link LinkCounter#RX_DROP_OVERSIZE} (frames chained over
     * several mbufs) and {@link LinkCounter#RX_DROP_CHECKSUM} (bad checksums under receive
     * offload) as the shim dropped them; and, read from the PMD when asked for,
     * {@link LinkCounter#RX_DROP_NO_BUFFER} ({@code rx_nombuf + imissed}),
     * {@link LinkCounter#RX_ERRORS} ({@code ierrors}) and {@link LinkCounter#TX_ERRORS}
     * ({@code oerrors}). Reading allocates nothing; after {@link #close()} the last values stay.
     *
     * @return a live view
     */
    @Override
    public LinkStats stats() {
        return stats;
    }

    /**
     * Not known cheaply: {@code rte_eth_rx_queue_count} is optional for a PMD ({@code net_af_xdp}
     * has none) and may not be called while another thread polls the queue, which is the whole
     * point of this hint; so the caller polls.
     *
     * @return -1
     */
    @Override
    public int pending() {
        return -1;
    }

    /**
     * For {@code net_af_xdp} (its XDP socket) and {@code net_tap} (its rx interrupt, the tap
     * fd): a thread with nothing to do sleeps in {@code ppoll} until frames arrive, instead of
     * the caller polling at intervals. Other PMDs' rx interrupts are not used yet.
     */
    @Override
    public boolean canAwaitFrames() {
        return waitable;
    }

    /**
     * Sleeps in the shim's {@code ppoll} on the port's rx descriptor and a wake-up eventfd; a
     * {@link #wakeAwaiter} just before the sleep ends it at once ({@link SleepHandshake}).
     */
    @Override
    public boolean awaitFrames(long timeoutNs) {
        if (!waitable) {
            return Link.super.awaitFrames(timeoutNs);
        }
        if (!sleep.beginSleep()) {
            return false;
        }
        try {
            int rc = DpdkShim.rxWait(port, timeoutNs);
            if (rc < 0) {
                throw new IllegalStateException("waiting for frames on DPDK port " + config.deviceName() + ": "
                        + DpdkShim.lastError());
            }
            return rc == 1;
        } finally {
            sleep.endSleep();
        }
    }

    @Override
    public void wakeAwaiter() {
        if (sleep.wake() && DpdkShim.rxWake(port) < 0) {
            throw new IllegalStateException("waking the waiter of DPDK port " + config.deviceName() + ": "
                    + DpdkShim.lastError());
        }
    }

    private long counter(LinkCounter c) {
        return switch (c) {
            case RX_DROP_NO_BUFFER, RX_ERRORS, TX_ERRORS -> deviceCounter(c);
            default -> counters.get(c);
        };
    }

    /**
     * One of the PMD's counters, read now ({@code rte_eth_stats_get}, which PMDs allow beside a
     * polling thread: it reads counters, and for {@code net_af_xdp} asks the socket's
     * {@code XDP_STATISTICS}); after close, its last value.
     */
    private long deviceCounter(LinkCounter c) {
        synchronized (Eal.class) {
            if (!closed && DpdkShim.stats(port, deviceCounters) == 0) {
                readDeviceCounters();
            }
            return switch (c) {
                case RX_DROP_NO_BUFFER -> deviceNoBuffer;
                case RX_ERRORS -> deviceRxErrors;
                default -> deviceTxErrors;
            };
        }
    }

    /** Copies imissed + rx_nombuf, ierrors and oerrors out of {@link #deviceCounters}; caller holds the EAL lock. */
    private void readDeviceCounters() {
        deviceNoBuffer = deviceCounters.getAtIndex(JAVA_LONG, 4) + deviceCounters.getAtIndex(JAVA_LONG, 7);
        deviceRxErrors = deviceCounters.getAtIndex(JAVA_LONG, 5);
        deviceTxErrors = deviceCounters.getAtIndex(JAVA_LONG, 6);
    }

    /** @return frames the stack holds (received and not released, or allocated and not transmitted): a leak check */
    public int framesInUse() {
        return framesInUse;
    }

    /**
     * Returns cached mbufs, stops and closes the port, removes a device this link probed,
     * and frees the pool. Call after the last poll, with every frame released: frames are
     * invalid afterwards (touching one throws).
     *
     * @throws IllegalStateException when DPDK reports a failure closing the port
     */
    @Override
    public void close() {
        synchronized (Eal.class) {
            if (closed) {
                return;
            }
            if (DpdkShim.stats(port, deviceCounters) == 0) {
                readDeviceCounters();
            }
            closed = true;
            while (cacheCount > 0) {
                spill(Math.min(cacheCount, DpdkShim.BURST_MAX));
            }
            int rc = DpdkShim.portClose(port, probed ? 1 : 0);
            OPEN.remove(config.deviceName());
            String error = rc == 0 ? null : DpdkShim.lastError();
            arena.close();
            if (error != null) {
                throw new IllegalStateException("closing DPDK port " + config.deviceName() + ": " + error);
            }
        }
    }
}
