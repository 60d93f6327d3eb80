package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Accelerated TCP between two JVMs over the shm link: this JVM is the client, a child JVM
 * ({@link ShmPeerMain}, started with this JVM's java and class path) the server. Prints the
 * 64 B round-trip percentiles and the bulk throughput; asserts only correctness and bounds.
 */
class TwoJvmShmTest {
    private static final int ROUNDS_WARMUP = 20_000;
    private static final int ROUNDS = 50_000;
    private static final int BULK_BYTES = 128 << 20;

    @TempDir
    Path dir;

    @Test
    void pingPongOf64ByteMessages() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink link = ShmLink.open(file, ShmHost.config())) {
            Process peer = startPeer(file, "echo");
            try {
                ShmHost client = new ShmHost(link, false);
                TcpConnection c = connect(client);
                ByteBuffer out = ByteBuffer.allocateDirect(64);
                ByteBuffer in = ByteBuffer.allocateDirect(64);
                long[] rttNs = new long[ROUNDS];
                for (int i = 0; i < ROUNDS_WARMUP + ROUNDS; i++) {
                    out.clear().putLong(0, i);
                    in.clear();
                    long startNs = System.nanoTime();
                    while (out.hasRemaining()) {
                        c.write(out, System.nanoTime());
                        client.poll();
                    }
                    long giveUpNs = startNs + ShmHost.GIVE_UP_NS;
                    while (in.hasRemaining() && giveUpNs - System.nanoTime() > 0) {
                        client.poll();
                        c.read(in, System.nanoTime());
                    }
                    long endNs = System.nanoTime();
                    assertEquals(i, in.getLong(0));
                    if (i >= ROUNDS_WARMUP) {
                        rttNs[i - ROUNDS_WARMUP] = endNs - startNs;
                    }
                }
                Arrays.sort(rttNs);
                System.out.printf("shm two-JVM 64 B RTT: p50 %.2f us, p99 %.2f us, p99.9 %.2f us (%d rounds)%n",
                        rttNs[ROUNDS / 2] / 1e3, rttNs[ROUNDS * 99 / 100] / 1e3, rttNs[ROUNDS * 999 / 1000] / 1e3, ROUNDS);
                c.shutdownOutput(System.nanoTime());
                awaitExit(peer, client);
                assertEquals(0, link.stats().get(LinkCounter.RX_DROP_MALFORMED));
            } finally {
                peer.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * A/B in one run: MSS 1460 over MTU 9000 (the stack's default MSS cap, what the first
     * two-JVM measurement ran), MSS from the MTU at 9000, and the 64 KiB MTU the shm link
     * factory defaults to. Each prints its rate; only the data is asserted.
     */
    @ParameterizedTest(name = "MTU {0}, MSS cap {1}")
    @CsvSource({"9000, 1460", "9000, 8960", "65513, 65473"})
    void bulkTransferArrivesIntact(int mtu, int mssCap) throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink link = ShmLink.open(file, ShmHost.config(mtu))) {
            Process peer = startPeer(file, "sink", mtu, mssCap);
            try {
                ShmHost client = new ShmHost(link, false, mssCap);
                TcpConnection c = connect(client);
                byte[] chunk = new byte[1 << 20];
                new Random(7).nextBytes(chunk);
                MessageDigest sent = MessageDigest.getInstance("SHA-256");
                for (int i = 0; i < BULK_BYTES / chunk.length; i++) {
                    sent.update(chunk);
                }
                ByteBuffer out = ByteBuffer.allocateDirect(chunk.length).put(chunk).flip();
                ByteBuffer digest = ByteBuffer.allocate(32);
                long total = 0;
                long startNs = System.nanoTime();
                long giveUpNs = startNs + ShmHost.GIVE_UP_NS;
                while (total < BULK_BYTES && giveUpNs - System.nanoTime() > 0) {
                    if (!out.hasRemaining()) {
                        out.rewind();
                    }
                    int limit = out.limit();
                    out.limit(Math.min(limit, out.position() + (int) Math.min(Integer.MAX_VALUE, BULK_BYTES - total)));
                    total += c.write(out, System.nanoTime());
                    out.limit(limit);
                    client.poll();
                }
                c.shutdownOutput(System.nanoTime());
                while (digest.hasRemaining() && giveUpNs - System.nanoTime() > 0) {
                    client.poll();
                    if (c.read(digest, System.nanoTime()) < 0) {
                        break;
                    }
                }
                long elapsedNs = System.nanoTime() - startNs;
                System.out.printf("shm two-JVM bulk: %d MiB in %.1f ms = %.2f Gbit/s (MTU %d, MSS cap %d, %d segments"
                        + " out, %d retransmitted)%n", BULK_BYTES >> 20, elapsedNs / 1e6, BULK_BYTES * 8.0 / elapsedNs,
                        mtu, mssCap, client.stack.counters().get(Counter.TCP_SEGMENTS_OUT),
                        client.stack.counters().get(Counter.TCP_RETRANSMITS));
                assertEquals(BULK_BYTES, total);
                assertArrayEquals(sent.digest(), digest.array());
                awaitExit(peer, client);
            } finally {
                peer.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void killedPeerIsReportedDeadWithoutHanging() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink link = ShmLink.open(file, ShmHost.config())) {
            Process peer = startPeer(file, "sink");
            try {
                ShmHost client = new ShmHost(link, false);
                TcpConnection c = connect(client);
                ByteBuffer out = ByteBuffer.allocateDirect(1 << 16);
                long sent = 0;
                long giveUpNs = System.nanoTime() + ShmHost.GIVE_UP_NS;
                while (sent < 8 << 20 && giveUpNs - System.nanoTime() > 0) {
                    sent += c.write(out.clear(), System.nanoTime());
                    client.poll();
                }
                peer.destroyForcibly().waitFor();
                long killedNs = System.nanoTime();
                while (link.peerState() != PeerState.DEAD && giveUpNs - System.nanoTime() > 0) {
                    c.write(out.clear(), System.nanoTime());
                    client.poll();
                }
                long detectNs = System.nanoTime() - killedNs;
                assertEquals(PeerState.DEAD, link.peerState());
                System.out.printf("shm dead peer detected %.0f ms after the kill (timeout %d ms)%n", detectNs / 1e6,
                        ShmHost.config().peerTimeoutNs() / 1_000_000);
                // Still polling, still not blocking: what the stack sends now (its retransmissions) is dropped and counted.
                while (link.stats().get(LinkCounter.TX_DROP_PEER_DOWN) == 0 && giveUpNs - System.nanoTime() > 0) {
                    c.write(out.clear(), System.nanoTime());
                    client.poll();
                }
                assertTrue(link.stats().get(LinkCounter.TX_DROP_PEER_DOWN) > 0);
                assertEquals(1, link.peerDeaths());
            } finally {
                peer.destroyForcibly().waitFor();
            }
        }
    }

    private static Process startPeer(Path file, String mode) throws Exception {
        return startPeer(file, mode, ShmHost.config().mtu(), ShmHost.config().mtu() - 40);
    }

    private static Process startPeer(Path file, String mode, int mtu, int mssCap) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"),
                ShmPeerMain.class.getName(), file.toString(), mode, Integer.toString(mtu), Integer.toString(mssCap))
                .redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        assertEquals("attached side 1", line);
        return p;
    }

    /** Waits for the peer to attach, then connects; both sides polled with the real clock. */
    private static TcpConnection connect(ShmHost client) {
        long giveUpNs = System.nanoTime() + ShmHost.GIVE_UP_NS;
        while (client.link.peerState() != PeerState.UP && giveUpNs - System.nanoTime() > 0) {
            client.poll();
        }
        TcpConnection c = client.stack.tcp().connect(0, 0, ShmHost.SERVER_IP, ShmHost.PORT, System.nanoTime());
        while (c.state() != TcpState.ESTABLISHED && giveUpNs - System.nanoTime() > 0) {
            client.poll();
        }
        assertEquals(TcpState.ESTABLISHED, c.state(), c.toString());
        c.setNoDelay(true);
        assertNotNull(c);
        return c;
    }

    private static void awaitExit(Process peer, ShmHost client) {
        long giveUpNs = System.nanoTime() + ShmHost.GIVE_UP_NS;
        while (peer.isAlive() && giveUpNs - System.nanoTime() > 0) {
            client.poll();
        }
        assertEquals(0, peer.exitValue());
    }
}
