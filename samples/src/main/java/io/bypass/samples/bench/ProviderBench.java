package io.bypass.samples.bench;

import io.bypass.provider.BypassConfig;
import io.bypass.provider.BypassSelectorProvider;
import io.bypass.samples.latency.PingPong;
import io.bypass.samples.latency.SelectWait;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Measures, in one run: the 64-byte ping-pong round trip of a selector-driven NIO client
 * and server, on the JDK's provider over kernel loopback (event loops blocking in
 * {@code select()}, and busy-polling with {@code selectNow()}: the fair baseline for a
 * spinning Bypass) and on Bypass over the in-JVM loopback link (selectors spin 50 us by
 * default, as the latency profile), as p50/p99 and Bypass's ratio to each kernel line; and
 * the cost of a select, and of a round trip, with 10,000 idle accelerated channels
 * registered against 10. Needs {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}.
 *
 * <p>The benchmark report ({@code bin/build report}) runs the selector ping-pong in fresh JVMs
 * of the unmodified latency tool, with bulk throughput and connection rate beside it; this
 * benchmark stays for what needs one JVM and the provider's API: blocking channels, and
 * select cost with thousands of idle keys.
 */
public final class ProviderBench {
    /**
     * Round trips before measuring: enough for the JIT to compile the stack's and the
     * provider's paths with C2 (at 20,000 the first Bypass measurement of a JVM ran partly in
     * C1 code, 6.7 us p50 against 2.1 us for the same loop later in the run).
     */
    private static final int WARMUP = 100_000;
    /** Alternating runs of the select-cost measurement, see {@link #selectNowNs(SelectorProvider, int, int)}. */
    private static final int SELECT_RUNS = 5;
    private static final int ROUNDS = 100_000;
    private static final int SIZE = 64;

    private ProviderBench() {
    }

