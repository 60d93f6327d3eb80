package io.bypass.samples.report;

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
