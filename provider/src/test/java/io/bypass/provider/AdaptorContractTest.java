package io.bypass.provider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The socket() adaptors' java.net contracts, run against the JDK's provider and ours. */
class AdaptorContractTest {
    static java.util.stream.Stream<SelectorProvider> providers() {
        return Providers.both();
    }

    private static ServerSocketChannel listen(SelectorProvider p) throws Exception {
        ServerSocketChannel ssc = p.openServerSocketChannel();
        ssc.socket().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ssc;
    }

    private static byte[] readN(InputStream in, int n) throws Exception {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return java.util.Arrays.copyOf(b, got);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void streamsEchoAndShutdownOutputGivesPeerEndOfStream(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            ServerSocket server = ssc.socket();
            assertSame(ssc, server.getChannel());
            assertTrue(server.isBound());
            Socket client = c.socket();
            assertSame(c, client.getChannel());
            assertFalse(client.isConnected());
            client.connect(server.getLocalSocketAddress(), 5_000);
            server.setSoTimeout(5_000);
            try (Socket s = server.accept()) {
                assertTrue(client.isConnected() && client.isBound());
                assertEquals(server.getLocalPort(), client.getPort());
                assertEquals(client.getLocalPort(), s.getPort());
                OutputStream out = client.getOutputStream();
                out.write("ping".getBytes());
                out.write('!');
                assertArrayEquals("ping!".getBytes(), readN(s.getInputStream(), 5));
                s.getOutputStream().write(new byte[100_000]);
                assertEquals(100_000, readN(client.getInputStream(), 100_000).length);
                client.shutdownOutput();
                assertTrue(client.isOutputShutdown());
                assertEquals(-1, s.getInputStream().read());
                assertThrows(SocketException.class, client::getOutputStream);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void readWithSoTimeoutThrowsSocketTimeoutAndTheSocketStaysUsable(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                Socket client = c.socket();
                client.setSoTimeout(100);
                assertEquals(100, client.getSoTimeout());
                InputStream in = client.getInputStream();
                assertThrows(SocketTimeoutException.class, in::read);
                assertTrue(c.isOpen());
                s.socket().getOutputStream().write(42);
                assertEquals(42, in.read());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void acceptWithSoTimeoutThrowsSocketTimeout(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p)) {
            ssc.socket().setSoTimeout(100);
            assertThrows(SocketTimeoutException.class, () -> ssc.socket().accept());
            assertTrue(ssc.isOpen());
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void streamsOfANonBlockingChannelThrowIllegalBlockingMode(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                c.configureBlocking(false);
                assertThrows(IllegalBlockingModeException.class, () -> c.socket().getInputStream().read());
                assertThrows(IllegalBlockingModeException.class, () -> c.socket().getOutputStream().write(1));
                ssc.configureBlocking(false);
                assertThrows(IllegalBlockingModeException.class, () -> ssc.socket().accept());
                assertTrue(s.isConnected());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void optionsThroughTheAdaptorAndClosedSocketThrows(SelectorProvider p) throws Exception {
        try (SocketChannel c = p.openSocketChannel()) {
            Socket s = c.socket();
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.setSoLinger(true, 5);
            assertTrue(s.getTcpNoDelay());
            assertTrue(s.getKeepAlive());
            assertEquals(5, s.getSoLinger());
            assertThrows(IllegalArgumentException.class, () -> s.setReceiveBufferSize(0));
            assertEquals(-1, s.getLocalPort());
            assertEquals("Socket[unconnected]", s.toString());
            s.close();
            assertTrue(s.isClosed());
            assertFalse(c.isOpen());
            assertThrows(SocketException.class, s::getInputStream);
            assertThrows(SocketException.class, () -> s.setSoTimeout(1));
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void bindBeforeConnectKeepsTheBoundPort(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) c.getLocalAddress()).getPort();
            assertTrue(port > 0);
            assertThrows(java.nio.channels.AlreadyBoundException.class,
                    () -> c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
            assertTrue(c.connect(ssc.getLocalAddress()));
            try (SocketChannel s = ssc.accept()) {
                assertEquals(port, ((InetSocketAddress) s.getRemoteAddress()).getPort());
                assertEquals(port, ((InetSocketAddress) c.getLocalAddress()).getPort());
                if (p instanceof BypassSelectorProvider) {
                    assertTrue(c.toString().contains("stack"), c.toString());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void closingTheSocketEndsABlockedStreamReadWithAsynchronousClose(SelectorProvider p) throws Exception {
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                java.util.concurrent.CompletableFuture<Throwable> f = new java.util.concurrent.CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        c.socket().getInputStream().read();
                        f.complete(null);
                    } catch (Throwable t) {
                        f.complete(t);
                    }
                });
                Thread.sleep(200);
                c.socket().close();
                Throwable t = f.get(10, java.util.concurrent.TimeUnit.SECONDS);
                // The JDK's stream lets the channel's exception through (sun.nio.ch.SocketInputStream).
                assertTrue(t instanceof java.nio.channels.AsynchronousCloseException, String.valueOf(t));
                assertTrue(s.isOpen());
            }
        }
    }

    @Test
    void adaptorsOverrideEveryPublicMethodSoNoKernelSocketIsCreated() {
        assertEquals(List.of(), notOverridden(Socket.class, BypassSocketAdaptor.class));
        assertEquals(List.of(), notOverridden(ServerSocket.class, BypassServerSocketAdaptor.class));
    }

    private static List<String> notOverridden(Class<?> base, Class<?> adaptor) {
        List<String> missing = new ArrayList<>();
        for (Method m : base.getDeclaredMethods()) {
            int mod = m.getModifiers();
            if (!Modifier.isPublic(mod) || Modifier.isStatic(mod) || Modifier.isFinal(mod)) {
                continue;
            }
            try {
                adaptor.getDeclaredMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(m.toString());
            }
        }
        return missing;
    }
}
