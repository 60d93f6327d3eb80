package io.bypass.stack.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.tcp.TcpConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end property of {@link TcpSimulationPropertyTest} under what TCP options are
 * for: large windows over paths with a high bandwidth-delay product (receive buffers up to
 * 4 MiB, so window scaling up to shift 7), timestamps and SACK each on or off, and a set of
 * runs at 30% loss. Every byte must arrive once and in order both ways, both sides close,
 * and no frame leaks. A failing seed is printed; {@link #replayLarge} and
 * {@link #replayLossy} reproduce it.
 */
class TcpOptionsSimulationPropertyTest {
    private static final int LARGE_SEEDS = Integer.getInteger("bypass.sim.largeWindowSeeds", 100);
    private static final int LOSSY_SEEDS = Integer.getInteger("bypass.sim.lossySeeds", 300);
    private static final long LIMIT_NS = 3_600_000_000_000L;

    /** Options drawn from the seed: window scaling mostly on, timestamps and SACK each on or off. */
    private static TcpConfig.Builder options(SplittableRandom r, long seed) {
        return TcpConfig.defaults().toBuilder()
                .isnSecret(seed, ~seed)
                .portSeed(seed)
                .timeWaitNs(2_000_000_000L)
                .windowScaling(r.nextInt(8) != 0)
                .timestamps(r.nextBoolean())
                .sack(r.nextBoolean());
    }

    /**
     * 100 Mbit/s to 10 Gbit/s, 1 to 20 ms one way, queues of 1 to 8 MiB, light random loss
     * and reordering, MTU 1500 or 9000 (with an MSS to match); buffers of 256 KiB to 4 MiB;
     * 1 to 8 MiB one way, up to 1 MiB back.
     */
    static TransferScenario largeWindow(long seed) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 7);
        long delayNs = 1_000_000 + r.nextLong(19_000_000);
        LinkFaults faults = LinkFaults.perfect()
                .withDelay(delayNs, r.nextLong(delayNs / 10 + 1))
                .withLoss(r.nextDouble() * 0.01)
                .withReordering(r.nextDouble() * 0.05, 1 + r.nextLong(delayNs / 2))
                .withBandwidth(100_000_000L + r.nextLong(9_900_000_000L), (1 << 20) + r.nextLong(7 << 20));
        int buffer = (256 << 10) + r.nextInt((4 << 20) - (256 << 10) + 1);
        int mtu = r.nextBoolean() ? 1500 : 9000;
        faults = faults.withMtu(mtu);
        // Up to 400 out-of-order segments held: more than the default 64, fewer than the
        // 1024 frames of a simulated port's pool (a reassembly queue that holds every frame
        // would leave none to receive the retransmission that fills its hole); the layer-wide
        // budget is half the pool, as one connection per stack runs here.
        TcpConfig tcp = options(r, seed).receiveBufferBytes(buffer).sendBufferBytes(buffer).mssCap(mtu - 40)
                .reassemblyLimitSegments(64 + r.nextInt(337)).reassemblyFramesTotal(512).build();
        return new TransferScenario(faults, seed, (1 << 20) + r.nextLong(7 << 20), r.nextLong(1 << 20), tcp);
    }

    /**
     * 30% loss both ways, with reordering and duplication: small transfers (up to 48 KiB one
     * way, 16 KiB back), the retransmission limit raised so that the connection survives the
     * runs of losses a 30% link produces, and the RTO capped at 5 s: a round trip then fails
     * about half the time (0.7 * 0.7 gets through), and with RTOs doubling up to the default
     * 60 s the expected wait after a loss grows without bound (0.51 * 2 > 1), so runs with
     * the default take simulated hours.
     */
    static TransferScenario lossy(long seed) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 11);
        long delayNs = 100_000 + r.nextLong(2_000_000);
        LinkFaults faults = LinkFaults.perfect()
                .withMtu(r.nextBoolean() ? 1500 : 576)
                .withDelay(delayNs, r.nextLong(delayNs / 4 + 1))
                .withLoss(0.30)
                .withDuplication(r.nextDouble() * 0.05)
                .withReordering(r.nextDouble() * 0.20, 1 + r.nextLong(2 * delayNs));
        TcpConfig tcp = options(r, seed).maxRetransmissions(40).synRetries(40).maxRtoNs(5_000_000_000L).build();
        return new TransferScenario(faults, seed, 1 + r.nextLong(48 << 10), r.nextLong(16 << 10), tcp);
    }

    static TransferScenario.Result replayLarge(long seed) {
        return largeWindow(seed).run(LIMIT_NS);
    }

    static TransferScenario.Result replayLossy(long seed) {
        return lossy(seed).run(LIMIT_NS);
    }

    @Test
    void largeWindowsOverLongFatPipesDeliverEveryByte() {
        check(LARGE_SEEDS, TcpOptionsSimulationPropertyTest::replayLarge, "replayLarge");
    }

    @Test
    void thirtyPercentLossDeliversEveryByte() {
        check(LOSSY_SEEDS, TcpOptionsSimulationPropertyTest::replayLossy, "replayLossy");
    }

    private static void check(int seeds, LongFunction<TransferScenario.Result> run, String replay) {
        List<String> failures = new ArrayList<>();
        long sackRecoveries = 0;
        for (long seed = 0; seed < seeds; seed++) {
            TransferScenario.Result result = run.apply(seed);
            if (!result.completed()) {
                failures.add("seed " + seed + ": " + result.failure() + "\n  segment: " + result.segment());
            }
            sackRecoveries += counter(result.clientCounters(), "tcp_sack_recoveries")
                    + counter(result.serverCounters(), "tcp_sack_recoveries");
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + seeds + " seeds failed; replay with "
                + "TcpOptionsSimulationPropertyTest." + replay + "(seed):\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        // The runs must exercise what they are for: RFC 6675 recovery happened in some of them.
        assertTrue(sackRecoveries > 0, "no SACK recovery in " + seeds + " seeds");
    }

    /** @return a counter's value in {@code StackCounters.toString()} text (absent means 0) */
    private static long counter(String counters, String name) {
        for (String line : counters.split("\n")) {
            if (line.startsWith(name + "=")) {
                return Long.parseLong(line.substring(name.length() + 1));
            }
        }
        return 0;
    }
}
