package io.bypass.samples.latency;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.nio.channels.spi.SelectorProvider;
import java.util.Base64;
import java.util.Locale;

/**
 * The latency tool's entry point ({@code java -jar samples/target/latency.jar}, see
 * {@link ToolOptions#USAGE}). Plain java.nio through {@code SelectorProvider.provider()}:
 * under {@code bin/bypass} the channels are Bypass's, without it the kernel's.
 *
 * <p>Besides its human-readable lines the client prints one {@code result} line of
 * {@code key=value} fields (the histogram as HdrHistogram's compressed, base64 form) for the
 * benchmark report; the server prints {@code listening on ADDRESS} once it is bound.
 */
public final class LatencyTool {
    private LatencyTool() {
    }

    /**
     * @param args see {@link ToolOptions#USAGE}
     * @throws Exception on a network failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(ToolOptions.USAGE);
            return;
        }
        ToolOptions o;
        try {
            o = ToolOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("latency: " + e.getMessage());
            System.err.println(ToolOptions.USAGE);
            System.exit(2);
            return;
        }
        SelectorProvider provider = SelectorProvider.provider();
        switch (o.role()) {
            case "server" -> {
                Server s = new Server(provider, o.address(), o.workload(), o.connections(), o.selectWait());
                System.out.println("listening on " + s.address() + " (" + o.workload().label()
                        + (o.selectWait() == SelectWait.BUSY_POLL ? ", busy-poll" : "") + ")");
                s.run();
            }
            case "client" -> runClient(new Client(provider, o.address()), o);
            default -> {
                Server s = new Server(provider, o.address(), o.workload(), 1, o.selectWait());
                Thread t = Thread.ofPlatform().name("latency-server").start(s);
                runClient(new Client(provider, s.address()), o);
                t.join();
            }
        }
    }

    private static void runClient(Client client, ToolOptions o) throws Exception {
        switch (o.workload()) {
            case RTT -> {
                Histogram h = client.rtt(o.size(), (int) o.warmup(), Math.toIntExact(o.count()), o.selectWait());
                System.out.printf(Locale.ROOT, "rtt %d B%s: p50 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us  (%d round trips)%n",
                        o.size(), o.selectWait() == SelectWait.BUSY_POLL ? ", busy-poll" : "", us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(99)),
                        us(h.getValueAtPercentile(99.9)), us(h.getMaxValue()), h.getTotalCount());
                System.out.printf(Locale.ROOT, "result workload=rtt size=%d count=%d p50Ns=%d p99Ns=%d p999Ns=%d maxNs=%d histogram=%s%n",
                        o.size(), h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                        h.getValueAtPercentile(99.9), h.getMaxValue(), encode(h));
            }
            case BULK -> {
                long ns = client.bulkNs(o.warmup(), o.count());
                System.out.printf(Locale.ROOT, "bulk: %d bytes in %.3f s = %.2f Gbit/s%n", o.count(), ns / 1e9,
                        o.count() * 8.0 / ns);
                System.out.printf(Locale.ROOT, "result workload=bulk bytes=%d ns=%d%n", o.count(), ns);
            }
            case CONNECT -> {
                int count = Math.toIntExact(o.count());
                long ns = client.connectNs((int) o.warmup(), count);
                System.out.printf(Locale.ROOT, "connect: %d connections in %.3f s = %.0f per second%n", count, ns / 1e9,
                        count * 1e9 / ns);
                System.out.printf(Locale.ROOT, "result workload=connect count=%d ns=%d%n", count, ns);
            }
        }
    }

    private static double us(long ns) {
        return ns / 1000.0;
    }

    /** HdrHistogram's own compressed form, so that the report can plot the whole distribution. */
    private static String encode(Histogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(b);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b.array(), n));
    }
}
