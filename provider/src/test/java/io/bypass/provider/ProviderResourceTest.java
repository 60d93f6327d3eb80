package io.bypass.provider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Resources of our provider: frames come back when everything is closed, and the
 * steady-state select/read/write path allocates nothing. Each test has its own provider,
 * hence its own stacks and frame pools.
 */
class ProviderResourceTest {
    private static BypassSelectorProvider fresh() {
        return new BypassSelectorProvider(BypassConfig.fromSystemProperties().withRules(Rules.parse("bind * *", "test")));
    }

    private static ServerSocketChannel listen(BypassSelectorProvider p) throws Exception {
        ServerSocketChannel ssc = p.openServerSocketChannel();
        ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ssc;
    }

    @Test
    void closingEveryChannelReturnsEveryFrameToItsPool() throws Exception {
        BypassSelectorProvider p = fresh();
        try {
            List<SocketChannel> all = new ArrayList<>();
            try (ServerSocketChannel ssc = listen(p)) {
                for (int i = 0; i < 20; i++) {
                    SocketChannel c = p.openSocketChannel();
                    c.connect(ssc.getLocalAddress());
                    SocketChannel s = ssc.accept();
                    // Unread data on both sides, one side aborted: every path that holds frames.
                    c.write(ByteBuffer.allocate(3000));
                    s.write(ByteBuffer.allocate(100));
                    if (i % 2 == 0) {
                        s.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                    }
                    all.add(c);
                    all.add(s);
                }
                for (SocketChannel c : all) {
                    c.close();
                }
            }
            StackEngine e = p.engineIfStarted();
            // Frames may still be in flight on the wire until the helper has run both stacks.
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (e.framesInUse() != 0 && System.nanoTime() - deadlineNs < 0) {
                e.tryProgress(System.nanoTime());
                Thread.sleep(10);
            }
            assertEquals(0, e.framesInUse());
        } finally {
            p.shutdown();
        }
    }

    /**
     * A server that has not yet read the short requests of thousands of connections (they
     * wait for their turn at the selector) must not run the loopback link's receive frames
     * dry: with only the 64 KiB frames of the 64 KiB loopback MTU, 2,000 connections with 100
     * unread bytes each did, and waited for retransmission timeouts. Short segments arrive in
     * copybreak frames (InMemoryLink), so nothing is dropped or resent.
     */
    @Test
    @Timeout(60) // without copybreak the drops back off exponentially: minutes, not a second
    void thousandsOfShortUnreadRequestsNeedNoRetransmission() throws Exception {
        BypassSelectorProvider p = fresh();
        int connections = 3000;
        try (ServerSocketChannel ssc = listen(p)) {
            ssc.socket().setReceiveBufferSize(64 * 1024);
            List<SocketChannel> all = new ArrayList<>();
            List<SocketChannel> accepted = new ArrayList<>();
            ByteBuffer request = ByteBuffer.allocate(100);
            for (int i = 0; i < connections; i++) {
                SocketChannel c = p.openSocketChannel();
                c.connect(ssc.getLocalAddress());
                all.add(c);
                accepted.add(ssc.accept());
            }
            for (SocketChannel c : all) {
                c.write(request.clear());
            }
            ByteBuffer in = ByteBuffer.allocate(200);
            long read = 0;
            for (SocketChannel s : accepted) {
                in.clear();
                while (in.position() < 100 && s.read(in) >= 0) {
                    Thread.onSpinWait();
                }
                read += in.position();
            }
            assertEquals(100L * connections, read);
            assertEquals(0, p.counter(io.bypass.stack.Counter.TCP_RETRANSMITS), "no request was dropped and resent");
            for (SocketChannel c : all) {
                c.close();
            }
            for (SocketChannel s : accepted) {
                s.close();
            }
        } finally {
            p.shutdown();
        }
    }

