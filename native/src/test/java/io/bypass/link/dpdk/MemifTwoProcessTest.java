package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Bypass stacks in two JVMs, each with its own EAL, joined by DPDK's {@code net_memif}
 * (shared-memory packet interface; this JVM is the memif server, {@link MemifPeerMain} the
 * client): a TCP transfer checked by SHA-256, with the throughput printed.
 */
class MemifTwoProcessTest {
    private static final long BULK_BYTES = 64L << 20;
    private static final long GIVE_UP_NS = TimeUnit.SECONDS.toNanos(120);

    @TempDir
    Path dir;

    @BeforeEach
    void onlyAsRootWithDpdk() {
        DpdkTests.assumeRootAndDpdk("DPDK memif tests");
    }

    @Test
    void tcpTransferBetweenTwoJvmsOverMemifArrivesIntact() throws Exception {
        Path socket = dir.resolve("memif.sock");
        try (DpdkLink link = DpdkLink.open(DpdkTests.spec("net_memif7,role=server,socket-abstract=no,socket="
                + socket))) {
            assertEquals("net_memif", link.driver());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process peer = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), MemifPeerMain.class.getName(), socket.toString(),
                    "10.78.0.2", "5004").redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(peer.getInputStream(),
                        StandardCharsets.UTF_8));
                StringBuilder said = new StringBuilder();
                for (String line; (line = out.readLine()) != null && !line.equals("listening"); ) {
                    said.append(line).append('\n');
                }
                NetworkStack stack = new NetworkStack(StackConfig.builder().mac(link.macAddress()).ip("10.78.0.1")
                        .prefixLength(24).build(), link, System.nanoTime());
                long giveUpNs = System.nanoTime() + GIVE_UP_NS;
                while (!link.linkUp() && giveUpNs - System.nanoTime() > 0) {
                    stack.poll(System.nanoTime());
                }
                assertTrue(link.linkUp(), "memif never connected; peer said: " + said);

                long startNs = System.nanoTime();
                TcpConnection conn = stack.tcp().connect(Ipv4Address.ANY, 0, Ipv4Address.parse("10.78.0.2"), 5004,
                        startNs);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                Random random = new Random(5);
                byte[] chunk = new byte[64 * 1024];
                ByteBuffer pending = ByteBuffer.wrap(chunk).limit(0);
                long left = BULK_BYTES;
                while (conn.state() != TcpState.CLOSED && conn.state() != TcpState.TIME_WAIT
                        && giveUpNs - System.nanoTime() > 0) {
                    long nowNs = System.nanoTime();
                    stack.poll(nowNs);
                    if (!pending.hasRemaining() && left > 0) {
                        random.nextBytes(chunk);
                        int n = (int) Math.min(left, chunk.length);
                        sha.update(chunk, 0, n);
                        left -= n;
                        pending.clear().limit(n);
                    }
                    if (pending.hasRemaining()) {
                        conn.write(pending, nowNs);
                    } else if (left == 0 && conn.state() == TcpState.ESTABLISHED) {
                        conn.close(nowNs);
                    }
                }
                long elapsedNs = System.nanoTime() - startNs;
                String result = out.readLine();
                assertTrue(peer.waitFor(30, TimeUnit.SECONDS), "peer still running");
                assertEquals("sha256=" + HexFormat.of().formatHex(sha.digest()) + " bytes=" + BULK_BYTES, result,
                        "peer said: " + said + result + " counters: " + stack.counters());
                assertEquals(0, peer.exitValue());
                System.out.printf("DPDK memif between two JVMs: %d MiB in %.2f s = %.1f MiB/s (retransmits %d)%n",
                        BULK_BYTES >> 20, elapsedNs / 1e9, (BULK_BYTES / 1048576.0) / (elapsedNs / 1e9),
                        stack.counters().get(io.bypass.stack.Counter.TCP_RETRANSMITS));
            } finally {
                peer.destroyForcibly();
            }
        }
    }
}
