package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.link.interop.InteropWorld;
import io.bypass.link.interop.KernelInteropTests;
import io.bypass.link.interop.KernelNamespace;
import io.bypass.link.interop.KernelPeer;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkStats;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.wire.Ipv4Address;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel interop tests ({@link KernelInteropTests}) over DPDK's {@code net_af_xdp} PMD:
 * true kernel bypass. A veth pair {@code bxa<id>}/{@code bxb<id>}: the kernel's end in the
 * test's namespace, ours in the host namespace with no address, where the PMD loads its XDP
 * program (native XDP on veth) that redirects every frame into an AF_XDP socket whose
 * memory is our mbuf pool. Also prints the kernel's own throughput over the same kind of
 * veth pair, for the ratio, and checks that the data path allocates nothing.
 */
class AfXdpInteropTest extends KernelInteropTests {
    private static final Pattern RESULT = Pattern.compile("sha256=([0-9a-f]{64}) bytes=(\\d+) ms=(\\d+)");
    /** The link of the last world opened, for the counter checks. */
    private DpdkLink link;

    @BeforeEach
    void onlyAsRootWithDpdk() {
        DpdkTests.assumeRootAndDpdk("DPDK AF_XDP interop tests");
        Assumptions.assumeTrue(new java.io.File("/usr/sbin/ethtool").canExecute() || new java.io.File("/sbin/ethtool")
                .canExecute(), "no ethtool (apt-get install ethtool): DPDK AF_XDP interop tests skipped");
    }

    @Override
    protected InteropWorld openWorld(double[] faults) throws Exception {
        KernelNamespace ns = new KernelNamespace();
        String ours = String.format("bxa%04x", ns.id);
        String theirs = String.format("bxb%04x", ns.id);
        try {
            KernelNamespace.run("ip", "link", "add", ours, "type", "veth", "peer", "name", theirs, "netns", ns.namespace);
            DpdkTests.disableIpv6(ours);
            // Linux leaves the TCP/UDP checksum of a locally sent packet to the device
            // (CHECKSUM_PARTIAL), and veth never completes it: a frame redirected into an
            // XDP socket would carry only the pseudo-header sum. A real NIC computes it on
            // the wire; here the kernel must, so its transmit checksum offload goes off.
            ns.exec("ethtool", "-K", theirs, "tx", "off");
            ns.configure(theirs);
            KernelNamespace.run("ip", "link", "set", ours, "up");
            DpdkLink link = DpdkLink.open("dpdk:net_af_xdp" + ns.id + ",iface=" + ours + "?eal=" + ealArgs());
            this.link = link;
            assertEquals("net_af_xdp", link.driver());
            AutoCloseable device = () -> {
                try {
                    link.close();
                } finally {
                    deleteLink(ours);
                }
            };
            return new InteropWorld(ns, link, device, link::framesInUse, () -> link.deviceStats().toString(), theirs, link.macAddress(), faults);
        } catch (Exception e) {
            deleteLink(ours);
            ns.close();
            throw e;
        }
    }

    /** @return the EAL arguments of the link, {@link DpdkTests#EAL} unless a subclass runs with other memory */
    protected String ealArgs() {
        return DpdkTests.EAL;
    }

    /**
     * Deletes our end of the pair (and with it the kernel's) at once: deleting the
     * namespace alone leaves the pair to the kernel's deferred namespace cleanup.
     */
    private static void deleteLink(String name) {
        try {
            KernelNamespace.run("ip", "link", "del", name);
        } catch (Exception e) {
            // Already gone (it never got made, or the namespace took it): nothing to clean.
        }
    }

    @Override
    protected String label() {
        return "DPDK af_xdp";
    }

