package io.bypass.link.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.arp.ArpCache;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkStats;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.tcp.TcpState;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Our stack against the Linux kernel's TCP/IP in a network namespace, over whatever link a
 * subclass opens (TAP, DPDK over AF_XDP, DPDK's TAP PMD): ping, ARP both ways, TCP both
 * ways with 100 MiB checked by SHA-256 ({@code -Dbypass.interop.bulkBytes=N}), the same
 * with loss, reordering and duplication injected, and 1,000 concurrent connections. Root
 * only; each test makes and deletes its own namespace; traffic goes only to 10.77.x.0/24
 * inside it. Bulk tests print their throughput.
 */
public abstract class KernelInteropTests {
    /** Bytes per bulk transfer. */
    protected static final long BULK_BYTES = Long.getLong("bypass.interop.bulkBytes",
            Long.getLong("bypass.tap.bulkBytes", 100L << 20));
    protected static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(180);
    private static final Pattern SHA = Pattern.compile("sha256=([0-9a-f]{64}) bytes=(\\d+) ms=(\\d+)");

    /**
     * Makes a namespace and our link into it and returns the world around them.
     *
     * @param faults null for a clean link, else {loss, reorder, duplicate} rates
     */
    protected abstract InteropWorld openWorld(double[] faults) throws Exception;

    /** @return the link's name in printed measurements, e.g. "TAP" */
    protected abstract String label();

    // RFC 792 echo: the kernel pings us and gets every reply.
    @Test
    void kernelPingsOurAddressAndGetsReplies() throws Exception {
        try (InteropWorld world = openWorld(null)) {
            Process ping = world.ns.startPeer("ping", world.ns.ourIp, "3");
            world.pollUntil(() -> !ping.isAlive(), TIMEOUT_NS, () -> { });
            assertEquals("ok replies=3", world.ns.peerOutput(0).trim());
            assertTrue(world.stack.counters().get(Counter.ICMP_ECHO_REQUESTS_RECEIVED) >= 3);
            assertTrue(world.stack.counters().get(Counter.ICMP_ECHO_REPLIES_SENT) >= 3);
        }
    }

    // RFC 826: the kernel resolves us (its neighbour entry holds our MAC) and we resolve it.
    @Test
    void arpResolvesBothWays() throws Exception {
        try (InteropWorld world = openWorld(null)) {
            Process ping = world.ns.startPeer("ping", world.ns.ourIp, "1");
            world.pollUntil(() -> !ping.isAlive(), TIMEOUT_NS, () -> { });
            int kernelIp = Ipv4Address.parse(world.ns.kernelIp);
            String link = world.ns.exec("ip", "link", "show", world.kernelInterface);
            Matcher mac = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(link);
            assertTrue(mac.find(), link);
            long kernelMac = Long.parseLong(mac.group(1).replace(":", ""), 16);
            int state = world.stack.arpCache().stateOf(kernelIp);
            assertTrue(state == ArpCache.REACHABLE || state == ArpCache.STALE, "our ARP state " + state);
            assertEquals(kernelMac, world.stack.arpCache().macOf(kernelIp));

            String neigh = world.ns.exec("ip", "neigh", "show", world.ns.ourIp);
            String ourMac = HexFormat.ofDelimiter(":").formatHex(ByteBuffer.allocate(8).putLong(world.ourMac).array(), 2, 8);
            assertTrue(neigh.contains("lladdr " + ourMac), neigh);
            assertTrue(neigh.matches("(?s).*(REACHABLE|STALE|DELAY|PROBE).*"), neigh);
        }
    }

    // Kernel client, Bypass server: 100 MiB from the kernel, hashed on both ends.
    @Test
    void kernelClientSendsBulkToBypassServer() throws Exception {
        try (InteropWorld world = openWorld(null)) {
            kernelToBypass(world, "clean");
            world.assertNoFrameLeaked();
        }
    }

    // Bypass client, kernel server: 100 MiB from us, hashed on both ends.
    @Test
    void bypassClientSendsBulkToKernelServer() throws Exception {
        try (InteropWorld world = openWorld(null)) {
            bypassToKernel(world, "clean");
            world.assertNoFrameLeaked();
        }
    }

    // The same bulk both ways with 1% loss, 1% reordering and 1% duplication on our side:
    // retransmission (RFC 6298, RFC 5681), reassembly and duplicate discarding against Linux.
    @Test
    void bulkBothWaysSurvivesLossReorderingAndDuplication() throws Exception {
        try (InteropWorld world = openWorld(new double[] {0.01, 0.01, 0.01})) {
            kernelToBypass(world, "faulty");
            bypassToKernel(world, "faulty");
            LinkStats faults = world.faulty.stats();
            assertTrue(faults.get(LinkCounter.FAULT_LOST) > 0 && faults.get(LinkCounter.FAULT_REORDERED) > 0
                    && faults.get(LinkCounter.FAULT_DUPLICATED) > 0);
            assertTrue(world.stack.counters().get(Counter.TCP_RETRANSMITS) > 0);
            world.assertNoFrameLeaked();
        }
    }

    // RFC 9293 section 3.5 and 3.6 at scale: 1,000 kernel connections open at once, each
    // echoed by our server, then all closed by the kernel and by us.
    @Test
    void thousandConcurrentKernelConnectionsAreEchoedAndClosed() throws Exception {
        int count = 1000;
        try (InteropWorld world = openWorld(null)) {
            TcpListener listener = world.stack.tcp().listen(Ipv4Address.ANY, 5003, 2 * count);
            Process clients = world.ns.startPeer("echo-clients", world.ns.ourIp, "5003", Integer.toString(count));
            List<TcpConnection> open = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
            int[] accepted = new int[1];
            world.pollUntil(() -> !clients.isAlive() && open.isEmpty(), TIMEOUT_NS, () -> {
                long nowNs = System.nanoTime();
                for (TcpConnection c; (c = listener.accept()) != null; ) {
                    open.add(c);
                    accepted[0]++;
                }
                for (Iterator<TcpConnection> it = open.iterator(); it.hasNext(); ) {
                    TcpConnection c = it.next();
                    int n = c.read(buffer.clear(), nowNs);
                    if (n > 0) {
                        assertEquals(n, c.write(buffer.flip(), nowNs), "an echo line fits the send buffer");
                    } else if (n < 0) {
                        c.close(nowNs);
                        it.remove();
                    }
                }
            });
            assertEquals("ok echoed=" + count, world.ns.peerOutput(0).trim());
            assertEquals(count, accepted[0]);
            assertEquals(count, world.stack.counters().get(Counter.TCP_PASSIVE_OPENS));
            listener.close(System.nanoTime());
            world.assertNoFrameLeaked();
        }
    }

    /**
     * Receives {@link #BULK_BYTES} from a kernel client and checks their SHA-256 against the
     * sender's, then prints the throughput.
     */
    protected final void kernelToBypass(InteropWorld world, String what) throws Exception {
        TcpListener listener = world.stack.tcp().listen(Ipv4Address.ANY, 5001, 0);
        int peerIndex = world.ns.peerCount();
        Process sender = world.ns.startPeer("send", world.ns.ourIp, "5001", Long.toString(BULK_BYTES));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer buffer = ByteBuffer.allocateDirect(KernelPeer.CHUNK);
        TcpConnection[] conn = new TcpConnection[1];
        long[] received = new long[1];
        boolean[] eof = new boolean[1];
        long[] startNs = new long[1];
        long segmentsBefore = world.stack.counters().get(Counter.TCP_SEGMENTS_IN);
        world.pollUntil(() -> eof[0] && !sender.isAlive(), TIMEOUT_NS, () -> {
            if (conn[0] == null) {
                conn[0] = listener.accept();
                startNs[0] = System.nanoTime();
                return;
            }
            if (eof[0]) {
                return;
            }
            long nowNs = System.nanoTime();
            for (int n; (n = conn[0].read(buffer.clear(), nowNs)) != 0; ) {
                if (n < 0) {
                    eof[0] = true;
                    conn[0].close(nowNs);
                    break;
                }
                sha.update(buffer.flip());
                received[0] += n;
            }
        });
        long elapsedNs = System.nanoTime() - startNs[0];
        Matcher peer = SHA.matcher(world.ns.peerOutput(peerIndex));
        assertTrue(peer.find(), world.ns.peerOutput(peerIndex));
        assertEquals(BULK_BYTES, received[0]);
        assertEquals(peer.group(1), HexFormat.of().formatHex(sha.digest()));
        assertTrue(world.stack.counters().get(Counter.TCP_SEGMENTS_IN) - segmentsBefore > BULK_BYTES / 9000);
        report("kernel->bypass " + what, elapsedNs, world);
        listener.close(System.nanoTime());
    }

    /**
     * Sends {@link #BULK_BYTES} to a kernel server, which checks their SHA-256 against ours,
     * then prints the throughput.
     */
    protected final void bypassToKernel(InteropWorld world, String what) throws Exception {
        int peerIndex = world.ns.peerCount();
        Process sink = world.ns.startPeer("sink", "5002");
        world.pollUntil(() -> world.ns.peerOutput(peerIndex).contains("listening"), TIMEOUT_NS, () -> { });
        long startNs = System.nanoTime();
        TcpConnection conn = world.stack.tcp().connect(Ipv4Address.ANY, 0, Ipv4Address.parse(world.ns.kernelIp), 5002,
                startNs);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(KernelPeer.SEED);
        byte[] chunk = new byte[KernelPeer.CHUNK];
        ByteBuffer pending = ByteBuffer.wrap(chunk).limit(0);
        long[] left = {BULK_BYTES};
        boolean[] closed = new boolean[1];
        long segmentsBefore = world.stack.counters().get(Counter.TCP_SEGMENTS_OUT);
        world.pollUntil(() -> !sink.isAlive(), TIMEOUT_NS, () -> {
            long nowNs = System.nanoTime();
            while (!closed[0]) {
                if (!pending.hasRemaining()) {
                    if (left[0] == 0) {
                        conn.close(nowNs);
                        closed[0] = true;
                        break;
                    }
                    random.nextBytes(chunk);
                    int n = (int) Math.min(left[0], KernelPeer.CHUNK);
                    sha.update(chunk, 0, n);
                    left[0] -= n;
                    pending.clear().limit(n);
                }
                if (conn.write(pending, nowNs) == 0) {
                    break;
                }
            }
        });
        long elapsedNs = System.nanoTime() - startNs;
        Matcher peer = SHA.matcher(world.ns.peerOutput(peerIndex));
        assertTrue(peer.find(), world.ns.peerOutput(peerIndex));
        assertEquals(Long.toString(BULK_BYTES), peer.group(2));
        assertEquals(HexFormat.of().formatHex(sha.digest()), peer.group(1));
        assertTrue(world.stack.counters().get(Counter.TCP_SEGMENTS_OUT) - segmentsBefore > BULK_BYTES / 9000);
        report("bypass->kernel " + what, elapsedNs, world);
        world.pollUntil(() -> conn.state() == TcpState.CLOSED || conn.state() == TcpState.TIME_WAIT, TIMEOUT_NS,
                () -> { });
    }

    private void report(String what, long elapsedNs, InteropWorld world) {
        double seconds = elapsedNs / 1e9;
        System.out.printf("%s interop %s: %d MiB in %.2f s = %.1f MiB/s (retransmits %d, rx frames %d, tx frames %d)%n",
                label(), what, BULK_BYTES >> 20, seconds, (BULK_BYTES / 1048576.0) / seconds,
                world.stack.counters().get(Counter.TCP_RETRANSMITS), world.stack.counters().get(Counter.RX_FRAMES),
                world.stack.counters().get(Counter.TX_FRAMES));
    }
}
