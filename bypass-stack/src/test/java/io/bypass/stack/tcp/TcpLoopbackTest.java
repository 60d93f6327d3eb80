package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.Ipv4Address;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two TcpLayers back to back through a wire that loses, duplicates, corrupts and reorders,
 * driven by a seeded Random and a virtual clock: every byte must arrive exactly once and in
 * order, and both ends must close cleanly with every frame returned to the pool.
 */
class TcpLoopbackTest {
    private static final long MS = 1_000_000L;
    private static final int A_IP = Ipv4Address.parse("10.0.0.1");
    private static final int B_IP = Ipv4Address.parse("10.0.0.2");

    /**
     * One run.
     *
     * @param up            bytes the client sends
     * @param down          bytes the server sends back at the same time
     * @param receiveBytes  both sides' receive buffer
     * @param readEverySteps the applications read once every this many 250 us steps (slow readers close windows)
     */
    record Scenario(long seed, double loss, int up, int down, int receiveBytes, int sendBytes, int readEverySteps) {
    }


    private record InFlight(long deliverAtNs, Frame frame, int length, int srcIp, int dstIp) {
    }

    @ParameterizedTest(name = "seed {0}, loss {1}")
    @CsvSource({"1, 0.0", "2, 0.01", "3, 0.05", "4, 0.10", "5, 0.10", "6, 0.03"})
    void oneMebibyteArrivesExactlyOverALossyWire(long seed, double loss) {
        run(new Scenario(seed, loss, 1 << 20, 0, 256 * 1024, 256 * 1024, 1));
    }

    @Test
    void twoHundredSeedsOfSmallTransfersAllCloseCleanly() {
        // Loss 0..10 %, sizes 50 KB..290 KB: a sample of what the multi-seed simulation runs.
        for (long seed = 1000; seed < 1200; seed++) {
            run(new Scenario(seed, (seed % 11) / 100.0, 50_000 + (int) (seed % 7) * 40_000, 0, 256 * 1024,
                    256 * 1024, 1));
        }
    }

    @Test
    void bothDirectionsAtOnceWithHalfClose() {
        for (long seed = 2000; seed < 2060; seed++) {
            run(new Scenario(seed, (seed % 11) / 100.0, 120_000, 70_000 + (int) (seed % 5) * 10_000, 256 * 1024,
                    256 * 1024, 1));
        }
    }

    @Test
    void slowReadersWithSmallBuffersCloseAndReopenWindowsWithoutDeadlock() {
        // Flow control under loss: zero windows, persist probes, lost window updates.
        for (long seed = 3000; seed < 3060; seed++) {
            run(new Scenario(seed, (seed % 11) / 100.0, 60_000, 20_000, 2048 + (int) (seed % 4) * 1024,
                    1024 + (int) (seed % 3) * 3000, 40 + (int) (seed % 9) * 20));
        }
    }

    /** Runs one scenario to its end and checks delivery, clean close and frames. */
    static void run(Scenario s) {
        run(s, b -> b, 1500);
    }