    /**
     * A 64 KiB write at the loopback's 64 KiB MSS is two segments, a full one and a 75-byte
     * tail, each in a receive frame of its own. A window that promised a full segment per frame
     * let a writer whose reader does not read send twice what the frames hold, and the rest was
     * declined and came back only after retransmission timeouts (bulk at 0.3 Gbit/s in half the
     * runs of the benchmark report). The window now promises half a segment per loopback frame.
     */
    @Test
    void aStreamOfFullSegmentsAndShortTailsStopsAtItsWindowWithNothingDeclined() throws Exception {
        BypassSelectorProvider p = fresh();
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            // The buffer auto-tuning reaches under bulk, so that the frames, not the buffer, bound the window.
            ssc.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                c.configureBlocking(false);
                long written = WindowFill.untilClosed(c, 100);
                System.out.printf("loopback, reader not reading: %,d bytes written before the window closed%n", written);
                assertEquals(0, p.counter(io.bypass.stack.Counter.TCP_RX_DROP_MEMORY), "segments declined for want of a frame");
                ByteBuffer in = ByteBuffer.allocate(1 << 20);
                long read = 0;
                while (read < written) {
                    int n = s.read(in.clear());
                    read += n;
                }
                assertEquals(written, read);
                assertEquals(0, p.counter(io.bypass.stack.Counter.TCP_RETRANSMITS), "nothing was declined and resent");
            }
        } finally {
            p.shutdown();
        }
    }

    /**
     * Found by compat-tests (10,000 Netty connections): with the engine's 256 KiB default send
     * ring, allocated when a connection opens, 10,000 connection pairs in one JVM needed 5 GiB
     * of direct memory and ran out of it (its limit is the heap size). The kernel holds no
     * send memory for an idle socket; we start small, as Linux does (tcp_wmem), and let the
     * engine's auto-tuning grow a ring when the congestion window wants it.
     */
    @Test
    void idleConnectionsHoldLittleDirectMemory() throws Exception {
        java.lang.management.BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(
                java.lang.management.BufferPoolMXBean.class).stream().filter(b -> b.getName().equals("direct"))
                .findFirst().orElseThrow();
        BypassSelectorProvider p = fresh();
        int pairs = 500;
        List<SocketChannel> all = new ArrayList<>();
        try (ServerSocketChannel ssc = listen(p)) {
            // The first pair starts the engine, whose frame pools are direct memory too.
            SocketChannel first = p.openSocketChannel();
            first.connect(ssc.getLocalAddress());
            all.add(first);
            all.add(ssc.accept());
            long before = direct.getMemoryUsed();
            for (int i = 0; i < pairs; i++) {
                SocketChannel c = p.openSocketChannel();
                c.connect(ssc.getLocalAddress());
                all.add(c);
                all.add(ssc.accept());
            }
            long perSocket = (direct.getMemoryUsed() - before) / (2L * pairs);
            System.out.println("direct memory per idle accelerated socket: " + perSocket + " bytes");
            assertTrue(perSocket <= 32 * 1024, perSocket + " bytes of direct memory per idle socket");
        } finally {
            for (SocketChannel c : all) {
                c.close();
            }
            p.shutdown();
        }
    }

    @Test
    void steadyStateSelectReadAndWriteAllocateNothing() throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        BypassSelectorProvider p = fresh();
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel();
             Selector sel = p.openSelector()) {
            c.connect(ssc.getLocalAddress());
            SocketChannel s = ssc.accept();
            c.configureBlocking(false);
            s.configureBlocking(false);
            SelectionKey ck = c.register(sel, SelectionKey.OP_READ);
            SelectionKey sk = s.register(sel, SelectionKey.OP_READ);
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
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            };
            boolean[] useSelectedSet = new boolean[1];
            // One round trip, driven by select(Consumer) or by select() and the selected-key set
            // (looked up and removed by key: iterating would allocate the application's iterator).
            Runnable pingPong = () -> {
                try {
                    out.clear();
                    c.write(out);
                    int want = echoed[0] + 64;
                    while (echoed[0] < want) {
                        if (!useSelectedSet[0]) {
                            sel.select(echo, 0);
                            continue;
                        }
                        sel.select();
                        java.util.Set<SelectionKey> selected = sel.selectedKeys();
                        if (selected.remove(sk)) {
                            echo.accept(sk);
                        }
                        if (selected.remove(ck)) {
                            echo.accept(ck);
                        }
                    }
                    useSelectedSet[0] = !useSelectedSet[0];
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
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
            // A lock handed over by the helper thread may allocate one queue node (32 bytes);
            // anything per round trip would be well over 20,000 bytes.
            assertTrue(allocated < 2_048, allocated + " bytes allocated by 20,000 round trips");
            s.close();
        } finally {
            p.shutdown();
        }
    }
}
