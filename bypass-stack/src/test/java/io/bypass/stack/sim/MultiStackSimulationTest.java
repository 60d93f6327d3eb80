package io.bypass.stack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.NetworkStack;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpError;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.tcp.TcpState;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * More than two stacks on one lossy segment: two clients each open several connections to
 * one echo server at once. Exercises ARP between three hosts, demultiplexing of many
 * connections on one listener, and ephemeral ports, with every echoed byte checked.
 */
class MultiStackSimulationTest {
    private static final int SERVER_IP = Ipv4Address.parse("10.0.0.10");
    private static final int PORT = 7;
    private static final int CONNECTIONS_PER_CLIENT = 4;
    private static final int BYTES_PER_CONNECTION = 48 * 1024;

    /** A client connection: sends its pattern, checks the echo against the same pattern. */
    private static final class Flow {
        final TcpConnection connection;
        final StreamPattern sendPattern;
        final StreamPattern checkPattern;
        final ByteBuffer out = ByteBuffer.allocate(4096);
        final ByteBuffer in = ByteBuffer.allocate(4096);
        long sent;
        long echoed;
        boolean closed;
        String failure;

        Flow(TcpConnection connection, long seed) {
            this.connection = connection;
            this.sendPattern = new StreamPattern(seed);
            this.checkPattern = new StreamPattern(seed);
            out.limit(0);
        }

        void step(long nowNs) {
            if (closed || failure != null || !synchronizedState(connection.state())) {
                return;
            }
            if (connection.error() != TcpError.NONE) {
                failure = "client connection failed: " + connection.error();
                return;
            }
            sent += SimTraffic.send(connection, out, sendPattern, sent, BYTES_PER_CONNECTION, nowNs);
            int n;
            while ((n = connection.read(in.clear(), nowNs)) > 0) {
                if (checkPattern.check(in.flip()) >= 0) {
                    failure = "echo differs after " + echoed + " bytes";
                    return;
                }
                echoed += n;
            }
            if (echoed == BYTES_PER_CONNECTION) {
                connection.close(nowNs);
                closed = true;
            }
        }
    }

    @Test
    void twoClientsWithSeveralConnectionsEachAreEchoedExactlyOverALossySegment() {
        for (long seed = 1; seed <= 8; seed++) {
            LinkFaults faults = LinkFaults.perfect().withDelay(100_000, 20_000).withLoss(0.05)
                    .withReordering(0.05, 200_000).withDuplication(0.02);
            try (Simulation sim = new Simulation(faults, seed)) {
                TcpConfig tcp = TcpConfig.defaults().toBuilder().isnSecret(seed, seed * 31).portSeed(seed)
                        .timeWaitNs(1_000_000_000L).build();
                NetworkStack server = sim.addStack(SimTraffic.config("10.0.0.10", "02:00:00:00:00:10", tcp), 2048);
                List<NetworkStack> clients = List.of(
                        sim.addStack(SimTraffic.config("10.0.0.11", "02:00:00:00:00:11", tcp), 1024),
                        sim.addStack(SimTraffic.config("10.0.0.12", "02:00:00:00:00:12", tcp), 1024));
                TcpListener listener = server.tcp().listen(SERVER_IP, PORT, 16);
                List<Flow> flows = new ArrayList<>();
                long flowSeed = seed * 1000;
                for (NetworkStack client : clients) {
                    for (int i = 0; i < CONNECTIONS_PER_CLIENT; i++) {
                        flows.add(new Flow(client.tcp().connect(0, 0, SERVER_IP, PORT, 0), flowSeed++));
                    }
                }
                List<TcpConnection> accepted = new ArrayList<>();
                java.util.Set<TcpConnection> serverClosed = new java.util.HashSet<>();
                ByteBuffer echo = ByteBuffer.allocate(8192);
                boolean done = sim.runUntil(() -> {
                    long nowNs = sim.clock().nowNs();
                    for (TcpConnection c; (c = listener.accept()) != null; ) {
                        accepted.add(c);
                    }
                    for (TcpConnection c : accepted) {
                        if (!serverClosed.contains(c) && echoStep(c, echo, nowNs)) {
                            serverClosed.add(c);
                        }
                    }
                    boolean all = true;
                    for (Flow f : flows) {
                        f.step(nowNs);
                        all &= f.closed || f.failure != null;
                    }
                    return all && server.tcp().connectionCount() == 0
                            && clients.get(0).tcp().connectionCount() == 0
                            && clients.get(1).tcp().connectionCount() == 0;
                }, 600_000_000_000L);
                for (Flow f : flows) {
                    assertEquals(null, f.failure, "seed " + seed);
                }
                assertTrue(done, "seed " + seed + ": did not finish; " + sim.segment().stats());
                assertEquals(2 * CONNECTIONS_PER_CLIENT, accepted.size(), "seed " + seed);
                listener.close(sim.clock().nowNs());
                // A late duplicate may still be on the wire, in a receiver's pool: let it land
                // (and be answered with a RST) before the leak check.
                assertTrue(sim.runUntil(() -> sim.segment().inFlight() == 0, sim.clock().nowNs() + 1_000_000_000L));
                for (int port = 0; port < 3; port++) {
                    assertEquals(0, sim.port(port).transmitPool().inUse(), "seed " + seed + " port " + port);
                    assertEquals(0, sim.port(port).receivePool().inUse(), "seed " + seed + " port " + port);
                }
            }
        }
    }

    /**
     * The server side: echo what arrives; close once the client has closed.
     *
     * @return whether the connection was closed now
     */
    private static boolean echoStep(TcpConnection c, ByteBuffer buffer, long nowNs) {
        if (!synchronizedState(c.state())) {
            return false;
        }
        while (c.sendSpace() >= buffer.capacity()) {
            int n = c.read(buffer.clear(), nowNs);
            if (n < 0) {
                c.close(nowNs);
                return true;
            }
            if (n == 0) {
                return false;
            }
            buffer.flip();
            int written = c.write(buffer, nowNs);
            assertEquals(n, written, "send space was checked first");
        }
        return false;
    }

    private static boolean synchronizedState(TcpState state) {
        return switch (state) {
            case CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED -> false;
            default -> true;
        };
    }
}
