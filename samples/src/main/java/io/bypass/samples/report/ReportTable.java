package io.bypass.samples.report;

import java.util.List;
import java.util.Locale;

/** The report as a text table, one block per target. */
final class ReportTable {
    private ReportTable() {
    }

    /** @return the table, lines ending in newlines */
    static String format(List<TargetResult> results, ReportOptions o) {
        StringBuilder b = new StringBuilder();
        b.append("ratio: how many times better Bypass is than the kernel (> 1: Bypass better)\n");
        for (TargetResult r : results) {
            b.append('\n').append('(').append(r.target().id()).append(") ").append(r.target().title()).append('\n');
            if (r.status() == TargetResult.Status.SKIPPED) {
                b.append("    skipped: ").append(r.reason()).append('\n');
                continue;
            }
            b.append(String.format(Locale.ROOT, "    %-32s %8s %12s %12s %8s%n", "", "unit", "kernel", "bypass", "ratio"));
            for (Row row : Row.of(r, o)) {
                b.append(String.format(Locale.ROOT, "    %-32s %8s %12s %12s %8s%n", row.label(), row.unit(),
                        value(row.kernel()), value(row.bypass()),
                        row.ratio() == null ? "-" : String.format(Locale.ROOT, "%.2fx", row.ratio())));
            }
            if (r.status() == TargetResult.Status.FAILED) {
                b.append("    failed: ").append(r.reason()).append('\n');
            }
        }
        return b.toString();
    }

    private static String value(Double v) {
        if (v == null) {
            return "-";
        }
        return v >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
