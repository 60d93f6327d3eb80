package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.link.shm.PeerState;
import io.bypass.link.shm.ShmLink;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpState;
import io.bypass.stack.wire.Ipv4Address;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two Bypass stacks in two JVMs, each with its own EAL, joined by DPDK's {@code net_memif}
 * (shared-memory packet interface; this JVM is the memif server, {@link TransferSinkMain}
 * the client): a TCP transfer checked by SHA-256, with the throughput and both sides'
 * counters printed.
 *
 * <p>A/B in one run, since the machine's load moves every figure between runs: memif with
 * both poll loops spinning, memif with both yielding when a poll moved nothing
 * ({@link IdlePolicy}), and, as the reference, our shared-memory link at the same MTU of
 * 1500 (same frames per byte, a 1,024-slot ring like memif's) with the same loops. Two busy
 * pollers on a 2-core machine shared with other work spend most of a transfer descheduled
 * (the printed loop stalls); that, not the link, sets the rate, and a spinning side takes
 * the time slice its peer needs.
 */
class MemifTwoProcessTest {
    private static final long BULK_BYTES = 64L << 20;
    /** Not timed: both JVMs compile the data path meanwhile, and the congestion window opens. */
    private static final long WARMUP_BYTES = 16L << 20;
    private static final int CHUNK_BYTES = 1 << 20;
    private static final long GIVE_UP_NS = TimeUnit.SECONDS.toNanos(120);
    private static final int PORT = 5004;
    private static final String OUR_IP = "10.78.0.1";
    private static final String PEER_IP = "10.78.0.2";

    @TempDir
    Path dir;

    @BeforeEach
    void onlyAsRootWithDpdk() {
        DpdkTests.assumeRootAndDpdk("DPDK memif tests");
    }

    @ParameterizedTest(name = "{0}, {1} when idle")
    @CsvSource({"memif, SPIN", "memif, YIELD", "shm, YIELD"})
    void tcpTransferBetweenTwoJvmsArrivesIntact(String kind, IdlePolicy idle) throws Exception {
        boolean memif = kind.equals("memif");
        Path socket = dir.resolve("memif.sock");
        Path segment = dir.resolve("shm-link");
        // A memif socket file in the test's own directory (not the abstract namespace): removed with it.
        String ours = memif ? DpdkTests.spec("net_memif7,role=server,socket-abstract=no,socket=" + socket)
                : "shm:" + segment + "?side=0&mtu=1500";
        String theirs = memif ? DpdkTests.spec("net_memif0,role=client,socket-abstract=no,socket=" + socket)
                : "shm:" + segment + "?side=1&mtu=1500";
        Link link = LinkFactory.open(ours, LinkSettings.DEFAULTS);
        try {
            BooleanSupplier up = memif ? ((DpdkLink) link)::linkUp
                    : () -> ((ShmLink) link).peerState() == PeerState.UP;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process peer = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), TransferSinkMain.class.getName(), theirs, PEER_IP,
                    Integer.toString(PORT), idle.name()).redirectErrorStream(true).start();
            try {
                transfer(kind, idle, link, up, peer);
            } finally {
                peer.destroyForcibly().waitFor();
            }
        } finally {
            link.close();
        }
    }

    private static void transfer(String kind, IdlePolicy idle, Link link, BooleanSupplier up, Process peer)
            throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder said = new StringBuilder();
        for (String line; (line = out.readLine()) != null && !line.equals("listening"); ) {
            said.append(line).append('\n');
        }
        int ip = Ipv4Address.parse(OUR_IP);
        NetworkStack stack = new NetworkStack(StackConfig.builder().mac(TransferSinkMain.macOf(link, ip)).ip(ip)
                .prefixLength(24).build(), link, System.nanoTime());
        long giveUpNs = System.nanoTime() + GIVE_UP_NS;
        while (!up.getAsBoolean() && giveUpNs - System.nanoTime() > 0) {
            stack.poll(System.nanoTime());
        }
        assertTrue(up.getAsBoolean(), kind + " never connected; peer said: " + said);

        // The data is made and hashed before the clock starts: the loop below only moves it.
        byte[] chunk = new byte[CHUNK_BYTES];
        new Random(5).nextBytes(chunk);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (long i = 0; i < BULK_BYTES / CHUNK_BYTES; i++) {
            sha.update(chunk);
        }
        ByteBuffer data = ByteBuffer.allocateDirect(CHUNK_BYTES).put(chunk).flip();

        long startNs = System.nanoTime();
        TcpConnection conn = stack.tcp().connect(Ipv4Address.ANY, 0, Ipv4Address.parse(PEER_IP), PORT, startNs);
        PollStalls stalls = new PollStalls();
        long written = 0;
        long timedFromNs = 0;
        while (conn.state() != TcpState.CLOSED && conn.state() != TcpState.TIME_WAIT
                && giveUpNs - System.nanoTime() > 0) {
            long nowNs = System.nanoTime();
            if (timedFromNs != 0) {
                stalls.iteration(nowNs);
            }
            long receivedBefore = link.stats().get(LinkCounter.RX_FRAMES);
            stack.poll(nowNs);
            int n = 0;
            if (written < BULK_BYTES) {
                if (!data.hasRemaining()) {
                    data.rewind();
                }
                n = conn.write(data, nowNs);
                written += n;
                if (timedFromNs == 0 && written >= WARMUP_BYTES) {
                    timedFromNs = System.nanoTime();
                }
            } else if (conn.state() == TcpState.ESTABLISHED) {
                conn.close(nowNs);
            }
            if (n == 0 && link.stats().get(LinkCounter.RX_FRAMES) == receivedBefore) {
                idle.idle();
            }
        }
        long endNs = System.nanoTime();
        long elapsedNs = endNs - timedFromNs;
        String result = out.readLine();
        String peerSummary = out.readLine();
        assertTrue(peer.waitFor(30, TimeUnit.SECONDS), "peer still running");
        assertEquals("sha256=" + HexFormat.of().formatHex(sha.digest()) + " bytes=" + BULK_BYTES, result,
                "peer said: " + said + result + "; ours: " + TransferSinkMain.summary(stack, link, stalls));
        assertEquals(0, peer.exitValue());
        long timedBytes = BULK_BYTES - WARMUP_BYTES;
        System.out.printf("two JVMs over %s (MTU 1500), %s when idle: %d MiB in %.2f s = %.1f MiB/s after %d MiB"
                        + " of warm-up (all %d MiB from connect: %.1f MiB/s)%n  sender (timed part) %s%n  sink (connection)   %s%n",
                kind.equals("memif") ? "DPDK net_memif" : "shm", idle, timedBytes >> 20, elapsedNs / 1e9,
                mibPerSecond(timedBytes, elapsedNs), WARMUP_BYTES >> 20, BULK_BYTES >> 20,
                mibPerSecond(BULK_BYTES, endNs - startNs), TransferSinkMain.summary(stack, link, stalls), peerSummary);
    }

    private static double mibPerSecond(long bytes, long elapsedNs) {
        return (bytes / 1048576.0) / (elapsedNs / 1e9);
    }
}
