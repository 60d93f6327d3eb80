package io.bypass.samples.report;

import io.bypass.samples.latency.LatencyTool;
import io.bypass.samples.latency.ToolOptions;
import io.bypass.samples.latency.Workload;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one {@link Target}: checks that its environment and link are available (else it is
 * skipped, with the reason), then for each workload the kernel side (for the round trip
 * also with busy-polling selectors) and the Bypass side back to back, so that all see the
 * same machine load. Each measurement runs fresh JVMs of the latency tool; nothing of the
 * report runs inside them.
 */
final class Runner {
    /** The children's heap: the same for both sides; the tool's buffers are small and reused. */
    private static final List<String> JVM_FLAGS = List.of("-Xms256m", "-Xmx1g");
    private static final Pattern LISTENING = Pattern.compile("^listening on .*:(\\d+) ");
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final ReportOptions options;
    private final PrintStream progress;
    private final String classPath;
    private final Path java = Path.of(System.getProperty("java.home"), "bin", "java");

    Runner(ReportOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
        this.classPath = codeSource(LatencyTool.class) + File.pathSeparator + codeSource(Histogram.class);
    }

    /** @return the class-path entry (directory or jar) a class was loaded from */
    private static String codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    TargetResult run(Target t) throws InterruptedException {
        TargetResult r = new TargetResult(t);
        progress.printf("(%s) %s%n", t.id(), t.title());
        if (t.namespace()) {
            String why = Namespace.unavailableReason();
            if (why != null) {
                return skipped(r, why);
            }
        }
        Namespace ns = null;
        try {
            if (t.namespace()) {
                ns = Namespace.create();
            }
            if (t.probe() != null) {
                progress.println("  probing the link: bin/bypass " + String.join(" ", t.probe()));
                String why = probe(t, ns);
                if (why != null) {
                    return skipped(r, "the link is not available: " + why);
                }
            }
            int step = 0;
            int steps = 0;
            for (Workload w : Workload.values()) {
                steps += t.sides(w).size() * options.repeat();
            }
            for (Workload w : Workload.values()) {
                // The sides take turns, run after run, so that a change of the machine's pace
                // (README: the VM's placement) falls on all of them alike.
                for (int run = 1; run <= options.repeat(); run++) {
                    for (Side side : t.sides(w)) {
                        progress.printf("  [%d/%d] %s, %s%s%n", ++step, steps, w.label(), side.label(),
                                options.repeat() > 1 ? " (run " + run + " of " + options.repeat() + ")" : "");
                        long lineBeforeNs = CacheLineProbe.medianRoundTripNs();
                        Measurement m = measure(t, side, w, ns);
                        long lineAfterNs = CacheLineProbe.medianRoundTripNs();
                        progress.printf("        cache-line round trip before / after: %d / %d ns%n", lineBeforeNs,
                                lineAfterNs);
                        r.add(side, new TargetResult.Run(m, lineBeforeNs, lineAfterNs));
                    }
                }
            }
        } catch (IOException e) {
            r.fail(e.getMessage());
            progress.println("  failed: " + e.getMessage());
        } finally {
            if (ns != null) {
                ns.close();
            }
        }
        return r;
    }

    private TargetResult skipped(TargetResult r, String why) {
        r.skip(why);
        progress.println("  skipped: " + why);
        return r;
    }

    /** @return null when the provider started and bound a listener, else why not */
    private String probe(Target t, Namespace ns) throws IOException, InterruptedException {
        String run = nextRun();
        List<String> cmd = jvm(t.probe(), ns, run);
        cmd.add(Probe.class.getName());
        try (Child c = Child.start(cmd, null, progress)) {
            try {
                return c.finish(60_000) == 0 ? null : c.failureReason();
            } catch (IOException e) {
                return "the probe " + e.getMessage();
            }
        } finally {
            deleteRunFiles(t, ns, run);
        }
    }

    private Measurement measure(Target t, Side side, Workload w, Namespace ns) throws IOException, InterruptedException {
        String run = nextRun();
        try {
            return measure(t, side, w, ns, run);
        } finally {
            deleteRunFiles(t, ns, run);
        }
    }