    // Issue 5: zero heap allocation per packet. The polling thread receives a kernel bulk
    // stream through the AF_XDP port, the stack and reads into one buffer; after warm-up
    // its allocation counter must not move.
    @Test
    void steadyStateReceivePathAllocatesNothing() throws Exception {
        var bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        var threads = (com.sun.management.ThreadMXBean) bean;
        threads.setThreadAllocatedMemoryEnabled(true);
        long total = 64L << 20;
        long warmUp = 16L << 20;
        try (InteropWorld world = openWorld(null)) {
            TcpListener listener = world.stack.tcp().listen(Ipv4Address.ANY, 5001, 0);
            world.ns.startPeer("send", world.ns.ourIp, "5001", Long.toString(total));
            TcpConnection[] conn = new TcpConnection[1];
            world.pollUntil(() -> conn[0] != null, TIMEOUT_NS, () -> conn[0] = listener.accept());
            ByteBuffer buffer = ByteBuffer.allocateDirect(KernelPeer.CHUNK);
            long received = 0;
            long allocatedBefore = 0;
            long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (received < total && deadlineNs - System.nanoTime() > 0) {
                long nowNs = System.nanoTime();
                world.stack.poll(nowNs);
                int n = conn[0].read(buffer.clear(), nowNs);
                if (n < 0) {
                    break;
                }
                long before = received;
                received += n;
                if (before < warmUp && received >= warmUp) {
                    allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                }
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            assertEquals(total, received);
            System.out.printf("DPDK af_xdp receive path: %d bytes allocated by the polling thread over %d MiB%n",
                    allocated, (total - warmUp) >> 20);
            // Nothing per segment: anything allocated per segment is at least 16 bytes each time,
            // over 500,000 bytes for these 48 MiB. What a connection grows once, when it first
            // needs it (its out-of-order store at its first loss, its receive queue's entry arrays
            // at a new high-water mark of queued segments: 744 and 848 bytes seen under load), is
            // not per segment, so the bound is one byte per segment on average.
            long segments = (total - warmUp) / 1460;
            assertTrue(allocated < segments, allocated + " bytes allocated by the receive path over " + segments
                    + " segments");
            conn[0].close(System.nanoTime());
            assertLinkCountersAgreeWithTheDevice(total);
        }
    }

    /** The link's counters: at least the payload came in, ACKs went out, and the drops are the shim's and the PMD's. */
    private void assertLinkCountersAgreeWithTheDevice(long payloadBytes) {
        LinkStats stats = link.stats();
        DpdkStats device = link.deviceStats();
        System.out.println("DPDK af_xdp link counters: RX_FRAMES=" + stats.get(LinkCounter.RX_FRAMES) + " RX_BYTES="
                + stats.get(LinkCounter.RX_BYTES) + " TX_FRAMES=" + stats.get(LinkCounter.TX_FRAMES) + " device: " + device);
        assertTrue(stats.get(LinkCounter.RX_BYTES) > payloadBytes, "headers on top of the payload");
        assertTrue(stats.get(LinkCounter.RX_FRAMES) > payloadBytes / 1514, "at least one frame per MTU of payload");
        assertTrue(stats.get(LinkCounter.TX_FRAMES) > 0 && stats.get(LinkCounter.TX_BYTES) >= 54 * stats.get(LinkCounter.TX_FRAMES),
                "ACKs, each at least Ethernet + IPv4 + TCP headers");
        assertEquals(device.rxDroppedChecksum(), stats.get(LinkCounter.RX_DROP_CHECKSUM));
        assertEquals(device.rxDroppedChained(), stats.get(LinkCounter.RX_DROP_OVERSIZE));
        long noBuffer = stats.get(LinkCounter.RX_DROP_NO_BUFFER);
        DpdkStats after = link.deviceStats();
        assertTrue(noBuffer >= device.rxMissed() + device.rxNoMbuf() && noBuffer <= after.rxMissed() + after.rxNoMbuf(),
                "imissed + rx_nombuf, read now");
    }

    // Not Bypass at all: the kernel on both ends of the same kind of veth pair, for the
    // ratio printed next to the AF_XDP figures. Checks the bytes arrived intact.
    @Test
    void kernelToKernelOverTheSameVethForComparison() throws Exception {
        try (KernelNamespace a = new KernelNamespace(); KernelNamespace b = new KernelNamespace()) {
            String ends = String.format("bxk%04x", a.id);
            KernelNamespace.run("ip", "link", "add", ends + "a", "netns", a.namespace, "type", "veth", "peer", "name",
                    ends + "b", "netns", b.namespace);
            a.configure(ends + "a");
            b.exec("ip", "addr", "add", a.ourIp + "/24", "dev", ends + "b");
            b.exec("ip", "link", "set", ends + "b", "up");
            Process sink = a.startPeerIn(b.namespace, "sink", "5002");
            long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (!a.peerOutput(0).contains("listening") && deadlineNs - System.nanoTime() > 0) {
                Thread.sleep(10);
            }
            Process send = a.startPeer("send", a.ourIp, "5002", Long.toString(BULK_BYTES));
            assertTrue(send.waitFor(180, java.util.concurrent.TimeUnit.SECONDS) && sink.waitFor(30,
                    java.util.concurrent.TimeUnit.SECONDS), a.peerOutputs());
            Matcher sent = RESULT.matcher(a.peerOutput(1));
            Matcher got = RESULT.matcher(a.peerOutput(0));
            assertTrue(sent.find() && got.find(), a.peerOutputs());
            assertEquals(sent.group(1), got.group(1));
            assertEquals(Long.toString(BULK_BYTES), got.group(2));
            double seconds = Long.parseLong(got.group(3)) / 1000.0;
            System.out.printf("kernel<->kernel over veth (comparison): %d MiB in %.2f s = %.1f MiB/s%n",
                    BULK_BYTES >> 20, seconds, (BULK_BYTES / 1048576.0) / seconds);
        }
    }
}
