package io.bypass.stack.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.tcp.TcpConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The engine's end-to-end property: over many seeds, two full stacks on a segment that
 * loses, reorders, duplicates, corrupts and delays frames deliver every byte exactly once
 * and in order both ways, close cleanly, and leak no frame. A failing seed is printed with
 * its faults so that {@link #replay} reproduces it.
 */
class TcpSimulationPropertyTest {
    private static final int SEEDS = Integer.getInteger("bypass.sim.seeds", 1000);
    private static final long LIMIT_NS = 3_600_000_000_000L;

    /**
     * Faults drawn from the seed: up to 10% loss, with reordering, duplication and
     * corruption, an MTU of 576, 1500 or 9000, half of the runs rate-limited and some of
     * those with a tail-dropping queue (congestion losses on top of random ones).
     */
    static LinkFaults faultsFor(long seed) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 1);
        int[] mtus = {576, 1500, 1500, 9000};
        long delayNs = 5_000 + r.nextLong(2_000_000);
        return LinkFaults.perfect()
                .withMtu(mtus[r.nextInt(mtus.length)])
                .withDelay(delayNs, r.nextLong(delayNs / 4 + 1))
                .withLoss(r.nextDouble() * 0.10)
                .withDuplication(r.nextDouble() * 0.05)
                .withReordering(r.nextDouble() * 0.20, 1 + r.nextLong(2 * delayNs))
                .withCorruption(r.nextDouble() * 0.02)
                .withBandwidth(r.nextBoolean() ? 0 : 10_000_000L + r.nextLong(10_000_000_000L),
                        r.nextBoolean() ? 0 : 16_384 + r.nextLong(256 * 1024));
    }

    static TransferScenario scenarioFor(long seed, LinkFaults faults) {
        SplittableRandom r = new SplittableRandom(seed);
        TcpConfig tcp = TcpConfig.defaults().toBuilder()
                .isnSecret(seed, ~seed)
                .portSeed(seed)
                .timeWaitNs(2_000_000_000L)
                .build();
        return new TransferScenario(faults, seed, 1 + r.nextLong(256 * 1024), r.nextLong(128 * 1024), tcp);
    }

    static TransferScenario.Result replay(long seed) {
        return scenarioFor(seed, faultsFor(seed)).run(LIMIT_NS);
    }

    @Test
    void everyByteArrivesOnceInOrderBothWaysAndBothSidesCloseOverManyFaultySeeds() {
        List<String> failures = new ArrayList<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            TransferScenario.Result result = replay(seed);
            if (!result.completed()) {
                failures.add("seed " + seed + " (" + faultsFor(seed) + "): " + result.failure()
                        + "\n  segment: " + result.segment());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + SEEDS + " seeds failed; replay one with a"
                + " segment trace: java -cp bypass-stack/target/classes:bypass-stack/target/test-classes"
                + " io.bypass.stack.sim.ReplaySeed <seed>\n" + String.join("\n", failures.subList(0,
                Math.min(20, failures.size()))));
    }
}
