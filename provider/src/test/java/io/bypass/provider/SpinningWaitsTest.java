package io.bypass.provider;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * bypass.spin applies to every blocking wait (accept, connect, read, write) and to select,
 * as EF_POLL_USEC does: with a spin longer than the test, a waiter that is served never
 * parks, and a spinning wait stays interruptible and closable. With a spin of one
 * microsecond, waits cross from spinning to parking at every possible point, and no
 * wakeup may be lost there (the invariant of {@link StackEngine}).
 */
class SpinningWaitsTest {
    /** Ten seconds: longer than any wait of these tests, so a served waiter never gets to park. */
    private static final int SPIN_FOREVER_US = 10_000_000;
    private static final int ROUND_TRIPS = 2_000;

    private static BypassSelectorProvider spinning(int spinUs, int bufferBytes) {
        Properties p = new Properties();
        p.setProperty("bypass.rules.inline", "bind * *");
        p.setProperty("bypass.spin", Integer.toString(spinUs));
        p.setProperty("bypass.sndbuf", Integer.toString(bufferBytes));
        p.setProperty("bypass.rcvbuf", Integer.toString(bufferBytes));
        return new BypassSelectorProvider(BypassConfig.from(p));
    }

    private static ServerSocketChannel listen(BypassSelectorProvider p) throws Exception {
        ServerSocketChannel ssc = p.openServerSocketChannel();
        ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ssc;
    }

    @Test
    void aSpinningBlockingAcceptSeesAConnectWithoutParking() throws Exception {
        BypassSelectorProvider p = spinning(SPIN_FOREVER_US, 64 * 1024);
        try (ServerSocketChannel ssc = listen(p)) {
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return ssc.accept();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(100);
            try (SocketChannel c = p.openSocketChannel()) {
                c.connect(ssc.getLocalAddress());
                try (SocketChannel s = accepted.get(5, TimeUnit.SECONDS)) {
                    assertEquals(c.getLocalAddress(), s.getRemoteAddress());
                }
            }
            assertEquals(0, ((BypassServerSocketChannel) ssc).waitParks());
        } finally {
            p.shutdown();
        }
    }

