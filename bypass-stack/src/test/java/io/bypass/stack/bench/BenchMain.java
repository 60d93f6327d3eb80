package io.bypass.stack.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the engine benchmarks with JMH's allocation profiler ({@code -prof gc}) and prints
 * one table: ns per operation, the figure each benchmark is about (ns per round trip,
 * Gbit/s, connections per second) and bytes allocated per operation. {@code bin/build
 * bench} runs it.
 *
 * <pre>
 * bin/build bench                        short run: 1 fork, 3 x 1 s warm-up, 5 x 1 s measured
 * bin/build bench -- --full              3 forks, 5 x 2 s warm-up, 10 x 2 s measured
 * bin/build bench -- RoundTrip           only benchmarks whose name matches a regex
 * bin/build bench -- --cpu               no JMH: each body in-process, wall and thread CPU time
 * </pre>
 */
public final class BenchMain {
    private BenchMain() {
    }

    /**
     * @param args {@code --full} for the long run, {@code --cpu} for {@link CpuTimeRun}; anything
     *             else is a regex of benchmarks to run
     * @throws RunnerException when JMH fails
     */
    public static void main(String[] args) throws RunnerException {
        boolean full = false;
        List<String> includes = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--full")) {
                full = true;
            } else if (arg.equals("--cpu")) {
                CpuTimeRun.run();
                return;
            } else {
                includes.add(arg);
            }
        }
        if (includes.isEmpty()) {
            includes.add(BenchMain.class.getPackageName().replace(".", "\\.") + "\\..*Benchmark");
        }
        ChainedOptionsBuilder options = new OptionsBuilder()
                .forks(full ? 3 : 1)
                .warmupIterations(full ? 5 : 3)
                .warmupTime(TimeValue.seconds(full ? 2 : 1))
                .measurementIterations(full ? 10 : 5)
                .measurementTime(TimeValue.seconds(full ? 2 : 1))
                .addProfiler(GCProfiler.class)
                // No -ea: the frame ownership asserts are for tests, not for measurements.
                .jvmArgs("-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED");
        for (String include : includes) {
            options.include(include);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println();
        System.out.println(table(results));
    }

    static String table(Collection<RunResult> results) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-34s %-22s %14s %22s %10s%n", "benchmark", "params", "ns/op",
                "result", "B/op"));
        for (RunResult r : results) {
            BenchmarkParams params = r.getParams();
            String benchmark = params.getBenchmark();
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            StringBuilder p = new StringBuilder();
            for (String key : params.getParamsKeys()) {
                p.append(p.isEmpty() ? "" : " ").append(key.equals("checksumOffload") ? "offload" : key).append('=')
                        .append(params.getParam(key));
            }
            Result<?> primary = r.getPrimaryResult();
            double nsPerOp = primary.getScore();
            Map<String, Result> secondary = r.getSecondaryResults();
            Result<?> alloc = secondary.get("gc.alloc.rate.norm");
            s.append(String.format(Locale.ROOT, "%-34s %-22s %8.1f ± %-5.1f %22s %10s%n", name, p, nsPerOp,
                    primary.getScoreError(), derived(name, nsPerOp),
                    alloc == null ? "n/a" : String.format(Locale.ROOT, "%.1f", alloc.getScore())));
        }
        return s.toString();
    }

    static String derived(String name, double nsPerOp) {
        if (name.startsWith("BulkTransfer")) {
            return String.format(Locale.ROOT, "%.1f Gbit/s", BulkTransferBenchmark.CHUNK_BYTES * 8.0 / nsPerOp);
        }
        if (name.startsWith("Connection")) {
            return String.format(Locale.ROOT, "%.0f conn/s", 1e9 / nsPerOp);
        }
        if (name.startsWith("RoundTrip")) {
            return String.format(Locale.ROOT, "%.0f ns/round trip", nsPerOp);
        }
        return "";
    }
}
