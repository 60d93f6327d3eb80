package io.bypass.stack.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Runs each benchmark body in this JVM and reports the thread's CPU time per operation next
 * to the wall-clock time: on a machine shared with other work (CI, a 2-core box running
 * builds) wall time counts the time the thread waited for a core, CPU time does not. JMH's
 * figures are the reference; this is the cross-check for a busy machine
 * ({@code bin/build bench -- --cpu}). Caches shared with other processes still cost
 * something, so CPU time is an upper bound on the engine's cost, not an exact one.
 */
final class CpuTimeRun {
    private static final long WARM_UP_NS = 4_000_000_000L;
    private static final long MEASURE_NS = 4_000_000_000L;

    private CpuTimeRun() {
    }

    static void run() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%-34s %-22s %12s %12s %22s%n", "benchmark (in-process)", "params", "wall ns/op",
                "cpu ns/op", "result (cpu)");
        for (boolean offload : new boolean[] {true, false}) {
            RoundTripBenchmark rt = new RoundTripBenchmark();
            rt.checksumOffload = offload;
            rt.setUp();
            report(threads, "RoundTripBenchmark.roundTrip", "offload=" + offload, rt::roundTrip);
        }
        for (int mtu : new int[] {1500, 9000}) {
            for (boolean offload : new boolean[] {true, false}) {
                BulkTransferBenchmark bulk = new BulkTransferBenchmark();
                bulk.mtu = mtu;
                bulk.checksumOffload = offload;
                bulk.setUp();
                report(threads, "BulkTransferBenchmark.transfer", "offload=" + offload + " mtu=" + mtu,
                        bulk::transfer);
            }
        }
        ConnectionBenchmark connections = new ConnectionBenchmark();
        connections.setUp();
        report(threads, "ConnectionBenchmark.openAndClose", "", connections::openAndClose);
    }

    private static void report(ThreadMXBean threads, String name, String params, LongSupplier body) {
        long sink = 0;
        long until = System.nanoTime() + WARM_UP_NS;
        while (System.nanoTime() - until < 0) {
            sink += body.getAsLong();
        }
        long ops = 0;
        long wallStart = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        until = wallStart + MEASURE_NS;
        while (System.nanoTime() - until < 0) {
            sink += body.getAsLong();
            ops++;
        }
        double wallNs = (System.nanoTime() - wallStart) / (double) ops;
        double cpuNs = (threads.getCurrentThreadCpuTime() - cpuStart) / (double) ops;
        System.out.printf(Locale.ROOT, "%-34s %-22s %12.1f %12.1f %22s%n", name, params, wallNs, cpuNs,
                BenchMain.derived(name, cpuNs));
        if (sink == 42) {
            System.out.print("");
        }
    }
}
