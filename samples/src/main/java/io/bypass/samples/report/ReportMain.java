package io.bypass.samples.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/build report} (and {@code bin/build demo}, with {@code --quick --targets a}):
 * runs the selected targets, prints progress and then the table, writes
 * {@code report.json} and {@code latency.png} to the output directory. Exits 1 when a
 * target failed (a skipped target is not a failure), 2 on a bad argument.
 */
public final class ReportMain {
    /** The JSON file's name in the output directory. */
    public static final String JSON = "report.json";
    /** The plot's name in the output directory. */
    public static final String PNG = "latency.png";

    private ReportMain() {
    }

    /**
     * @param args see {@link ReportOptions#USAGE}
     * @throws Exception on a failure to write the output
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(ReportOptions.USAGE);
            return;
        }
        ReportOptions o;
        try {
            o = ReportOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("report: " + e.getMessage());
            System.err.println(ReportOptions.USAGE);
            System.exit(2);
            return;
        }
        System.exit(run(o, System.out) ? 0 : 1);
    }

    /**
     * Runs the report.
     *
     * @param o        the settings
     * @param progress where progress and the table go
     * @return false when a target failed
     * @throws IOException if the output cannot be written
     * @throws InterruptedException if interrupted while a child runs
     */
    static boolean run(ReportOptions o, PrintStream progress) throws IOException, InterruptedException {
        // The plot is drawn off-screen; no display is needed or wanted.
        System.setProperty("java.awt.headless", "true");
        progress.printf(Locale.ROOT, "benchmark report: %d B x %,d round trips, bulk %,d bytes after %,d unmeasured, %,d connections;"
                        + " Bypass spins %d us; the kernel side blocks in select(), and busy-polls in a second round-trip"
                        + " measurement; %d CPUs, load average %.1f%n",
                o.sizeBytes(), o.roundTrips(), o.bulkBytes(), o.bulkWarmupBytes(), o.connections(), o.spinMicros(),
                Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        long cacheLineBeforeNs = CacheLineProbe.medianRoundTripNs();
        progress.printf(Locale.ROOT, "cache-line round trip between two spinning threads (the floor under a round trip"
                + " between processes over shared memory; on a VM it depends on where the host runs its CPUs): %d ns%n",
                cacheLineBeforeNs);
        Runner runner = new Runner(o, progress);
        List<TargetResult> results = new ArrayList<>();
        for (Target t : Targets.all(o.spinMicros())) {
            if (o.targets().contains(t.id())) {
                results.add(runner.run(t));
            }
        }
        long cacheLineAfterNs = CacheLineProbe.medianRoundTripNs();
        progress.printf(Locale.ROOT, "cache-line round trip at the end: %d ns (at the start: %d ns)%n", cacheLineAfterNs,
                cacheLineBeforeNs);
        progress.println();
        progress.print(ReportTable.format(results, o));
        Files.createDirectories(o.out());
        Path png = o.out().resolve(PNG);
        boolean plotted;
        try {
            plotted = LatencyPlot.write(png, results, o);
        } catch (RuntimeException | java.awt.AWTError | UnsatisfiedLinkError e) {
            // Headless AWT still needs fontconfig and a font to draw text; say so instead of failing.
            progress.println("plot not written (" + e + "); on Debian: apt-get install fontconfig fonts-dejavu-core");
            plotted = false;
        }
        Path json = o.out().resolve(JSON);
        ReportJson.write(json, results, o, plotted ? PNG : null, cacheLineBeforeNs, cacheLineAfterNs);
        progress.println();
        progress.println("written: " + json + (plotted ? ", " + png : " (no round trip measured, no plot)"));
        return results.stream().noneMatch(r -> r.status() == TargetResult.Status.FAILED);
    }
}
