package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.wire.Ipv4Address;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bypass.link} with a real device: two providers in this JVM, each with its own link
 * engine on one end of a shared-memory link (as two JVMs would be), {@code a} at 10.9.0.1
 * and {@code b} at 10.9.0.2. Covers routing to the link stack, a wildcard listener that
 * accepts from the link and from in-JVM loopback clients at once, the counters, the errors
 * at start, and the allocation-free steady state on the link path.
 */
class LinkProviderTest {
    private static final int A_IP = Ipv4Address.parse("10.9.0.1");
    private static final int B_IP = Ipv4Address.parse("10.9.0.2");

    @TempDir
    Path dir;

    private BypassSelectorProvider provider(String link, int ip, String rules) {
        return new BypassSelectorProvider(BypassConfig.fromSystemProperties().withLink(link, ip)
                .withRules(Rules.parse(rules, "test")));
    }

    /** Both ends of one link file: [0] is a, [1] is b. */
    private BypassSelectorProvider[] pair(String rulesA, String rulesB) {
        String file = dir.resolve("link").toString();
        BypassSelectorProvider a = provider("shm:" + file + "?side=0", A_IP, rulesA);
        return new BypassSelectorProvider[] {a, provider("shm:" + file + "?side=1", B_IP, rulesB)};
    }

    private static void shutdown(BypassSelectorProvider[] ps) {
        for (BypassSelectorProvider p : ps) {
            p.shutdown();
        }
    }

    private static void exchange(SocketChannel from, SocketChannel to, String text) throws Exception {
        from.write(ByteBuffer.wrap(text.getBytes()));
        ByteBuffer in = ByteBuffer.allocate(text.length());
        while (in.hasRemaining()) {
            assertTrue(to.read(in) >= 0);
        }
        assertEquals(text, new String(in.array()));
    }

    @Test
    void connectToThePeersAddressGoesOverTheLinkWithRealAddresses() throws Exception {
        BypassSelectorProvider[] ps = pair("connect 10.9.0.0/24 *", "bind * *");
        try (ServerSocketChannel ssc = ps[1].openServerSocketChannel().bind(new InetSocketAddress(0));
             SocketChannel c = ps[0].openSocketChannel()) {
            int port = ((InetSocketAddress) ssc.getLocalAddress()).getPort();
            c.connect(new InetSocketAddress(Addresses.inet(B_IP), port));
            try (SocketChannel s = ssc.accept()) {
                exchange(c, s, "over the link");
                exchange(s, c, "and back");
                InetSocketAddress clientLocal = (InetSocketAddress) c.getLocalAddress();
                assertEquals(Addresses.inet(A_IP), clientLocal.getAddress());
                assertEquals(new InetSocketAddress(Addresses.inet(A_IP), clientLocal.getPort()), s.getRemoteAddress());
                assertEquals(new InetSocketAddress(Addresses.inet(B_IP), port), s.getLocalAddress());
            }
            assertEquals(0, ps[0].kernelFallbacks() + ps[1].kernelFallbacks());
            assertTrue(ps[0].linkCounter(LinkCounter.TX_FRAMES) > 0 && ps[1].linkCounter(LinkCounter.RX_FRAMES) > 0);
            assertTrue(ps[1].counter(Counter.TCP_PASSIVE_OPENS) == 1 && ps[0].counter(Counter.TCP_ACTIVE_OPENS) == 1);
            String stats = ps[1].statsLine();
            assertTrue(stats.contains("accelerated=true") && stats.contains(" LINK_RX_FRAMES="), stats);
        } finally {
            shutdown(ps);
        }
    }

    /**
     * The link stack's own address is not the kernel's: binding a listener or a client to it
     * must not ask the kernel for that address (the kernel refuses it: "Cannot assign
     * requested address"), only reserve the port.
     */
    @Test
    void listenerAndClientBoundToTheLinkStacksOwnAddressesTalkOverTheLink() throws Exception {
        BypassSelectorProvider[] ps = pair("connect 10.9.0.0/24 *", "bind 10.9.0.2 *");
        try (ServerSocketChannel ssc = ps[1].openServerSocketChannel()
                .bind(new InetSocketAddress(Addresses.inet(B_IP), 0));
             SocketChannel c = ps[0].openSocketChannel().bind(new InetSocketAddress(Addresses.inet(A_IP), 0))) {
            InetSocketAddress listening = (InetSocketAddress) ssc.getLocalAddress();
            assertEquals(Addresses.inet(B_IP), listening.getAddress());
            assertTrue(listening.getPort() > 0, listening.toString());
            InetSocketAddress bound = (InetSocketAddress) c.getLocalAddress();
            assertEquals(Addresses.inet(A_IP), bound.getAddress());
            c.connect(listening);
            try (SocketChannel s = ssc.accept()) {
                exchange(c, s, "from the link address");
                assertEquals(bound, s.getRemoteAddress());
                assertEquals(bound, c.getLocalAddress());
            }
            assertEquals(0, ps[0].kernelFallbacks() + ps[1].kernelFallbacks());
            assertEquals(1, ps[1].counter(Counter.TCP_PASSIVE_OPENS));
        } finally {
            shutdown(ps);
        }
    }

