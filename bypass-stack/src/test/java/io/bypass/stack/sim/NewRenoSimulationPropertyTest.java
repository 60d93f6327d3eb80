package io.bypass.stack.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.tcp.CongestionAlgorithm;
import io.bypass.stack.tcp.TcpConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end property of {@link TcpSimulationPropertyTest} (which runs the default,
 * CUBIC) with NewReno selected, over the same faulty segments: both algorithms must deliver
 * every byte once and in order.
 */
class NewRenoSimulationPropertyTest {
    private static final int SEEDS = Integer.getInteger("bypass.sim.newreno.seeds", 200);
    private static final long LIMIT_NS = 3_600_000_000_000L;

    @Test
    void newRenoDeliversEveryByteOverFaultySeeds() {
        List<String> failures = new ArrayList<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            TcpConfig tcp = TcpConfig.defaults().toBuilder()
                    .isnSecret(seed, ~seed)
                    .portSeed(seed)
                    .timeWaitNs(2_000_000_000L)
                    .congestionAlgorithm(CongestionAlgorithm.NEW_RENO)
                    .build();
            // The same transfer sizes as TcpSimulationPropertyTest.scenarioFor draws.
            SplittableRandom r = new SplittableRandom(seed);
            TransferScenario.Result result = new TransferScenario(TcpSimulationPropertyTest.faultsFor(seed), seed,
                    1 + r.nextLong(256 * 1024), r.nextLong(128 * 1024), tcp).run(LIMIT_NS);
            if (!result.completed()) {
                failures.add("seed " + seed + ": " + result.failure());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + SEEDS + " NewReno seeds failed:\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }
}
