package io.bypass.provider;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Blocking reads spin before they wait when bypass.spin is set, and stay interruptible and closable. */
class LatencyProfileTest {
    private static BypassSelectorProvider spinning(int spinUs) {
        Properties p = new Properties();
        p.setProperty("bypass.rules.inline", "bind * *");
        p.setProperty("bypass.spin", Integer.toString(spinUs));
        return new BypassSelectorProvider(BypassConfig.from(p));
    }

    private interface Body {
        void run(SocketChannel c, SocketChannel s) throws Exception;
    }

    private static void connected(BypassSelectorProvider p, Body body) throws Exception {
        try (ServerSocketChannel ssc = p.openServerSocketChannel()) {
            ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel c = p.openSocketChannel()) {
                c.connect(ssc.getLocalAddress());
                try (SocketChannel s = ssc.accept()) {
                    body.run(c, s);
                }
            }
        } finally {
            p.shutdown();
        }
    }

    @Test
    void blockingPingPongWithSpinningReaders() throws Exception {
        connected(spinning(50), (c, s) -> {
            c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            s.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            Thread echo = Thread.ofPlatform().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(64);
                try {
                    for (int i = 0; i < 2_000; i++) {
                        b.clear();
                        while (b.hasRemaining()) {
                            s.read(b);
                        }
                        b.flip();
                        s.write(b);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteBuffer b = ByteBuffer.allocate(64);
            for (int i = 0; i < 2_000; i++) {
                b.clear();
                b.put(0, (byte) i);
                c.write(b);
                b.clear();
                while (b.hasRemaining()) {
                    c.read(b);
                }
                assertEquals((byte) i, b.get(0));
            }
            echo.join();
        });
    }

    @Test
    void aSpinningReadIsInterrupted() throws Exception {
        // A spin of ten seconds: the reader is certainly spinning when it is interrupted.
        connected(spinning(10_000_000), (c, s) -> {
            CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    s.read(ByteBuffer.allocate(1));
                    interrupted.complete(null);
                } catch (Throwable e) {
                    interrupted.complete(e);
                }
            });
            Thread.sleep(100);
            t.interrupt();
            assertInstanceOf(ClosedByInterruptException.class, interrupted.get(5, TimeUnit.SECONDS));
        });
    }

    @Test
    void aSpinningReadIsEndedByClose() throws Exception {
        connected(spinning(10_000_000), (c, s) -> {
            CompletableFuture<Throwable> closed = CompletableFuture.supplyAsync(() -> {
                try {
                    c.read(ByteBuffer.allocate(1));
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            });
            Thread.sleep(100);
            c.close();
            assertInstanceOf(AsynchronousCloseException.class, closed.get(5, TimeUnit.SECONDS));
        });
    }
}
