package io.bypass.provider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SO_REUSEPORT on listeners and IP_TOS on connections, run against the JDK's provider and
 * ours with the same expectations: listeners that all opt in share a port and the
 * connections to it are spread over them (Linux hashes the 4-tuple; so do we), one that
 * does not opt in cannot join, and a closed member's share goes to the rest.
 */
class ReusePortAndTosContractTest {
    /** Enough connections that all of them landing on one of two listeners (2^-31) does not happen. */
    private static final int CONNECTIONS = 32;

    static java.util.stream.Stream<SelectorProvider> providers() {
        return Providers.both();
    }

    private static ServerSocketChannel listen(SelectorProvider p, int port, boolean reusePort) throws IOException {
        ServerSocketChannel ssc = p.openServerSocketChannel();
        try {
            ssc.setOption(StandardSocketOptions.SO_REUSEPORT, reusePort);
            ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            ssc.configureBlocking(false);
            return ssc;
        } catch (IOException | RuntimeException e) {
            ssc.close();
            throw e;
        }
    }

    /**
     * Connects {@code CONNECTIONS} times and accepts on every listener.
     *
     * @return connections accepted per listener; each connection is accepted exactly once
     */
    private static int[] spread(SelectorProvider p, SocketAddress to, ServerSocketChannel... group) throws Exception {
        List<SocketChannel> open = new ArrayList<>();
        int[] accepted = new int[group.length];
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                SocketChannel c = p.openSocketChannel();
                open.add(c);
                c.connect(to);
            }
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int total = 0;
            while (total < CONNECTIONS && System.nanoTime() - deadlineNs < 0) {
                for (int i = 0; i < group.length; i++) {
                    SocketChannel s = group[i].accept();
                    if (s != null) {
                        open.add(s);
                        accepted[i]++;
                        total++;
                    }
                }
            }
            assertEquals(CONNECTIONS, total, "every connection accepted once");
            Thread.sleep(50);
            for (ServerSocketChannel l : group) {
                assertEquals(null, l.accept(), "and only once");
            }
        } finally {
            for (SocketChannel c : open) {
                c.close();
            }
        }
        return accepted;
    }

    @ParameterizedTest
    @MethodSource("providers")
    void listenersThatAllOptInShareAPortAndConnectionsSpreadOverThem(SelectorProvider p) throws Exception {
        try (ServerSocketChannel a = listen(p, 0, true)) {
            int port = ((InetSocketAddress) a.getLocalAddress()).getPort();
            try (ServerSocketChannel b = listen(p, port, true)) {
                assertEquals(a.getLocalAddress(), b.getLocalAddress());
                if (p instanceof BypassSelectorProvider) {
                    assertTrue(((BypassSelectable) a).engine() != null && ((BypassSelectable) b).engine() != null,
                            "both are stack listeners");
                }
                int[] perListener = spread(p, a.getLocalAddress(), a, b);
                assertTrue(perListener[0] > 0 && perListener[1] > 0, "split " + perListener[0] + "/" + perListener[1]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aListenerThatDoesNotOptInCannotJoin(SelectorProvider p) throws Exception {
        try (ServerSocketChannel a = listen(p, 0, true)) {
            int port = ((InetSocketAddress) a.getLocalAddress()).getPort();
            assertThrows(BindException.class, () -> listen(p, port, false).close());
        }
        try (ServerSocketChannel a = listen(p, 0, false)) {
            int port = ((InetSocketAddress) a.getLocalAddress()).getPort();
            assertThrows(BindException.class, () -> listen(p, port, true).close());
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aClosedMembersShareGoesToTheRest(SelectorProvider p) throws Exception {
        try (ServerSocketChannel a = listen(p, 0, true)) {
            SocketAddress address = a.getLocalAddress();
            int port = ((InetSocketAddress) address).getPort();
            try (ServerSocketChannel b = listen(p, port, true)) {
                b.close();
                assertEquals(CONNECTIONS, spread(p, address, a)[0]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void ipTosIsKeptAndCheckedOnAConnection(SelectorProvider p) throws Exception {
        try (ServerSocketChannel l = listen(p, 0, false); SocketChannel c = p.openSocketChannel()) {
            // 0xb8: DSCP EF, ECN bits clear (which Linux keeps from a TCP socket either way).
            c.setOption(StandardSocketOptions.IP_TOS, 0xb8);
            c.connect(l.getLocalAddress());
            assertEquals(0xb8, c.getOption(StandardSocketOptions.IP_TOS));
            c.setOption(StandardSocketOptions.IP_TOS, 0x28);
            assertEquals(0x28, c.getOption(StandardSocketOptions.IP_TOS));
            assertThrows(IllegalArgumentException.class, () -> c.setOption(StandardSocketOptions.IP_TOS, 256));
        }
    }

    @Test
    void ipTosReachesTheStackConnectionsHeaders() throws Exception {
        SelectorProvider p = Providers.BYPASS;
        try (ServerSocketChannel l = listen(p, 0, false); SocketChannel c = p.openSocketChannel()) {
            c.setOption(StandardSocketOptions.IP_TOS, 0xb8);
            c.connect(l.getLocalAddress());
            assertEquals(0xb8, ((BypassSocketChannel) c).stackConnection().dscpEcn());
            c.setOption(StandardSocketOptions.IP_TOS, 0x2b);
            assertEquals(0x28, ((BypassSocketChannel) c).stackConnection().dscpEcn(), "ECN bits stay the stack's");
        }
    }
}