    /**
     * A JVM that exits leaves its connections to its link stack, which delivers what they still
     * owe, as the kernel does for an exiting process ({@code bypass.exit.linger}): b writes
     * 4 MiB and exits without closing; a reads all of it and then the end of the stream. Without
     * it, b's stack would stop with most of the data in its send buffer and a would wait for the
     * rest, and for the FIN, forever.
     */
    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void atExitTheLinkStackDeliversWhatItsConnectionsStillOweThenTheFin() throws Exception {
        BypassSelectorProvider[] ps = pair("bind * *", "connect 10.9.0.0/24 *");
        byte[] data = new byte[4 << 20];
        new SplittableRandom(5).nextBytes(data);
        try (LinkEcho link = LinkEcho.connect(ps[1], ps[0], A_IP)) {
            SocketChannel c = link.client();
            SocketChannel s = link.server();
            CompletableFuture<byte[]> received =
                    CompletableFuture.supplyAsync(() -> readToEnd(s));
            c.write(ByteBuffer.wrap(data));
            ps[1].atExit();
            assertTrue(Arrays.equals(data, received.get(30, TimeUnit.SECONDS)),
                    "a got every byte b wrote before it exited, then the FIN");
            assertEquals(0, ps[1].counter(Counter.TCP_ABORTS));
        } finally {
            shutdown(ps);
        }
    }

    /**
     * With {@code bypass.exit.linger=0}, what an exiting JVM still owes is reset at once, so the
     * peer is told rather than left waiting: b fills a's closed window and exits; a reads what
     * arrived, then gets the reset.
     */
    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void atExitWithoutLingerWhatIsStillOwedIsResetAndThePeerIsTold() throws Exception {
        Properties props = new Properties();
        props.setProperty("bypass.exit.linger", "0");
        String file = dir.resolve("link").toString();
        BypassSelectorProvider a = provider("shm:" + file + "?side=0", A_IP, "bind * *");
        BypassSelectorProvider b = new BypassSelectorProvider(BypassConfig.from(props)
                .withLink("shm:" + file + "?side=1", B_IP).withRules(Rules.parse("connect 10.9.0.0/24 *", "test")));
        BypassSelectorProvider[] ps = {a, b};
        try (LinkEcho link = LinkEcho.connect(b, a, A_IP)) {
            SocketChannel c = link.client();
            SocketChannel s = link.server();
            // a does not read: b's data fills a's window and b's send buffer, and stays unacknowledged.
            c.configureBlocking(false);
            long written = WindowFill.untilClosed(c, 200);
            b.atExit();
            long read = 0;
            ByteBuffer in = ByteBuffer.allocate(256 * 1024);
            IOException reset = null;
            try {
                for (int n; (n = s.read(in.clear())) >= 0; ) {
                    read += n;
                }
            } catch (IOException e) {
                reset = e;
            }
            assertNotNull(reset, "a read the end of the stream instead of the reset, after " + read + " bytes");
            assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
            assertTrue(read < written, read + " of " + written + " bytes arrived: some were still owed");
            assertEquals(1, b.counter(Counter.TCP_ABORTS));
        } finally {
            shutdown(ps);
        }
    }

    private static byte[] readToEnd(SocketChannel s) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        try {
            while (s.read(buf.clear()) >= 0) {
                all.write(buf.array(), 0, buf.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toByteArray();
    }

    /** As under Onload: a wildcard listener serves remote clients and in-JVM loopback ones, through one selector. */
    @Test
    void wildcardListenerAcceptsFromTheLinkAndFromLoopbackClientsThroughOneSelector() throws Exception {
        BypassSelectorProvider[] ps = pair("connect 10.9.0.0/24 *", "bind * *");
        try (ServerSocketChannel ssc = ps[1].openServerSocketChannel().bind(new InetSocketAddress(0));
             Selector sel = ps[1].openSelector();
             SocketChannel remote = ps[0].openSocketChannel();
             SocketChannel local = ps[1].openSocketChannel()) {
            int port = ((InetSocketAddress) ssc.getLocalAddress()).getPort();
            ssc.configureBlocking(false);
            ssc.register(sel, SelectionKey.OP_ACCEPT);
            remote.connect(new InetSocketAddress(Addresses.inet(B_IP), port));
            local.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Set<InetAddress> peers = new HashSet<>();
            long giveUpNs = System.nanoTime() + 30_000_000_000L;
            while (peers.size() < 2 && System.nanoTime() - giveUpNs < 0) {
                sel.select(1000);
                sel.selectedKeys().clear();
                for (SocketChannel s = ssc.accept(); s != null; s = ssc.accept()) {
                    peers.add(((InetSocketAddress) s.getRemoteAddress()).getAddress());
                    s.close();
                }
            }
            assertEquals(Set.of(Addresses.inet(A_IP), InetAddress.getLoopbackAddress()), peers);
            assertEquals(0, ps[1].kernelFallbacks());
        } finally {
            shutdown(ps);
        }
    }

    @Test
    void blockingAcceptOverBothStacksEndsWhenTheChannelIsClosed() throws Exception {
        BypassSelectorProvider[] ps = pair("", "bind * *");
        try {
            ServerSocketChannel ssc = ps[1].openServerSocketChannel().bind(new InetSocketAddress(0));
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                    ssc.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThrows(java.nio.channels.AsynchronousCloseException.class, ssc::accept);
            closer.join();
        } finally {
            shutdown(ps);
        }
    }

    @Test
    void routingSendsOnlyWhatTheLinkReachesToItsStack() throws Exception {
        BypassSelectorProvider p = provider("shm:" + dir.resolve("one") + "?side=0", A_IP, "connect * *\nbind * *");
        try {
            StackEngine onLink = p.connectEngine(new InetSocketAddress(Addresses.inet(B_IP), 80));
            assertNotNull(onLink);
            assertTrue(!onLink.isLoopback());
            assertNull(p.connectEngine(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 80)),
                    "outside 10.9.0.0/24 and no gateway: the kernel");
            assertTrue(p.connectEngine(new InetSocketAddress(InetAddress.getLoopbackAddress(), 80)).isLoopback());
            assertEquals(2, p.bindEngines(new InetSocketAddress(0)).length, "wildcard: both stacks");
            assertSame(onLink, p.bindEngines(new InetSocketAddress(Addresses.inet(A_IP), 0))[0]);
            assertEquals(0, p.bindEngines(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 0)).length);
        } finally {
            p.shutdown();
        }
    }

