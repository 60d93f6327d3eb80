package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
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
    /** Per side label: what it measured, every run in order. */
    private final Map<String, Map<Workload, List<Measurement>>> measured = new HashMap<>();
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

    /** Adds a run of one side's measurement. */
    void add(Side side, Measurement m) {
        measured.computeIfAbsent(side.label(), k -> new EnumMap<>(Workload.class))
                .computeIfAbsent(m.workload(), k -> new ArrayList<>()).add(m);
    }

    /**
     * The run that stands for a side's measurement: the one with the median
     * {@link Measurement#headline()}; of an even number of runs, the worse of the middle two
     * (the higher p50, the lower rate), on every side alike. All the figures of a row come from
     * that one run, so a p99 is never from another run than its p50.
     *
     * @return the run ({@code null} side: a side the target does not have), or null when not measured
     */
    Measurement get(Side side, Workload w) {
        List<Measurement> all = runs(side, w);
        if (all.isEmpty()) {
            return null;
        }
        Comparator<Measurement> lower = Comparator.comparingDouble(Measurement::headline);
        List<Measurement> bestFirst = new ArrayList<>(all);
        bestFirst.sort(w == Workload.RTT ? lower : lower.reversed());
        return bestFirst.get(bestFirst.size() / 2);
    }

    /** @return every run of a side's measurement, in the order they ran (empty: none, or no such side) */
    List<Measurement> runs(Side side, Workload w) {
        Map<Workload, List<Measurement>> m = side == null ? null : measured.get(side.label());
        List<Measurement> runs = m == null ? null : m.get(w);
        return runs == null ? List.of() : runs;
    }
}
