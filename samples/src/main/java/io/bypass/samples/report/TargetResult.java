package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * A target's outcome: measured (both sides, every workload), skipped (its link or the
 * environment is not available, with the reason), or failed (with the reason and whatever
 * was measured before).
 */
final class TargetResult {
    /** What happened to a target. */
    enum Status { MEASURED, SKIPPED, FAILED }

    private final Target target;
    /** Per side label: what it measured. */
    private final Map<String, Map<Workload, Measurement>> measured = new HashMap<>();
    private Status status = Status.MEASURED;
    private String reason;

    TargetResult(Target target) {
        this.target = target;
    }

    Target target() {
        return target;
    }

    Status status() {
        return status;
    }

    /** @return why it was skipped or failed, else null */
    String reason() {
        return reason;
    }

    void skip(String why) {
        status = Status.SKIPPED;
        reason = why;
    }

    void fail(String why) {
        status = Status.FAILED;
        reason = why;
    }

    void put(Side side, Measurement m) {
        measured.computeIfAbsent(side.label(), k -> new EnumMap<>(Workload.class)).put(m.workload(), m);
    }

    /** @return the measurement of one side ({@code null}: a side the target does not have), or null */
    Measurement get(Side side, Workload w) {
        Map<Workload, Measurement> m = side == null ? null : measured.get(side.label());
        return m == null ? null : m.get(w);
    }
}
