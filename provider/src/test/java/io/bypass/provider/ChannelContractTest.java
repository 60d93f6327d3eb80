package io.bypass.provider;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** java.nio channel contracts, run against the JDK's provider and ours with the same expectations. */
class ChannelContractTest {
    static java.util.stream.Stream<SelectorProvider> providers() {
        return Providers.both();
    }

    private static ServerSocketChannel listen(SelectorProvider p) throws IOException {
        ServerSocketChannel ssc = p.openServerSocketChannel();
        ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ssc;
    }

    private static SocketChannel connect(SelectorProvider p, ServerSocketChannel ssc) throws IOException {
        SocketChannel c = p.openSocketChannel();
        assertTrue(c.connect(ssc.getLocalAddress()));
        return c;
    }

    private static byte[] readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                break;
            }
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void blockingEchoWithScatterGatherAndAddresses(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = connect(p, ssc); SocketChannel s = ssc.accept()) {
            assertEquals(c.getRemoteAddress(), ssc.getLocalAddress());
            assertEquals(((InetSocketAddress) c.getLocalAddress()).getPort(),
                    ((InetSocketAddress) s.getRemoteAddress()).getPort());
            ByteBuffer[] out = {ByteBuffer.wrap("hello ".getBytes(StandardCharsets.US_ASCII)),
                    ByteBuffer.wrap("world".getBytes(StandardCharsets.US_ASCII))};
            assertEquals(11, c.write(out, 0, 2));
            ByteBuffer a = ByteBuffer.allocate(6);
            ByteBuffer b = ByteBuffer.allocate(5);
            long got = 0;
            while (got < 11) {
                got += s.read(new ByteBuffer[] {a, b});
            }
            assertEquals("hello world", new String(a.array(), StandardCharsets.US_ASCII) + new String(b.array(),
                    StandardCharsets.US_ASCII));
            // 1 MB each way: more than any buffer, so blocking writes must wait for the reader.
            byte[] big = new byte[1 << 20];
            new java.util.Random(1).nextBytes(big);
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return readFully(s, big.length);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            c.write(ByteBuffer.wrap(big));
            assertArrayEquals(big, echoed.get(30, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void shutdownOutputGivesPeerEndOfStreamAndShutdownInputReadsEof(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = connect(p, ssc); SocketChannel s = ssc.accept()) {
            c.write(ByteBuffer.wrap(new byte[] {7}));
            c.shutdownOutput();
            assertThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.allocate(1)));
            assertArrayEquals(new byte[] {7}, readFully(s, 1));
            assertEquals(-1, s.read(ByteBuffer.allocate(1)));
            s.write(ByteBuffer.wrap(new byte[] {8}));
            assertArrayEquals(new byte[] {8}, readFully(c, 1));
            c.shutdownInput();
            assertEquals(-1, c.read(ByteBuffer.allocate(1)));
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void nonBlockingReadReturnsZeroAndUnconnectedReadThrows(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = connect(p, ssc); SocketChannel s = ssc.accept()) {
            s.configureBlocking(false);
            assertEquals(0, s.read(ByteBuffer.allocate(4)));
            ssc.configureBlocking(false);
            assertEquals(null, ssc.accept());
        }
        try (SocketChannel u = p.openSocketChannel()) {
            assertThrows(NotYetConnectedException.class, () -> u.read(ByteBuffer.allocate(1)));
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void optionsAreRecordedBeforeConnectAndKeptAfter(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            c.connect(ssc.getLocalAddress());
            assertTrue(c.getOption(StandardSocketOptions.TCP_NODELAY));
            assertTrue(c.getOption(StandardSocketOptions.SO_KEEPALIVE));
            assertTrue(c.supportedOptions().contains(StandardSocketOptions.SO_LINGER));
            assertThrows(IllegalArgumentException.class, () -> c.setOption(StandardSocketOptions.SO_RCVBUF, -1));
            ssc.accept().close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void blockingAcceptEndsWithAsynchronousCloseWhenClosed(SelectorProvider p) throws Exception {
        ServerSocketChannel ssc = listen(p);
        CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
            try {
                ssc.accept();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(200);
        ssc.close();
        assertInstanceOf(AsynchronousCloseException.class, f.get(10, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @MethodSource("providers")
    void interruptedBlockingReadClosesTheChannel(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = connect(p, ssc); SocketChannel s = ssc.accept()) {
            CompletableFuture<Throwable> f = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    s.read(ByteBuffer.allocate(1));
                    f.complete(null);
                } catch (Throwable e) {
                    f.complete(e);
                }
            });
            Thread.sleep(200);
            t.interrupt();
            assertInstanceOf(ClosedByInterruptException.class, f.get(10, TimeUnit.SECONDS));
            assertFalse(s.isOpen());
        }
    }

    @Test
    void connectToAcceleratedListenerGoesThroughTheStack() throws Exception {
        BypassSelectorProvider p = Providers.BYPASS;
        long before = p.counter(Counter.TCP_SEGMENTS_IN);
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = connect(p, ssc); SocketChannel s = ssc.accept()) {
            c.write(ByteBuffer.wrap(new byte[100]));
            assertEquals(100, readFully(s, 100).length);
            assertTrue(c.toString().contains("stack"), c.toString());
        }
        assertTrue(p.counter(Counter.TCP_SEGMENTS_IN) - before >= 4);
    }

    @Test
    void connectToAKernelListenerFallsBackToTheKernel() throws Exception {
        BypassSelectorProvider p = Providers.BYPASS;
        long fallbacks = p.kernelFallbacks();
        try (ServerSocketChannel ssc = JdkProvider.get().openServerSocketChannel()) {
            ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel c = connect(p, ssc); SocketChannel s = ssc.accept()) {
                c.write(ByteBuffer.wrap(new byte[] {1, 2}));
                assertArrayEquals(new byte[] {1, 2}, readFully(s, 2));
                assertTrue(c.toString().contains("kernel"), c.toString());
            }
        }
        assertEquals(fallbacks + 1, p.kernelFallbacks());
    }
}