    @Test
    void aSpinningAcceptIsInterruptedOrEndedByClose() throws Exception {
        BypassSelectorProvider p = spinning(SPIN_FOREVER_US, 64 * 1024);
        try (ServerSocketChannel ssc = listen(p); ServerSocketChannel other = listen(p)) {
            CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> interrupted.complete(acceptFailure(ssc)));
            CompletableFuture<Throwable> closed = CompletableFuture.supplyAsync(() -> acceptFailure(other));
            Thread.sleep(100);
            t.interrupt();
            other.close();
            assertInstanceOf(ClosedByInterruptException.class, interrupted.get(5, TimeUnit.SECONDS));
            assertInstanceOf(AsynchronousCloseException.class, closed.get(5, TimeUnit.SECONDS));
        } finally {
            p.shutdown();
        }
    }

    private static Throwable acceptFailure(ServerSocketChannel ssc) {
        try {
            ssc.accept();
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    @Test
    void aSpinningBlockingWriteWaitsForWindowWithoutParkingAndIsInterruptible() throws Exception {
        // 4 KiB buffers: a 256 KiB write must wait many times for the reader to drain.
        BypassSelectorProvider p = spinning(SPIN_FOREVER_US, 4096);
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                // Set on the sockets, the sizes also turn the stack's buffer auto-tuning off.
                c.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
                s.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                int total = 256 * 1024;
                CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
                    ByteBuffer b = ByteBuffer.allocate(1000);
                    long n = 0;
                    try {
                        while (n < total) {
                            b.clear();
                            n += s.read(b);
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return n;
                });
                assertEquals(total, c.write(ByteBuffer.allocate(total)));
                assertEquals(total, drained.get(10, TimeUnit.SECONDS));
                assertEquals(0, ((BypassSocketChannel) c).waitParks());
                assertEquals(0, ((BypassSocketChannel) s).waitParks());

                // Nobody reads now: the next big write spins on a full window until interrupted.
                CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        c.write(ByteBuffer.allocate(total));
                        interrupted.complete(null);
                    } catch (Throwable e) {
                        interrupted.complete(e);
                    }
                });
                Thread.sleep(100);
                t.interrupt();
                assertInstanceOf(ClosedByInterruptException.class, interrupted.get(5, TimeUnit.SECONDS));
            }
        } finally {
            p.shutdown();
        }
    }

    @Test
    void spinningBlockingPingPongNeverParks() throws Exception {
        BypassSelectorProvider p = spinning(SPIN_FOREVER_US, 64 * 1024);
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                blockingPingPong(c, s, ROUND_TRIPS);
                assertEquals(0, ((BypassSocketChannel) c).waitParks());
                assertEquals(0, ((BypassSocketChannel) s).waitParks());
            }
        } finally {
            p.shutdown();
        }
    }

    @Test
    void spinningSelectorsPingPongNeverBlock() throws Exception {
        BypassSelectorProvider p = spinning(SPIN_FOREVER_US, 64 * 1024);
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel();
             Selector clientSelector = p.openSelector(); Selector serverSelector = p.openSelector()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                selectorPingPong(c, clientSelector, s, serverSelector, ROUND_TRIPS);
                assertEquals(0, ((BypassSelector) clientSelector).blocks());
                assertEquals(0, ((BypassSelector) serverSelector).blocks());
            }
        } finally {
            p.shutdown();
        }
    }

    @Test
    void waitsCrossingFromSpinToParkLoseNoWakeup() throws Exception {
        // One microsecond of spin: each wait ends its spin at a different point of the peer's
        // progress step, and parks; a lost wakeup would hang a round trip.
        BypassSelectorProvider p = spinning(1, 64 * 1024);
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel();
             Selector clientSelector = p.openSelector(); Selector serverSelector = p.openSelector()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    blockingPingPong(c, s, 10 * ROUND_TRIPS);
                    selectorPingPong(c, clientSelector, s, serverSelector, 10 * ROUND_TRIPS);
                });
                System.out.printf("spin 1 us: blocking waits parked %d times, selects blocked %d times%n",
                        ((BypassSocketChannel) c).waitParks() + ((BypassSocketChannel) s).waitParks(),
                        ((BypassSelector) clientSelector).blocks() + ((BypassSelector) serverSelector).blocks());
            }
        } finally {
            p.shutdown();
        }
    }

    /** Round trips of 64 bytes between blocking channels, a thread per side; checks every byte. */
    private static void blockingPingPong(SocketChannel c, SocketChannel s, int rounds) throws Exception {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        s.setOption(StandardSocketOptions.TCP_NODELAY, true);
        CompletableFuture<Throwable> echo = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            ByteBuffer b = ByteBuffer.allocate(64);
            try {
                for (int i = 0; i < rounds; i++) {
                    b.clear();
                    while (b.hasRemaining()) {
                        s.read(b);
                    }
                    b.flip();
                    s.write(b);
                }
                echo.complete(null);
            } catch (Throwable e) {
                echo.complete(e);
            }
        });
        ByteBuffer b = ByteBuffer.allocate(64);
        for (int i = 0; i < rounds; i++) {
            b.clear();
            b.putInt(0, i);
            c.write(b);
            b.clear();
            while (b.hasRemaining()) {
                c.read(b);
            }
            assertEquals(i, b.getInt(0));
        }
        assertNull(echo.get(10, TimeUnit.SECONDS));
    }

    /** Round trips of 64 bytes between non-blocking channels, each side in select(). */
    private static void selectorPingPong(SocketChannel c, Selector cs, SocketChannel s, Selector ss, int rounds)
            throws Exception {
        c.configureBlocking(false);
        s.configureBlocking(false);
        c.register(cs, SelectionKey.OP_READ);
        s.register(ss, SelectionKey.OP_READ);
        CompletableFuture<Throwable> echo = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            ByteBuffer b = ByteBuffer.allocate(64);
            try {
                for (int i = 0; i < rounds; i++) {
                    b.clear();
                    while (b.hasRemaining()) {
                        ss.select();
                        ss.selectedKeys().clear();
                        s.read(b);
                    }
                    b.flip();
                    while (b.hasRemaining()) {
                        s.write(b);
                    }
                }
                echo.complete(null);
            } catch (Throwable e) {
                echo.complete(e);
            }
        });
        ByteBuffer b = ByteBuffer.allocate(64);
        for (int i = 0; i < rounds; i++) {
            b.clear();
            b.putInt(0, i);
            while (b.hasRemaining()) {
                c.write(b);
            }
            b.clear();
            while (b.hasRemaining()) {
                cs.select();
                cs.selectedKeys().clear();
                c.read(b);
            }
            assertEquals(i, b.getInt(0));
        }
        assertNull(echo.get(10, TimeUnit.SECONDS));
    }
}
