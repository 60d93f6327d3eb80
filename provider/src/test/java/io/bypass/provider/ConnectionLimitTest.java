package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The stack's limits are settings ({@code bypass.max.connections}, {@code bypass.max.timewait}). */
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
    void theLimitsDefaultToTheStacks() {
        BypassConfig config = BypassConfig.from(new Properties());
        assertEquals(io.bypass.stack.tcp.TcpConfig.defaults().maxConnections(), config.maxConnections());
        assertEquals(io.bypass.stack.tcp.TcpConfig.defaults().maxTimeWait(), config.maxTimeWait());
    }
}
