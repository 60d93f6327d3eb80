package io.bypass.link.dpdk;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FrameOwner;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCapabilities;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    private final int[] cache = new int[CACHE_SIZE];
    private int cacheCount;
    private int framesInUse;
    /** True while {@link #transmit} releases frames whose mbufs now belong to the device. */
    private boolean handingToDevice;
    private boolean closed;

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
     * arguments; a later link must give the same), probes the device or finds the port,
     * and starts the port with one queue pair. This is the entry point a link factory
     * calls for {@code bypass.link=dpdk:...}.
     *
     * @param spec {@code dpdk:<EAL args>;dev=<devargs>} or {@code ;port=<name>}, see {@link DpdkConfig}
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
        MemorySegment portIdOut = arena.allocate(JAVA_SHORT);
        boolean probe = config.devargs() != null;
        int rc = probe
                ? DpdkShim.probe(arena.allocateFrom(config.devargs()), portIdOut)
                : DpdkShim.portByName(arena.allocateFrom(config.portName()), portIdOut);
        if (rc != 0) {
            throw new IOException((probe ? "DPDK could not probe device '" + config.devargs() + "'"
                    : "DPDK has no port '" + config.portName() + "' (attach it with the EAL arguments, e.g. -a <PCI address>)")
                    + ": " + DpdkShim.lastError() + Eal.privilegeHint() + " (DPDK's log on stderr says more)");
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
        rc = DpdkShim.portOpen(portId, config.mbufs(), (short) dataRoom, (short) config.rxDescriptors(),
                (short) config.txDescriptors(), (short) config.mtu(), rxOffloads, txOffloads, probe ? 1 : 0, portOut);
        if (rc != 0) {
            throw new IOException("DPDK could not start port " + config.deviceName() + ": " + DpdkShim.lastError()
                    + Eal.privilegeHint());
        }
        LinkCapabilities capabilities = new LinkCapabilities(mtu, 1, rxIp, rxL4, txIp, txL4);
        return new DpdkLink(config, arena, portOut.get(ValueLayout.ADDRESS, 0), probe, portId, info, config.mbufs(),
                capabilities);
    }

    @Override
    public int receive(Frame[] burst, int max) {
        int n = DpdkShim.rx(port, pkts, Math.min(max, DpdkShim.BURST_MAX));
        for (int i = 0; i < n; i++) {
            long at = i * DpdkShim.PKT.byteSize();
            Frame frame = frames[pkts.get(JAVA_INT, at + DpdkShim.PKT_INDEX)];
            frame.acquire();
            frame.window(Short.toUnsignedInt(pkts.get(JAVA_SHORT, at + DpdkShim.PKT_OFFSET)),
                    Short.toUnsignedInt(pkts.get(JAVA_SHORT, at + DpdkShim.PKT_LENGTH)));
            burst[i] = frame;
        }
        framesInUse += n;
        return n;
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

    @Override
    public int transmit(Frame[] burst, int count) {
        int queued = 0;
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

    /** @return the port's MAC address in the low 48 bits, the stack's own MAC on this link */
    public long mac() {
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
            closed = true;
            while (cacheCount > 0) {
                spill(Math.min(cacheCount, DpdkShim.BURST_MAX));
            }
            int rc = DpdkShim.portClose(port, probed ? 1 : 0);
            String error = rc == 0 ? null : DpdkShim.lastError();
            arena.close();
            if (error != null) {
                throw new IllegalStateException("closing DPDK port " + config.deviceName() + ": " + error);
            }
        }
    }
}
