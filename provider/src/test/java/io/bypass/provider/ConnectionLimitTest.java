package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The stack's limits are settings ({@code bypass.max.connections}, {@code bypass.max.timewait},
 * {@code bypass.tw.reuse}), and a client on the in-JVM loopback reuses its TIME-WAIT's ports as
 * Linux's loopback does.
 */
class ConnectionLimitTest {
    @Test
    void aConnectBeyondTheConnectionLimitFailsWithAClearError() throws Exception {
        Properties p = new Properties();
        p.setProperty("bypass.max.connections", "1");
        p.setProperty("bypass.max.timewait", "7");
        BypassConfig config = BypassConfig.from(p).withRules(Rules.parse("bind * *", "test"));
        assertEquals(7, config.maxTimeWait());
        // The in-JVM loopback: one stack holds the client ends, one the server ends.
        BypassSelectorProvider provider = new BypassSelectorProvider(config);
        try (ServerSocketChannel server = provider.openServerSocketChannel()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel first = provider.openSocketChannel(); SocketChannel second = provider.openSocketChannel()) {
                first.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    SocketException e = assertThrows(SocketException.class, () -> second.connect(server.getLocalAddress()));
                    assertTrue(e.getMessage().startsWith("Too many connections"), e.getMessage());
                }
            }
        }
    }

    @Test
    void aLoopbackClientThatClosesFirstConnectsFromTheSamePortASecondLater() throws Exception {
        BypassSelectorProvider provider = new BypassSelectorProvider(
                BypassConfig.from(new Properties()).withRules(Rules.parse("bind * *", "test")));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocketChannel server = provider.openServerSocketChannel()) {
            server.bind(new InetSocketAddress(loopback, 0));
            int clientPort;
            try (SocketChannel first = provider.openSocketChannel()) {
                first.bind(new InetSocketAddress(loopback, 0));
                clientPort = ((InetSocketAddress) first.getLocalAddress()).getPort();
                first.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    first.close();
                    assertEquals(-1, accepted.read(ByteBuffer.allocate(1)), "the client's FIN");
                }
            }
            // The client's end is in TIME-WAIT (60 s); a second after the server's last segment
            // a connect may take the 4-tuple again (TimeWait.REUSE_AFTER_NS).
            Thread.sleep(1_100);
            try (SocketChannel second = provider.openSocketChannel()) {
                second.bind(new InetSocketAddress(loopback, clientPort));
                second.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    assertEquals(clientPort, ((InetSocketAddress) accepted.getRemoteAddress()).getPort());
                }
            }
        }
    }

    @Test
    void theLimitsDefaultToTheStacks() {
        BypassConfig config = BypassConfig.from(new Properties());
        assertEquals(io.bypass.stack.tcp.TcpConfig.defaults().maxConnections(), config.maxConnections());
        assertEquals(io.bypass.stack.tcp.TcpConfig.defaults().maxTimeWait(), config.maxTimeWait());
    }
}
