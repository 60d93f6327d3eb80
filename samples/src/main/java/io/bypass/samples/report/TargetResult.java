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

    /**
     * One run of a side's measurement, with the {@link CacheLineProbe} round trip just before
     * and just after it: the host's placement of the two CPUs changes the shm link's round trip
     * with it, and it changes within seconds.
     *
     * @param measurement       what the run measured
     * @param cacheLineBeforeNs the probe's median before the run (-1: one CPU)
     * @param cacheLineAfterNs  and after
     */
    record Run(Measurement measurement, long cacheLineBeforeNs, long cacheLineAfterNs) {
    }

    private final Target target;
    /** Per side label: what it measured, every run in order. */
    private final Map<String, Map<Workload, List<Run>>> measured = new HashMap<>();
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
    void add(Side side, Run run) {
        measured.computeIfAbsent(side.label(), k -> new EnumMap<>(Workload.class))
                .computeIfAbsent(run.measurement().workload(), k -> new ArrayList<>()).add(run);
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
        List<Run> all = runs(side, w);
        if (all.isEmpty()) {
            return null;
        }
        Comparator<Measurement> lower = Comparator.comparingDouble(Measurement::headline);
        List<Measurement> bestFirst = all.stream().map(Run::measurement)
                .sorted(w == Workload.RTT ? lower : lower.reversed()).toList();
        return bestFirst.get(bestFirst.size() / 2);
    }

    /** @return every run of a side's measurement, in the order they ran (empty: none, or no such side) */
    List<Run> runs(Side side, Workload w) {
        Map<Workload, List<Run>> m = side == null ? null : measured.get(side.label());
        List<Run> runs = m == null ? null : m.get(w);
        return runs == null ? List.of() : runs;
    }
}
