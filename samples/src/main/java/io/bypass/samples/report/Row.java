package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One figure of a target, on every side, with Bypass's advantage over each kernel baseline:
 * {@code ratio > 1} means Bypass is better (kernel time / Bypass time for latencies, Bypass
 * rate / kernel rate for throughputs).
 *
 * @param key            the JSON name
 * @param label          the table's name
 * @param unit           of the values
 * @param kernel         the kernel's value (selectors block), or null when not measured
 * @param kernelBusyPoll the kernel's value with busy-polling selectors, or null when not measured
 * @param bypass         Bypass's value, or null when not measured
 * @param lowerIsBetter  a latency (else a rate)
 */
record Row(String key, String label, String unit, Double kernel, Double kernelBusyPoll, Double bypass,
           boolean lowerIsBetter) {
    /** @return how many times better Bypass is than the kernel whose selectors block, or null */
    Double ratio() {
        return ratio(kernel);
    }

    /** @return how many times better Bypass is than the kernel with busy-polling selectors, or null */
    Double ratioVsBusyPoll() {
        return ratio(kernelBusyPoll);
    }

    private Double ratio(Double baseline) {
        if (baseline == null || bypass == null || baseline == 0 || bypass == 0) {
            return null;
        }
        return lowerIsBetter ? baseline / bypass : bypass / baseline;
    }

    /** @return the rows of a target, in table order */
    static List<Row> of(TargetResult r, ReportOptions o) {
        List<Row> rows = new ArrayList<>();
        String rtt = "rtt " + o.sizeBytes() + " B ";
        rows.add(row(r, Workload.RTT, "rttP50Us", rtt + "p50", "us", true, m -> ((Measurement.Rtt) m).us(50)));
        rows.add(row(r, Workload.RTT, "rttP99Us", rtt + "p99", "us", true, m -> ((Measurement.Rtt) m).us(99)));
        rows.add(row(r, Workload.RTT, "rttP999Us", rtt + "p99.9", "us", true, m -> ((Measurement.Rtt) m).us(99.9)));
        rows.add(row(r, Workload.BULK, "bulkGbitPerS", "bulk " + bytes(o.bulkBytes()) + ", 1 connection", "Gbit/s", false,
                m -> ((Measurement.Bulk) m).gbitPerS()));
        rows.add(row(r, Workload.CONNECT, "connectionsPerS", "connect+accept+close", "per s", false,
                m -> ((Measurement.Connect) m).perSecond()));
        return rows;
    }

    private static Row row(TargetResult r, Workload w, String key, String label, String unit, boolean lowerIsBetter,
                           ToDoubleFunction<Measurement> value) {
        Target t = r.target();
        return new Row(key, label, unit, value(r.get(t.kernel(), w), value), value(r.get(t.kernelBusyPoll(), w), value),
                value(r.get(t.bypass(), w), value), lowerIsBetter);
    }

    private static Double value(Measurement m, ToDoubleFunction<Measurement> value) {
        return m == null ? null : value.applyAsDouble(m);
    }

    private static String bytes(long n) {
        return n % (1 << 20) == 0 ? (n >> 20) + " MiB" : n + " B";
    }
}