    @Test
    void unknownLinkIsABadSettingNamingThePropertyAndTheKnownLinks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> provider("nic:eth0", A_IP, "bind * *"));
        assertTrue(e.getMessage().startsWith("bypass.link='nic:eth0': ") && e.getMessage().contains("shm:<path>")
                && e.getMessage().contains("tap:<ifname>"), e.getMessage());
    }

    @Test
    void linkThatCannotStartFailsAtStartSayingWhatToDo() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> provider("shm:" + dir.resolve("no/such/dir/link"), A_IP, "bind * *"));
        assertTrue(e.getMessage().contains("cannot start") && e.getMessage().contains("bypass.link.fallback=kernel"),
                e.getMessage());
    }

    @Test
    void withKernelFallbackALinkThatCannotStartLeavesEveryChannelOnTheKernel() throws Exception {
        Properties props = new Properties();
        props.setProperty("bypass.link", "shm:" + dir.resolve("no/such/dir/link"));
        props.setProperty("bypass.link.fallback", "kernel");
        props.setProperty("bypass.rules.inline", "bind * *");
        BypassSelectorProvider p = new BypassSelectorProvider(BypassConfig.from(props));
        try (ServerSocketChannel ssc = p.openServerSocketChannel()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            assertEquals(1, p.kernelFallbacks(), "even a loopback bind with a rule");
            assertTrue(p.statsLine().contains("accelerated=false") && p.statsLine().contains("linkDown=true"),
                    p.statsLine());
        } finally {
            p.shutdown();
        }
    }

    /** One thread drives both providers' selectors; frames cross the shm link between them. */
    @Test
    void steadyStateOverTheLinkAllocatesNothing() throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        threads.setThreadAllocatedMemoryEnabled(true);
        BypassSelectorProvider[] ps = pair("connect 10.9.0.0/24 *", "bind * *");
        try (ServerSocketChannel ssc = ps[1].openServerSocketChannel().bind(new InetSocketAddress(0));
             SocketChannel c = ps[0].openSocketChannel(); Selector selA = ps[0].openSelector();
             Selector selB = ps[1].openSelector()) {
            c.connect(new InetSocketAddress(Addresses.inet(B_IP), ((InetSocketAddress) ssc.getLocalAddress()).getPort()));
            SocketChannel s = ssc.accept();
            c.configureBlocking(false);
            s.configureBlocking(false);
            c.register(selA, SelectionKey.OP_READ);
            s.register(selB, SelectionKey.OP_READ);
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            ByteBuffer in = ByteBuffer.allocateDirect(64);
            int[] echoed = new int[1];
            Consumer<SelectionKey> echo = k -> {
                try {
                    SocketChannel ch = (SocketChannel) k.channel();
                    in.clear();
                    int n = ch.read(in);
                    if (ch == s && n > 0) {
                        in.flip();
                        s.write(in);
                    } else if (n > 0) {
                        echoed[0] += n;
                    }
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            };
            Runnable pingPong = () -> {
                try {
                    out.clear();
                    c.write(out);
                    int want = echoed[0] + 64;
                    while (echoed[0] < want) {
                        selB.selectNow(echo);
                        selA.selectNow(echo);
                    }
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            };
            for (int i = 0; i < 20_000; i++) {
                pingPong.run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                pingPong.run();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // A contended stack lock (the link engine's helper polls too) allocates a 32-byte
            // queue node now and then: a few hundred of them on a loaded machine. Anything
            // allocated per round trip is at least one 16-byte object each time, 320,000 bytes:
            // so the bound is one byte per round trip on average.
            assertTrue(allocated < 20_000, allocated + " bytes allocated by 20,000 round trips over the link");
            s.close();
        } finally {
            shutdown(ps);
        }
    }
}