    private Measurement measure(Target t, Side side, Workload w, Namespace ns, String run)
            throws IOException, InterruptedException {
        List<String> load = new ArrayList<>(workloadArgs(w));
        if (side.busyPoll()) {
            load.add(ToolOptions.BUSY_POLL);
        }
        if (!t.twoJvms()) {
            List<String> cmd = jvm(side.clientLauncher(), ns, run);
            cmd.add(LatencyTool.class.getName());
            cmd.add("both");
            cmd.addAll(load);
            try (Child c = Child.start(cmd, "        | ", progress)) {
                Measurement m = result(c, "");
                prove(c, side.clientLauncher(), "");
                return m;
            }
        }
        List<String> server = new ArrayList<>();
        if (side.serverInNamespace()) {
            server.addAll(ns.exec());
        }
        server.addAll(jvm(side.serverLauncher(), ns, run));
        server.addAll(List.of(LatencyTool.class.getName(), "server", "0", "--bind", side.serverBind(),
                "--workload", w.label(), "--connections", "1"));
        if (side.busyPoll()) {
            server.add(ToolOptions.BUSY_POLL);
        }
        try (Child s = Child.start(server, "        server | ", progress)) {
            Matcher m = s.awaitLine(LISTENING, 60_000);
            List<String> client = jvm(side.clientLauncher(), ns, run);
            client.addAll(List.of(LatencyTool.class.getName(), "client", side.connectHost(), m.group(1)));
            client.addAll(load);
            Measurement result;
            try (Child c = Child.start(client, "        client | ", progress)) {
                result = result(c, "client ");
                prove(c, side.clientLauncher(), "client ");
            }
            if (s.finish(30_000) != 0) {
                throw new IOException("server " + s.failureReason());
            }
            prove(s, side.serverLauncher(), "server ");
            return result;
        }
    }

    /** Fails the measurement when a Bypass JVM's stats line does not show it ran on Bypass ({@link StatsProof}). */
    private static void prove(Child c, List<String> launcher, String who) throws IOException {
        if (launcher == null) {
            return;
        }
        String problem = StatsProof.problem(c.statsLine(), launcher);
        if (problem != null) {
            throw new IOException(who + "not measured on Bypass: " + problem);
        }
    }

    /** Deletes what a measurement's or probe's JVMs left behind ({@link Target#runFiles}). */
    private void deleteRunFiles(Target t, Namespace ns, String run) throws IOException {
        for (String f : substitute(t.runFiles(), ns, run)) {
            Files.deleteIfExists(Path.of(f));
        }
    }

    private Measurement result(Child c, String who) throws IOException, InterruptedException {
        int exit = c.finish(options.childTimeoutMs());
        String line = c.resultLine();
        if (exit != 0 || line == null) {
            throw new IOException(who + "exit " + exit + ": " + c.failureReason());
        }
        return Measurement.parse(line);
    }

    private int warmupConnections() {
        return options.connections() / 10;
    }

    /**
     * The round trips of a measurement go after as many unmeasured ones: Bypass's per-message
     * path is Java, compiled by C2 only after tens of thousands of calls (with a fifth as many,
     * the in-JVM p50 of a fresh JVM was 6.3 us where the same loop runs at 2-3 us warm); the
     * kernel's side gets the same.
     */
    private List<String> workloadArgs(Workload w) {
        return switch (w) {
            case RTT -> List.of("--workload", "rtt", "--size", Integer.toString(options.sizeBytes()),
                    "--count", Integer.toString(options.roundTrips()), "--warmup", Integer.toString(options.roundTrips()));
            case BULK -> List.of("--workload", "bulk", "--count", Long.toString(options.bulkBytes()),
                    "--warmup", Long.toString(options.bulkWarmupBytes()));
            case CONNECT -> List.of("--workload", "connect", "--count", Integer.toString(options.connections()),
                    "--warmup", Integer.toString(warmupConnections()));
        };
    }

    /**
     * @return {@code java} with the children's flags and class path, under bin/bypass when
     *         {@code launcher} is set (with {@code --stats}, for {@link StatsProof})
     */
    private List<String> jvm(List<String> launcher, Namespace ns, String run) {
        List<String> cmd = new ArrayList<>();
        if (launcher != null) {
            cmd.add(options.root().resolve("bin/bypass").toString());
            cmd.add("--stats");
            cmd.addAll(substitute(launcher, ns, run));
        }
        cmd.add(java.toString());
        cmd.addAll(JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(classPath);
        return cmd;
    }

    /** @return a token for {@code ${run}}, shared by the JVMs of one measurement */
    private static String nextRun() {
        return ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
    }

    private static List<String> substitute(List<String> launcher, Namespace ns, String run) {
        List<String> out = new ArrayList<>();
        for (String a : launcher) {
            a = a.replace("${run}", run);
            if (ns != null) {
                a = a.replace("${ns}", ns.name()).replace("${ifname}", ns.hostIfname());
            }
            out.add(a);
        }
        return out;
    }
}
