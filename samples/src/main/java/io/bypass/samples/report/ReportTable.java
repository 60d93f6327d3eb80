package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;

import java.util.List;
import java.util.Locale;

/** The report as a text table, one block per target. */
final class ReportTable {
    private static final String LINE = "    %-32s %8s %12s %18s %12s %10s %13s%n";

    private ReportTable() {
    }

    /** @return the table, lines ending in newlines */
    static String format(List<TargetResult> results, ReportOptions o) {
        StringBuilder b = new StringBuilder();
        b.append("ratio: how many times better Bypass is than the kernel (> 1: Bypass better),\n")
                .append("       vs the kernel whose selectors block in select() and vs the kernel whose selectors\n")
                .append("       busy-poll with selectNow() (latency tool --busy-poll)\n");
        for (TargetResult r : results) {
            b.append('\n').append('(').append(r.target().id()).append(") ").append(r.target().title()).append('\n');
            if (r.status() == TargetResult.Status.SKIPPED) {
                b.append("    skipped: ").append(r.reason()).append('\n');
                continue;
            }
            b.append(String.format(Locale.ROOT, LINE, "", "unit", "kernel", Side.KERNEL_BUSY_POLL, "bypass",
                    "vs kernel", "vs busy-poll"));
            for (Row row : Row.of(r, o)) {
                b.append(String.format(Locale.ROOT, LINE, row.label(), row.unit(), value(row.kernel()),
                        value(row.kernelBusyPoll()), value(row.bypass()), ratio(row.ratio()),
                        ratio(row.ratioVsBusyPoll())));
            }
            if (o.repeat() > 1) {
                appendRuns(b, r);
            }
            b.append(r.target().kernelBusyPoll() != null
                    ? "    " + Side.KERNEL_BUSY_POLL + ": round trip only; for bulk and connection rate the client's"
                            + " calls block and a\n    busy-polling server only takes a core from it, so the kernel's"
                            + " blocking figures are its best\n"
                    : "    " + Side.KERNEL_BUSY_POLL + ": not measured for this target\n");
            if (r.status() == TargetResult.Status.FAILED) {
                b.append("    failed: ").append(r.reason()).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * One line per workload: every run's headline figure, per side, in the order they ran, each
     * with the cache-line round trips before and after it.
     */
    private static void appendRuns(StringBuilder b, TargetResult r) {
        Target t = r.target();
        for (Workload w : Workload.values()) {
            StringBuilder line = new StringBuilder();
            for (Side side : t.sides(w)) {
                List<TargetResult.Run> runs = r.runs(side, w);
                if (runs.isEmpty()) {
                    continue;
                }
                line.append(line.isEmpty() ? "" : " | ").append(side.label()).append(' ');
                line.append(String.join(", ", runs.stream().map(ReportTable::run).toList()));
            }
            if (!line.isEmpty()) {
                b.append("    runs, ").append(headline(w)).append(": ").append(line).append('\n');
            }
        }
    }

    /** @return a run's headline, and the cache-line round trips in ns around it in brackets */
    private static String run(TargetResult.Run run) {
        return value(run.measurement().headline()) + " [" + run.cacheLineBeforeNs() + "/" + run.cacheLineAfterNs() + "]";
    }

    /** @return what {@link Measurement#headline()} is for the workload */
    private static String headline(Workload w) {
        return switch (w) {
            case RTT -> "rtt p50 us";
            case BULK -> "bulk Gbit/s";
            case CONNECT -> "connections per s";
        };
    }

    private static String ratio(Double ratio) {
        return ratio == null ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private static String value(Double v) {
        if (v == null) {
            return "-";
        }
        return v >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