    /** As {@link #run(Scenario)}, with more settings changed and a given MTU on both ends. */
    static void run(Scenario s, java.util.function.UnaryOperator<TcpConfig.Builder> tweak, int mtu) {
        Random random = new Random(s.seed());
        FramePool pool = new FramePool(Arena.ofAuto(), 4096, 2048);
        FakeIp ipA = new FakeIp(pool, A_IP);
        FakeIp ipB = new FakeIp(pool, B_IP);
        long now = 0;
        TimerWheel wheelA = new TimerWheel(MS, 1024, now);
        TimerWheel wheelB = new TimerWheel(MS, 1024, now);
        ipA.mtu = mtu;
        ipB.mtu = mtu;
        TcpConfig config = tweak.apply(TcpHarness.config().timeWaitNs(2_000 * MS).receiveBufferBytes(s.receiveBytes())
                .sendBufferBytes(s.sendBytes())).build();
        StackCounters countersA = new StackCounters();
        TcpLayer a = new TcpLayer(config, ipA, wheelA, countersA);
        StackCounters countersB = new StackCounters();
        TcpLayer b = new TcpLayer(config.toBuilder().portSeed(7).isnSecret(3, 4).build(), ipB, wheelB, countersB);

        byte[] up = new byte[s.up()];
        byte[] down = new byte[s.down()];
        random.nextBytes(up);
        random.nextBytes(down);
        TcpListener listener = b.listen(B_IP, 80, 8);
        Endpoint client = new Endpoint(a.connect(A_IP, 0, B_IP, 80, now), up);
        Endpoint server = null;
        List<InFlight> wire = new ArrayList<>();

        long step = 0;
        for (; step < 4_000_000; step++) {
            now += MS / 4;
            wheelA.advance(now);
            wheelB.advance(now);
            wire.sort((x, y) -> Long.compare(x.deliverAtNs(), y.deliverAtNs()));
            while (!wire.isEmpty() && wire.get(0).deliverAtNs() <= now) {
                InFlight p = wire.remove(0);
                TcpLayer to = p.dstIp() == A_IP ? a : b;
                to.receive(p.frame(), IpSender.TRANSPORT_OFFSET, p.length(), p.srcIp(), p.dstIp(), now);
            }
            if (server == null) {
                TcpConnection accepted = listener.accept();
                if (accepted != null) {
                    server = new Endpoint(accepted, down);
                }
            }
            boolean readNow = step % s.readEverySteps() == 0;
            // The client sends, half-closes, reads to the end, then closes.
            client.write(now, true);
            if (readNow) {
                client.read(now);
            }
            if (client.sawEnd && client.allWritten() && !client.closed) {
                client.connection.close(now);
                client.closed = true;
            }
            // The server sends and reads at once, and closes when both are done.
            if (server != null) {
                server.write(now, false);
                if (readNow) {
                    server.read(now);
                }
                if (server.sawEnd && server.allWritten() && !server.closed) {
                    server.connection.close(now);
                    server.closed = true;
                }
            }
            putOnWire(random, s.loss(), pool, now, wire, ipA, ipB);
            if (client.closed && server != null && server.closed && a.connectionCount() == 0
                    && b.connectionCount() == 0 && wire.isEmpty()) {
                break;
            }
        }
        Endpoint srv = server;
        String where = s + " after " + step + " steps; client " + client.connection + " "
                + client.connection.error() + ", server " + (srv == null ? null : srv.connection + " "
                + srv.connection.error()) + "\nA:\n" + countersA + "B:\n" + countersB;
        assertNotNull(srv, where);
        assertArrayEquals(up, srv.received.toByteArray(), "client to server: " + where);
        assertArrayEquals(down, client.received.toByteArray(), "server to client: " + where);
        assertEquals(TcpState.CLOSED, client.connection.state(), where);
        assertEquals(TcpState.CLOSED, srv.connection.state(), where);
        assertEquals(TcpError.NONE, client.connection.error(), where);
        assertEquals(TcpError.NONE, srv.connection.error(), where);
        assertEquals(0, a.connectionCount(), where);
        assertEquals(0, b.connectionCount(), where);
        assertTrue(wire.isEmpty(), where);
        assertEquals(0, pool.inUse(), "frames leaked: " + where);
    }

    /** One application: writes its data, reads the peer's. */
    private static final class Endpoint {
        final TcpConnection connection;
        final byte[] toSend;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteBuffer readBuffer = ByteBuffer.allocate(3000);
        int written;
        boolean shutDown;
        boolean sawEnd;
        boolean closed;

        Endpoint(TcpConnection connection, byte[] toSend) {
            this.connection = connection;
            this.toSend = toSend;
        }

        boolean allWritten() {
            return written == toSend.length;
        }

        void write(long now, boolean halfClose) {
            if (!allWritten()) {
                written += connection.write(ByteBuffer.wrap(toSend, written,
                        Math.min(toSend.length - written, 10_000)), now);
            } else if (halfClose && !shutDown) {
                connection.shutdownOutput(now);
                shutDown = true;
            }
        }

        void read(long now) {
            int n;
            while (!sawEnd && (n = connection.read(readBuffer.clear(), now)) != 0) {
                if (n < 0) {
                    sawEnd = true;
                } else {
                    received.write(readBuffer.array(), 0, n);
                }
            }
        }
    }

    private static void putOnWire(Random random, double loss, FramePool pool, long now, List<InFlight> wire,
                                  FakeIp... ends) {
        for (FakeIp from : ends) {
            while (!from.sent.isEmpty()) {
                FakeIp.Sent s = from.sent.poll();
                if (random.nextDouble() < loss) {
                    s.frame().release();
                    continue;
                }
                if (random.nextDouble() < loss / 2) {
                    Frame copy = pool.allocate();
                    assertNotNull(copy);
                    MemorySegment.copy(s.frame().memory(), 0, copy.memory(), 0,
                            IpSender.TRANSPORT_OFFSET + s.transportLength());
                    wire.add(new InFlight(now + delay(random), copy, s.transportLength(), from.localIp, s.dstIp()));
                }
                if (random.nextDouble() < loss / 4) {
                    long at = IpSender.TRANSPORT_OFFSET + random.nextInt(s.transportLength());
                    byte old = s.frame().memory().get(ValueLayout.JAVA_BYTE, at);
                    s.frame().memory().set(ValueLayout.JAVA_BYTE, at, (byte) (old ^ 0x5a));
                }
                wire.add(new InFlight(now + delay(random), s.frame(), s.transportLength(), from.localIp, s.dstIp()));
            }
        }
    }

    /** 1 to 6 ms: reorders when delays overlap. */
    private static long delay(Random random) {
        return MS + random.nextInt(5) * MS + random.nextInt(1000) * 1000L;
    }
}
