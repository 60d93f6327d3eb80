package io.bypass.stack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * A slow reader on a full stack: the server application reads one connection fast until
 * auto-tuning has grown its receive buffer, then stops reading it until a second connection
 * has received everything. The slow connection must stay within its share of receive frames
 * (the link's pool is not pinned), the second one must complete meanwhile, and once the slow
 * one is read again every byte of both arrives exactly, with no frame leaked.
 */
class ReceiveMemorySimulationTest {
    private static final int SERVER_IP = Ipv4Address.parse("10.0.0.10");
    private static final int PORT = 9;
    private static final long SLOW_BYTES = 6L << 20;
    private static final long PAUSE_AT = 2L << 20;
    private static final long FAST_BYTES = 1L << 20;

    /** One direction of one connection: the client writes a pattern, the server checks it. */
    private static final class Flow {
        final TcpConnection client;
        TcpConnection server;
        final long total;
        final StreamPattern sendPattern;
        final StreamPattern checkPattern;
        final ByteBuffer out = ByteBuffer.allocate(16 * 1024);
        final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        long sent;
        long received;
        String failure;

        Flow(TcpConnection client, long total, long seed) {
            this.client = client;
            this.total = total;
            this.sendPattern = new StreamPattern(seed);
            this.checkPattern = new StreamPattern(seed);
            out.limit(0);
        }

        void write(long nowNs) {
            sent += SimTraffic.send(client, out, sendPattern, sent, total, nowNs);
        }

        void read(long nowNs) {
            int n;
            while (failure == null && (n = server.read(in.clear(), nowNs)) > 0) {
                if (checkPattern.check(in.flip()) >= 0) {
                    failure = "bytes differ after " + received;
                }
                received += n;
            }
        }

        boolean done() {
            return received == total;
        }
    }

    @Test
    void slowReaderStaysWithinItsShareWhileAnotherConnectionCompletes() {
        for (long seed = 1; seed <= 3; seed++) {
            // No jitter or loss: auto-tuning must see whole RTTs of data to grow the buffer.
            LinkFaults faults = LinkFaults.perfect().withDelay(5_000_000, 0);
            try (Simulation sim = new Simulation(faults, seed)) {
                TcpConfig tcp = TcpConfig.defaults().toBuilder().isnSecret(seed, seed * 31).portSeed(seed)
                        .timeWaitNs(1_000_000_000L).build();
                NetworkStack server = sim.addStack(SimTraffic.config("10.0.0.10", "02:00:00:00:00:10", tcp), 1024);
                NetworkStack client = sim.addStack(SimTraffic.config("10.0.0.11", "02:00:00:00:00:11", tcp), 1024);
                TcpListener listener = server.tcp().listen(SERVER_IP, PORT, 4);

                Flow slow = new Flow(client.tcp().connect(0, 0, SERVER_IP, PORT, 0), SLOW_BYTES, seed * 10);
                assertTrue(sim.runUntil(() -> (slow.server = listener.accept()) != null, 1_000_000_000L));
                // Read fast until auto-tuning has grown the buffer, then stop reading.
                assertTrue(sim.runUntil(() -> {
                    slow.write(sim.clock().nowNs());
                    slow.read(sim.clock().nowNs());
                    return slow.received >= PAUSE_AT;
                }, 60_000_000_000L));
                int slowBufferAtPause = slow.server.receiveBufferBytes();
                Flow fast = new Flow(client.tcp().connect(0, 0, SERVER_IP, PORT, sim.clock().nowNs()),
                        FAST_BYTES, seed * 10 + 1);
                int[] slowFramesWhenFastDone = {-1};
                int[] mostHeld = {0};
                boolean done = sim.runUntil(() -> {
                    long nowNs = sim.clock().nowNs();
                    if (fast.server == null) {
                        fast.server = listener.accept();
                    }
                    slow.write(nowNs);
                    fast.write(nowNs);
                    if (fast.done()) {
                        slow.read(nowNs);
                    }
                    if (fast.server != null) {
                        fast.read(nowNs);
                        if (fast.done() && slowFramesWhenFastDone[0] < 0) {
                            slowFramesWhenFastDone[0] = server.tcp().receiveFramesHeld();
                        }
                    }
                    mostHeld[0] = Math.max(mostHeld[0], server.tcp().receiveFramesHeld());
                    return slow.done() && fast.done() || slow.failure != null || fast.failure != null;
                }, 600_000_000_000L);
                assertNull(slow.failure, "seed " + seed);
                assertNull(fast.failure, "seed " + seed);
                assertTrue(done, "seed " + seed + ": did not finish; " + sim.segment().stats());
                // Auto-tuning grew the slow reader's buffer past what its share of frames holds...
                assertTrue(slowBufferAtPause > tcp.receiveFramesPerConnection() * 1460,
                        "seed " + seed + ": buffer only " + slowBufferAtPause);
                // ...yet while it did not read it held no more than its share, and the layer
                // never more than its budget.
                assertTrue(slowFramesWhenFastDone[0] <= tcp.receiveFramesPerConnection(),
                        "seed " + seed + ": slow reader held " + slowFramesWhenFastDone[0]);
                assertTrue(mostHeld[0] <= tcp.receiveFramesTotal(), "seed " + seed + ": held " + mostHeld[0]);

                slow.client.close(sim.clock().nowNs());
                fast.client.close(sim.clock().nowNs());
                assertNotNull(fast.server);
                assertTrue(sim.runUntil(() -> {
                    long nowNs = sim.clock().nowNs();
                    for (Flow f : new Flow[] {slow, fast}) {
                        if (f.server.read(f.in.clear(), nowNs) < 0) {
                            f.server.close(nowNs);
                        }
                    }
                    return server.tcp().connectionCount() == 0 && client.tcp().connectionCount() == 0
                            && sim.segment().inFlight() == 0;
                }, sim.clock().nowNs() + 10_000_000_000L), "seed " + seed + ": did not close");
                assertEquals(0, server.tcp().receiveFramesHeld(), "seed " + seed);
                for (int port = 0; port < 2; port++) {
                    assertEquals(0, sim.port(port).transmitPool().inUse(), "seed " + seed + " port " + port);
                    assertEquals(0, sim.port(port).receivePool().inUse(), "seed " + seed + " port " + port);
                }
            }
        }
    }

    @Test
    void busyConnectionsShareTheBudgetSoNoInOrderSegmentIsDropped() {
        // Eight connections receive at once; the application wakes every millisecond and reads
        // them all. Auto-tuning grows every buffer past what a fair share of the 512 frames
        // holds, so each window is bounded by frames: were every window offered against all
        // the free frames, together they would promise eight times 192 and the budget would
        // run out under in-order data (TCP_RX_DROP_MEMORY, then retransmissions).
        int connections = 8;
        long bytesEach = 4L << 20;
        long wakeNs = 1_000_000;
        for (long seed = 1; seed <= 2; seed++) {
            LinkFaults faults = LinkFaults.perfect().withDelay(2_000_000, 0);
            try (Simulation sim = new Simulation(faults, seed)) {
                TcpConfig tcp = TcpConfig.defaults().toBuilder().isnSecret(seed, seed * 31).portSeed(seed)
                        .receiveBufferBytes(16 * 1024).timeWaitNs(1_000_000_000L).build();
                NetworkStack server = sim.addStack(SimTraffic.config("10.0.0.10", "02:00:00:00:00:10", tcp), 2048);
                NetworkStack client = sim.addStack(SimTraffic.config("10.0.0.11", "02:00:00:00:00:11", tcp), 2048);
                TcpListener listener = server.tcp().listen(SERVER_IP, PORT, connections);
                Flow[] flows = new Flow[connections];
                // The first connection resolves ARP, so that the others' SYNs are not queued behind it.
                flows[0] = new Flow(client.tcp().connect(0, 0, SERVER_IP, PORT, 0), bytesEach, seed * 100);
                assertTrue(sim.runUntil(() -> (flows[0].server = listener.accept()) != null, 1_000_000_000L));
                for (int i = 1; i < connections; i++) {
                    flows[i] = new Flow(client.tcp().connect(0, 0, SERVER_IP, PORT, sim.clock().nowNs()), bytesEach,
                            seed * 100 + i);
                }
                long[] nextWakeNs = {0};
                int[] accepted = {1};
                boolean done = sim.runUntil(() -> {
                    long nowNs = sim.clock().nowNs();
                    TcpConnection c;
                    while ((c = listener.accept()) != null) {
                        flows[accepted[0]++].server = c;
                    }
                    boolean all = accepted[0] == connections;
                    for (Flow f : flows) {
                        f.write(nowNs);
                        if (f.server != null && nowNs >= nextWakeNs[0]) {
                            f.read(nowNs);
                        }
                        all &= f.done() && f.failure == null;
                    }
                    if (nowNs >= nextWakeNs[0]) {
                        nextWakeNs[0] = nowNs + wakeNs;
                    }
                    return all;
                }, 120_000_000_000L);
                // Flows are accepted in connect order on a perfect link: each checks its own pattern.
                for (Flow f : flows) {
                    assertNull(f.failure, "seed " + seed);
                }
                assertTrue(done, "seed " + seed + ": did not finish; " + sim.segment().stats());
                assertTrue(flows[0].server.receiveBufferBytes() > tcp.receiveFramesTotal() / connections * 1460,
                        "seed " + seed + ": auto-tuning did not outgrow a share: " + flows[0].server.receiveBufferBytes());
                assertEquals(0, server.counters().get(Counter.TCP_RX_DROP_MEMORY), "seed " + seed);
                assertEquals(0, client.counters().get(Counter.TCP_RETRANSMITS), "seed " + seed);
            }
        }
    }
}
