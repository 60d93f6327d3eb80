package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;

import java.util.EnumMap;
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
    private final Map<Workload, Measurement> kernel = new EnumMap<>(Workload.class);
    private final Map<Workload, Measurement> bypass = new EnumMap<>(Workload.class);
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
        (side.bypass() ? bypass : kernel).put(m.workload(), m);
    }

    /** @return the measurement of one side, or null */
    Measurement get(boolean bypassSide, Workload w) {
        return (bypassSide ? bypass : kernel).get(w);
    }
}
