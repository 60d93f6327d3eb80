package io.bypass.samples.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bypass.samples.latency.Workload;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The report as JSON: the run's settings and machine, then per target its status (and
 * reason), per figure the kernel's value (selectors block), the kernel's with busy-polling
 * selectors ({@code kernelBusyPoll}, round trip only), Bypass's, and Bypass's ratio to each
 * kernel baseline ({@code ratio}, {@code ratioVsBusyPoll}; null where not measured), and the
 * round-trip percentiles of every side.
 */
final class ReportJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReportJson() {
    }

    /**
     * Writes {@code report.json}-style output to {@code file}.
     *
     * @param cacheLineBeforeNs the {@link CacheLineProbe} round trip before the targets ran (-1: one CPU)
     * @param cacheLineAfterNs  and after
     */
    static void write(Path file, List<TargetResult> results, ReportOptions o, String plotFile, long cacheLineBeforeNs,
                      long cacheLineAfterNs) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("generated", Instant.now().toString());
        ObjectNode machine = root.putObject("machine");
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        ObjectNode cacheLine = machine.putObject("cacheLineRoundTripNs");
        cacheLine.put("before", cacheLineBeforeNs);
        cacheLine.put("after", cacheLineAfterNs);
        ObjectNode config = root.putObject("config");
        config.put("sizeBytes", o.sizeBytes());
        config.put("roundTrips", o.roundTrips());
        config.put("bulkBytes", o.bulkBytes());
        config.put("bulkWarmupBytes", o.bulkWarmupBytes());
        config.put("connections", o.connections());
        config.put("bypassSpinMicros", o.spinMicros());
        config.put("repeat", o.repeat());
        config.put("runs", "each measurement ran 'repeat' times, the sides taking turns; the figures are from"
                + " the run with the median headline (round-trip p50, Gbit/s, connections per second), and 'runs'"
                + " lists every run's headline per side, in the order they ran, with the cache-line round trip"
                + " measured just before and after it");
        config.put("kernelBusyPoll", "the kernel side's round trip measured again with busy-polling selectors"
                + " (latency tool --busy-poll), targets a and b");
        root.put("ratio", "how many times better Bypass is than the kernel (> 1: Bypass better); ratio: vs the kernel"
                + " whose selectors block in select(), ratioVsBusyPoll: vs the kernel whose selectors busy-poll");
        root.put("plot", plotFile);
        ArrayNode targets = root.putArray("targets");
        for (TargetResult r : results) {
            ObjectNode t = targets.addObject();
            t.put("id", r.target().id());
            t.put("title", r.target().title());
            t.put("status", r.status().name().toLowerCase(Locale.ROOT));
            t.put("reason", r.reason());
            ObjectNode figures = t.putObject("figures");
            for (Row row : Row.of(r, o)) {
                ObjectNode f = figures.putObject(row.key());
                f.put("unit", row.unit());
                f.put("kernel", row.kernel());
                f.put("kernelBusyPoll", row.kernelBusyPoll());
                f.put("bypass", row.bypass());
                f.put("ratio", row.ratio());
                f.put("ratioVsBusyPoll", row.ratioVsBusyPoll());
            }
            Target target = r.target();
            ObjectNode runs = t.putObject("runs");
            for (Workload w : Workload.values()) {
                for (Side side : target.sides(w)) {
                    List<TargetResult.Run> all = r.runs(side, w);
                    if (!all.isEmpty()) {
                        ArrayNode values = runs.with(jsonName(side)).putArray(w.label());
                        for (TargetResult.Run run : all) {
                            ObjectNode v = values.addObject();
                            v.put("headline", run.measurement().headline());
                            v.put("cacheLineBeforeNs", run.cacheLineBeforeNs());
                            v.put("cacheLineAfterNs", run.cacheLineAfterNs());
                        }
                    }
                }
            }
            ObjectNode percentiles = t.putObject("rttPercentilesUs");
            for (Side side : new Side[] {target.kernel(), target.kernelBusyPoll(), target.bypass()}) {
                if (r.get(side, Workload.RTT) instanceof Measurement.Rtt rtt) {
                    ObjectNode p = percentiles.putObject(jsonName(side));
                    for (double q : new double[] {50, 90, 99, 99.9, 99.99}) {
                        p.put("p" + (q == Math.rint(q) ? Integer.toString((int) q) : Double.toString(q)), rtt.us(q));
                    }
                    p.put("max", rtt.histogram().getMaxValue() / 1000.0);
                    p.put("count", rtt.histogram().getTotalCount());
                }
            }
        }
        MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }

    /** @return {@code kernel}, {@code kernelBusyPoll} or {@code bypass}: the figures' names for the side */
    private static String jsonName(Side side) {
        return side.bypass() ? "bypass" : side.busyPoll() ? "kernelBusyPoll" : "kernel";
    }
}