    /**
     * Runs every measurement and prints one line each.
     *
     * @param args optional: round trips to measure (default 100,000), then the selector spin
     *             time in microseconds (default 50, the latency profile; 0 blocks at once), then
     *             {@code bypass.pin}: CPUs the spinning selectors are pinned to in turn (e.g.
     *             {@code 0,1}: client and server selector each on a CPU of its own)
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : ROUNDS;
        int spinUs = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        String pin = args.length > 2 ? args[2] : null;
        System.out.printf("%d round trips of %d bytes, bypass selectors spin %d us%s, %d CPUs%n", rounds, SIZE, spinUs,
                pin == null ? "" : ", pinned to CPUs " + pin, Runtime.getRuntime().availableProcessors());
        SelectorProvider jdk = SelectorProvider.provider();
        BypassSelectorProvider bypass = new BypassSelectorProvider(config(spinUs, 256 * 1024, pin));
        Histogram k = pingPong(jdk, 0, rounds, SelectWait.BLOCK);
        Histogram kp = pingPong(jdk, 0, rounds, SelectWait.BUSY_POLL);
        Histogram b = pingPong(bypass, 0, rounds, SelectWait.BLOCK);
        report("jdk kernel loopback", k);
        report("jdk kernel loopback, busy-polling selectors", kp);
        report("bypass loopback link", b);
        ratio("jdk/bypass", k, b);
        ratio("jdk busy-polling/bypass", kp, b);
        Histogram kb = blockingPingPong(jdk, rounds);
        Histogram bb = blockingPingPong(bypass, rounds);
        report("jdk kernel loopback, blocking channels", kb);
        report("bypass loopback link, blocking channels", bb);
        ratio("jdk/bypass", kb, bb);
        bypass.shutdown();

        // Many connections: small send buffers so that 10,000 pairs fit in memory.
        BypassSelectorProvider many = new BypassSelectorProvider(config(spinUs, 4096, pin));
        double[] cost = selectNowNs(many, 10, 10_000);
        System.out.printf("selectNow with 10 idle keys: %.0f ns, with 10,000: %.0f ns, ratio %.2f"
                + " (each the best of %d alternating runs)%n", cost[0], cost[1], cost[1] / cost[0], SELECT_RUNS);
        Histogram rFew = pingPong(many, 10, rounds, SelectWait.BLOCK);
        Histogram rLots = pingPong(many, 10_000, rounds, SelectWait.BLOCK);
        report("bypass rtt, 10 idle keys in the server's selector", rFew);
        report("bypass rtt, 10,000 idle keys in the server's selector", rLots);
        System.out.printf("rtt ratio 10,000 idle / 10 idle: p50 %.2f%n",
                (double) rLots.getValueAtPercentile(50) / rFew.getValueAtPercentile(50));
        many.shutdown();
    }

    private static void ratio(String what, Histogram jdk, Histogram bypass) {
        System.out.printf("rtt ratio %s: p50 %.1fx  p99 %.1fx%n", what,
                (double) jdk.getValueAtPercentile(50) / bypass.getValueAtPercentile(50),
                (double) jdk.getValueAtPercentile(99) / bypass.getValueAtPercentile(99));
    }

    /** Blocking 64-byte ping-pong: a thread per side, blocking reads (which spin first on Bypass). */
    private static Histogram blockingPingPong(SelectorProvider p, int rounds) throws Exception {
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        try (ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            SocketChannel s = ssc.accept();
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            int total = WARMUP + rounds;
            Thread server = Thread.ofPlatform().name("bench-blocking-server").start(() -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
                try {
                    for (int i = 0; i < total; i++) {
                        buf.clear();
                        while (buf.hasRemaining()) {
                            if (s.read(buf) < 0) {
                                return;
                            }
                        }
                        buf.flip();
                        s.write(buf);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
            for (int i = 0; i < total; i++) {
                long t0 = System.nanoTime();
                buf.clear();
                c.write(buf);
                buf.clear();
                while (buf.hasRemaining()) {
                    if (c.read(buf) < 0) {
                        throw new IOException("server closed");
                    }
                }
                if (i >= WARMUP) {
                    h.recordValue(System.nanoTime() - t0);
                }
            }
            server.join();
            s.close();
        }
        return h;
    }

    private static BypassConfig config(int spinUs, int sndbuf, String pin) {
        Properties p = new Properties();
        if (pin != null) {
            p.setProperty("bypass.pin", pin);
        }
        p.setProperty("bypass.rules.inline", "bind * *");
        p.setProperty("bypass.spin", Integer.toString(spinUs));
        p.setProperty("bypass.sndbuf", Integer.toString(sndbuf));
        return BypassConfig.from(p);
    }

    private static void report(String what, Histogram h) {
        System.out.printf("%-55s p50 %6.1f us  p99 %6.1f us  p99.9 %6.1f us  (%d round trips)%n", what,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getTotalCount());
    }

    private static ServerSocketChannel listen(SelectorProvider p) throws IOException {
        ServerSocketChannel ssc = p.openServerSocketChannel();
        ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 20_000);
        return ssc;
    }

    /** Opens {@code n} idle connections; returns both ends of each. */
    private static List<SocketChannel> idle(SelectorProvider p, ServerSocketChannel ssc, int n) throws IOException {
        List<SocketChannel> all = new ArrayList<>(2 * n);
        for (int i = 0; i < n; i++) {
            SocketChannel c = p.openSocketChannel();
            c.connect(ssc.getLocalAddress());
            SocketChannel s = ssc.accept();
            s.configureBlocking(false);
            all.add(c);
            all.add(s);
        }
        return all;
    }

    private static void closeAll(List<SocketChannel> all) throws IOException {
        for (SocketChannel c : all) {
            c.close();
        }
    }

    /**
     * The cost of a selectNow that finds nothing, with {@code fewKeys} and with {@code manyKeys}
     * idle keys registered (two selectors over idle connections of one provider): runs of a
     * million calls each, alternating between the two, and the best run of each, so that load
     * from other processes, which only ever adds time, affects both alike.
     *
     * @return nanoseconds per call: {with fewKeys, with manyKeys}
     */
    private static double[] selectNowNs(SelectorProvider p, int fewKeys, int manyKeys) throws IOException {
        try (ServerSocketChannel ssc = listen(p); Selector few = p.openSelector(); Selector many = p.openSelector()) {
            List<SocketChannel> all = idle(p, ssc, fewKeys + manyKeys);
            for (int i = 1; i < all.size(); i += 2) {
                all.get(i).register(i < 2 * fewKeys ? few : many, SelectionKey.OP_READ);
            }
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
            Selector[] sels = {few, many};
            for (int run = 0; run < SELECT_RUNS; run++) {
                for (int k = 0; k < 2; k++) {
                    best[k] = Math.min(best[k], selectNowNs(sels[k]));
                }
            }
            closeAll(all);
            return best;
        }
    }

    /** @return the average cost of a million selectNow calls on {@code sel}, after 200,000 to warm up */
    private static double selectNowNs(Selector sel) throws IOException {
        for (int i = 0; i < 200_000; i++) {
            sel.selectNow();
        }
        int calls = 1_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            sel.selectNow();
        }
        return (System.nanoTime() - t0) / (double) calls;
    }

    /**
     * Selector-driven 64-byte ping-pong; the server's selector also holds {@code idleKeys} idle
     * keys; both event loops wait as {@code wait} says (Bypass's selectors spin before they
     * block whichever it is).
     */
    private static Histogram pingPong(SelectorProvider p, int idleKeys, int rounds, SelectWait wait) throws Exception {
        Histogram h;
        try (ServerSocketChannel ssc = listen(p); Selector serverSel = p.openSelector();
             Selector clientSel = p.openSelector()) {
            List<SocketChannel> all = idle(p, ssc, idleKeys);
            for (int i = 1; i < all.size(); i += 2) {
                all.get(i).register(serverSel, SelectionKey.OP_READ);
            }
            SocketChannel c = p.openSocketChannel();
            c.connect(ssc.getLocalAddress());
            SocketChannel s = ssc.accept();
            for (SocketChannel ch : List.of(c, s)) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.configureBlocking(false);
            }
            SelectionKey serverKey = s.register(serverSel, SelectionKey.OP_READ);
            c.register(clientSel, SelectionKey.OP_READ);
            int total = WARMUP + rounds;
            Thread server = Thread.ofPlatform().name("bench-server").start(() -> echo(serverSel, serverKey, total, wait));
            // The client loop is the latency tool's (the benchmark report runs the same one in child JVMs).
            h = PingPong.measure(c, clientSel, SIZE, WARMUP, rounds, wait);
            server.join();
            c.close();
            s.close();
            closeAll(all);
        }
        return h;
    }

    private static void echo(Selector sel, SelectionKey key, int total, SelectWait wait) {
        SocketChannel s = (SocketChannel) key.channel();
        ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
        try {
            for (int i = 0; i < total; i++) {
                buf.clear();
                while (buf.hasRemaining()) {
                    wait.select(sel);
                    sel.selectedKeys().clear();
                    if (s.read(buf) < 0) {
                        return;
                    }
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    s.write(buf);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
