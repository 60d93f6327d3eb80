package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.wire.Ipv4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spinning on a link engine: a device is polled, not interrupt driven, so nothing of ours
 * delivers its frames to a spinning reader or selector but a poll. The spinner must make
 * that poll itself (when {@code Link.pending()} says frames wait, or at every look when the
 * device cannot tell, -1) rather than wait for the helper's backed-off one. Two providers
 * in this JVM on the two ends of a shared-memory link, once with its pending-frame hint
 * ({@code shm:}) and once with it hidden ({@code hintless:}, as TAP and DPDK are): a 64-byte
 * ping-pong whose waiters spin longer than the test must be served by the waiters' own
 * polls, and no waiter may park.
 */
class LinkSpinningTest {
    private static final int A_IP = Ipv4Address.parse("10.9.0.1");
    private static final int B_IP = Ipv4Address.parse("10.9.0.2");
    /** Ten seconds: longer than any wait here, so a served waiter never parks. */
    private static final int SPIN_FOREVER_US = 10_000_000;
    private static final int ROUND_TRIPS = 2_000;
    private static final int SIZE = 64;

    @TempDir
    Path dir;

    private BypassSelectorProvider provider(String scheme, int side, int ip) {
        return LinkEcho.provider(dir.resolve("link"), scheme, side, ip, SPIN_FOREVER_US);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "hintless"})
    void spinningBlockingReadersPollTheDeviceThemselves(String scheme) throws Exception {
        BypassSelectorProvider a = provider(scheme, 0, A_IP);
        BypassSelectorProvider b = provider(scheme, 1, B_IP);
        try (LinkEcho link = LinkEcho.connect(a, b, B_IP)) {
            SocketChannel c = link.client();
            SocketChannel s = link.server();
            CompletableFuture<Void> echo = link.blockingEcho(ROUND_TRIPS, SIZE);
            StackEngine linkA = a.linkEngine();
            StackEngine linkB = b.linkEngine();
            long aBefore = linkA.progressPollsWithWork();
            long bBefore = linkB.progressPollsWithWork();
            ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
            link.pingPong(buf, ROUND_TRIPS);
            echo.get(60, TimeUnit.SECONDS);
            long aPolls = linkA.progressPollsWithWork() - aBefore;
            long bPolls = linkB.progressPollsWithWork() - bBefore;
            System.out.printf("%s link, blocking ping-pong: %d round trips, waiters' polls that took frames:"
                    + " client side %d, server side %d%n", scheme, ROUND_TRIPS, aPolls, bPolls);
            // The helper alone would deliver them after its back-off (50 us to 1 ms): a waiter that
            // did not poll the device would take almost none.
            assertTrue(aPolls >= ROUND_TRIPS / 4 && bPolls >= ROUND_TRIPS / 4,
                    "waiters' polls with frames: client " + aPolls + ", server " + bPolls);
            assertEquals(0, ((BypassSocketChannel) c).waitParks());
            assertEquals(0, ((BypassSocketChannel) s).waitParks());
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "hintless"})
    void aSpinningSelectorPollsTheDeviceItself(String scheme) throws Exception {
        BypassSelectorProvider a = provider(scheme, 0, A_IP);
        BypassSelectorProvider b = provider(scheme, 1, B_IP);
        try (LinkEcho link = LinkEcho.connect(a, b, B_IP)) {
            SocketChannel c = link.client();
            SocketChannel s = link.server();
            s.configureBlocking(false);
            BypassSelector sel = (BypassSelector) b.openSelector();
            s.register(sel, SelectionKey.OP_READ);
            CompletableFuture<Void> echo = link.selectorEcho(sel, ROUND_TRIPS * SIZE, SIZE);
            StackEngine linkB = b.linkEngine();
            long bBefore = linkB.progressPollsWithWork();
            ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
            link.pingPong(buf, ROUND_TRIPS);
            echo.get(60, TimeUnit.SECONDS);
            long bPolls = linkB.progressPollsWithWork() - bBefore;
            System.out.printf("%s link, selector echo: %d round trips, selector's polls that took frames %d,"
                    + " selects that blocked %d%n", scheme, ROUND_TRIPS, bPolls, sel.blocks());
            assertTrue(bPolls >= ROUND_TRIPS / 4, "selector's polls with frames: " + bPolls);
            assertEquals(0, sel.blocks());
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    /**
     * A wildcard listener on both engines: a blocking accept that spins watches both (its event
     * count) and drives both, so it takes a connect from the link and one from an in-JVM
     * loopback client, and a close still ends it while it spins.
     */
    @Test
    void aSpinningAcceptOverBothEnginesTakesLinkAndLoopbackConnectsAndEndsOnClose() throws Exception {
        BypassSelectorProvider a = provider("hintless", 0, A_IP);
        BypassSelectorProvider b = provider("hintless", 1, B_IP);
        try (ServerSocketChannel ssc = b.openServerSocketChannel().bind(new InetSocketAddress(0));
             SocketChannel remote = a.openSocketChannel();
             SocketChannel local = b.openSocketChannel()) {
            int port = ((InetSocketAddress) ssc.getLocalAddress()).getPort();
            CompletableFuture<Set<InetAddress>> peers = CompletableFuture.supplyAsync(() -> {
                Set<InetAddress> from = new HashSet<>();
                try {
                    for (int i = 0; i < 2; i++) {
                        try (SocketChannel s = ssc.accept()) {
                            from.add(((InetSocketAddress) s.getRemoteAddress()).getAddress());
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return from;
            });
            remote.connect(new InetSocketAddress(Addresses.inet(B_IP), port));
            local.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertEquals(Set.of(Addresses.inet(A_IP), InetAddress.getLoopbackAddress()),
                    peers.get(30, TimeUnit.SECONDS));
            CompletableFuture<Throwable> ended = CompletableFuture.supplyAsync(() -> {
                try {
                    ssc.accept();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(100);
            ssc.close();
            assertInstanceOf(AsynchronousCloseException.class, ended.get(30, TimeUnit.SECONDS));
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }
}
