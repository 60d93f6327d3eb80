package io.bypass.samples.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The report's command line.
 *
 * @param root           the repository (bin/bypass, the provider's drop-in jar)
 * @param out            where the JSON file and the plot go
 * @param targets        target ids to run
 * @param sizeBytes      ping-pong message size
 * @param roundTrips     ping-pong round trips measured (as many before, unmeasured, and more until the JIT is idle)
 * @param bulkBytes      bytes of the bulk transfer, measured
 * @param bulkWarmupBytes bytes sent on the same connection before the measured part: enough
 *                       for the JIT to compile the per-segment code (see {@link #DEFAULT_BULK_WARMUP_BYTES})
 * @param connections    connections of the connection rate (a tenth as many before, unmeasured, and more until the JIT is idle)
 * @param spinMicros     Bypass's selector spin ({@code bin/bypass --spin})
 * @param repeat         runs of every measurement, the sides taking turns; the run with the
 *                       median figure is reported (see {@link TargetResult#get})
 * @param childTimeoutMs longest a child JVM may run
 */
record ReportOptions(Path root, Path out, Set<String> targets, int sizeBytes, int roundTrips, long bulkBytes,
                     long bulkWarmupBytes, int connections, int spinMicros, int repeat, long childTimeoutMs) {
    /**
     * The bulk transfer's unmeasured start, 2 GiB whatever the measured size: Bypass's data
     * path is Java, compiled by C2 only after some 10,000 calls of its per-segment methods, and
     * a 64 KiB segment a call means about a GiB before that (measured between two JVMs over the
     * shm link, 256 MiB timed: after 32 MiB 2.7-3.8 Gbit/s, still in C1's profiling code while C2
     * compiles on the same two CPUs; after 1 GiB 5-10; after 2 GiB 13-20, the kernel 8-12
     * alongside). The JDK's kernel path is native code and needs none of it; both sides get the
     * same warm-up, so the figure compares steady states. {@code --bulk-warmup-mib} sets it.
     */
    static final long DEFAULT_BULK_WARMUP_BYTES = 2L << 30;

    /** The usage text. */
    static final String USAGE = """
            usage: report [--quick] [--targets a,b,c] [--size BYTES] [--rtt N] [--bulk-mib N | --bulk-bytes N]
                          [--bulk-warmup-mib N] [--connections N] [--spin MICROS] [--out DIR] [--root DIR]
              defaults: all targets, 64 B x 100000 round trips, 1024 MiB bulk after 2048 MiB unmeasured,
                        5000 connections after 500 (and all three after more until the JIT is idle), spin 50 us,
                        --repeat 3 (each measurement three times, the sides taking turns; the run
                        with the median p50, Gbit/s or rate is reported, and every run's figure listed),
                        --out ROOT/target/report, --root the working directory
              --quick:  20000 round trips, 64 MiB, 1000 connections, --repeat 1 (bin/build demo)
              targets:  a  in-JVM loopback link vs kernel loopback, one JVM
                        b  shm link between two JVMs vs kernel loopback between two JVMs
                        c  DPDK net_af_xdp vs the kernel, kernel peer in a namespace (root)
              a and b also measure the kernel's round trip with busy-polling selectors (latency --busy-poll)""";

    /**
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException naming the bad argument
     */
    static ReportOptions parse(String[] args) {
        Path root = Path.of("").toAbsolutePath();
        Path out = null;
        Set<String> targets = Set.of("a", "b", "c");
        int size = 64;
        int rtt = 100_000;
        long bulk = 1L << 30;
        long bulkWarmup = DEFAULT_BULK_WARMUP_BYTES;
        int connections = 5_000;
        int spin = 50;
        int repeat = 3;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                rtt = 20_000;
                bulk = 64L << 20;
                connections = 1_000;
                repeat = 1;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a.startsWith("--") ? a + " needs a value" : "unknown argument '" + a + "'");
            }
            String v = args[++i];
            switch (a) {
                case "--root" -> root = Path.of(v).toAbsolutePath();
                case "--out" -> out = Path.of(v).toAbsolutePath();
                case "--targets" -> targets = targets(v);
                case "--size" -> size = (int) number(a, v, 1, 1 << 20);
                case "--rtt" -> rtt = (int) number(a, v, 1, 100_000_000);
                case "--bulk-mib" -> bulk = number(a, v, 1, 1 << 20) << 20;
                case "--bulk-bytes" -> bulk = number(a, v, 1, Long.MAX_VALUE);
                case "--bulk-warmup-mib" -> bulkWarmup = number(a, v, 0, 1 << 20) << 20;
                case "--connections" -> connections = (int) number(a, v, 1, 10_000_000);
                case "--spin" -> spin = (int) number(a, v, 0, 10_000_000);
                case "--repeat" -> repeat = (int) number(a, v, 1, 99);
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        return new ReportOptions(root, out != null ? out : root.resolve("target/report"), targets, size, rtt, bulk,
                bulkWarmup, connections, spin, repeat, 600_000);
    }

    private static Set<String> targets(String v) {
        List<String> ids = List.of(v.split(","));
        for (String id : ids) {
            if (!Set.of("a", "b", "c").contains(id)) {
                throw new IllegalArgumentException("--targets '" + v + "': expected ids among a, b, c");
            }
        }
        return Set.copyOf(ids);
    }

    private static long number(String what, String text, long min, long max) {
        long v;
        try {
            v = Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "': expected a whole number");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " '" + text + "': must be " + min + ".." + max);
        }
        return v;
    }
}
