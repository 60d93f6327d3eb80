package io.bypass.provider;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How connect rules and client-side binds route on the loopback link. */
class RoutingTest {
    private static BypassSelectorProvider with(String rules) {
        return new BypassSelectorProvider(BypassConfig.fromSystemProperties().withRules(Rules.parse(rules, "test")));
    }

    @Test
    void connectRuleSendsALoopbackConnectToTheStackWhereNoListenerRefusesIt() throws Exception {
        BypassSelectorProvider p = with("connect 127.0.0.1 *");
        try (ServerSocketChannel kernelListener = JdkProvider.get().openServerSocketChannel()) {
            kernelListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel c = p.openSocketChannel()) {
                // The rule says "stack": the kernel listener on that port is not reachable from it.
                assertThrows(ConnectException.class, () -> c.connect(kernelListener.getLocalAddress()));
            }
            assertEquals(0, p.kernelFallbacks());
            assertEquals(1, p.acceleratedChannels());
            assertEquals(1, p.counter(Counter.TCP_ACTIVE_OPENS));
        } finally {
            p.shutdown();
        }
    }

    @Test
    void withoutAConnectRuleALoopbackConnectToAKernelListenerGoesToTheKernel() throws Exception {
        BypassSelectorProvider p = with("connect 127.0.0.2 *");
        try (ServerSocketChannel kernelListener = JdkProvider.get().openServerSocketChannel()) {
            kernelListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel c = p.openSocketChannel()) {
                c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int port = ((InetSocketAddress) c.getLocalAddress()).getPort();
                assertTrue(c.connect(kernelListener.getLocalAddress()));
                try (SocketChannel s = kernelListener.accept()) {
                    // The kernel connect used the socket the bind reserved, so the bound port.
                    assertEquals(port, ((InetSocketAddress) s.getRemoteAddress()).getPort());
                }
                assertTrue(c.toString().contains("kernel"), c.toString());
            }
            assertEquals(1, p.kernelFallbacks());
            assertEquals(0, p.acceleratedChannels());
        } finally {
            p.shutdown();
        }
    }

    @Test
    void adaptorsOfKernelBackedChannelsHonourTheirTimeouts() throws Exception {
        BypassSelectorProvider p = with("connect 127.0.0.2 *");
        try (ServerSocketChannel ssc = p.openServerSocketChannel(); SocketChannel c = p.openSocketChannel()) {
            ssc.socket().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ssc.socket().setSoTimeout(50);
            assertThrows(java.net.SocketTimeoutException.class, () -> ssc.socket().accept());
            c.socket().connect(ssc.getLocalAddress(), 5_000);
            ssc.socket().setSoTimeout(5_000);
            try (java.net.Socket s = ssc.socket().accept()) {
                assertTrue(s.getChannel() instanceof BypassSocketChannel);
                c.socket().setSoTimeout(50);
                assertThrows(java.net.SocketTimeoutException.class, () -> c.socket().getInputStream().read());
                s.getOutputStream().write(7);
                assertEquals(7, c.socket().getInputStream().read());
                assertTrue(c.toString().contains("kernel"), c.toString());
            }
        } finally {
            p.shutdown();
        }
    }

    @Test
    void bufferAndKeepAliveOptionsReachTheStackConnectionsOnBothSides() throws Exception {
        BypassSelectorProvider p = with("bind * *");
        try (ServerSocketChannel ssc = p.openServerSocketChannel(); SocketChannel c = p.openSocketChannel()) {
            ssc.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 96 * 1024);
            ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            c.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 32 * 1024);
            c.setOption(java.net.StandardSocketOptions.SO_KEEPALIVE, true);
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                var client = ((BypassSocketChannel) c).stackConnection();
                var server = ((BypassSocketChannel) s).stackConnection();
                assertEquals(64 * 1024, client.receiveBufferBytes());
                assertEquals(32 * 1024, client.sendBufferBytes());
                assertTrue(client.keepAlive());
                assertEquals(96 * 1024, server.receiveBufferBytes(), "inherited from the listener");
                s.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 512 * 1024);
                assertEquals(512 * 1024, server.sendBufferBytes());
                s.setOption(java.net.StandardSocketOptions.SO_KEEPALIVE, true);
                assertTrue(server.keepAlive());
            }
        } finally {
            p.shutdown();
        }
    }
}
