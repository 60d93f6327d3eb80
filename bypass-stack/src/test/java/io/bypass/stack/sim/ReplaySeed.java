package io.bypass.stack.sim;

import java.util.Deque;

/** Debug entry: replays one seed of the property test with a segment trace. Run with the seed as argument. */
final class ReplaySeed {
    public static void main(String[] args) {
        long seed = Long.parseLong(args[0]);
        int keep = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Deque<String> log = TracingLink.newLog();
        LinkFaults faults = TcpSimulationPropertyTest.faultsFor(seed);
        TransferScenario scenario = TcpSimulationPropertyTest.scenarioFor(seed, faults);
        int[] n = {0};
        scenario.linkDecorator((link, clock) -> new TracingLink(link, n[0]++ == 0 ? "C" : "S", log, keep,
                clock::nowNs));
        TransferScenario.Result r = scenario.run(3_600_000_000_000L);
        System.out.println(faults);
        System.out.println(r.completed() + " " + r.failure());
        System.out.println(r.segment());
        log.forEach(System.out::println);
        System.out.println("client counters:\n" + r.clientCounters());
        System.out.println("server counters:\n" + r.serverCounters());
    }
}
