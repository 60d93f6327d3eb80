package io.bypass.samples;

import io.bypass.stack.sim.LinkFaults;
import io.bypass.stack.sim.TransferScenario;
import io.bypass.stack.tcp.TcpConfig;
import java.util.Locale;

/**
 * The engine demo: two complete Bypass stacks (Ethernet, ARP, IPv4, TCP) on a simulated
 * segment that loses, reorders, duplicates and corrupts frames on a virtual clock. The
 * client and the server send each other a pseudo-random stream at the same time; the demo
 * prints the throughput in simulated time and in wall-clock time (both stacks in this one
 * thread), the retransmissions, and whether the SHA-256 digests of what each side sent and
 * what the other received match.
 */
public final class EngineDemo {
    private EngineDemo() {
    }

    /**
     * Runs the demo.
     *
     * @param args options, see {@code --help}
     */
    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("engine demo: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(Options.USAGE);
            return;
        }
        LinkFaults faults = LinkFaults.perfect()
                .withMtu(o.mtu)
                .withDelay(o.delayUs * 1_000L, o.delayUs * 100L)
                .withLoss(o.loss)
                .withReordering(o.reorder, o.delayUs * 2_000L + 1)
                .withDuplication(o.duplicate)
                .withCorruption(o.corrupt)
                .withBandwidth(o.mbps * 1_000_000L, 0);
        TcpConfig tcp = TcpConfig.defaults().toBuilder().isnSecret(o.seed, ~o.seed).portSeed(o.seed)
                .timeWaitNs(1_000_000_000L).build();
        long bytes = o.mib * 1024L * 1024L;
        System.out.printf(Locale.ROOT, "Bypass engine demo: two stacks, %d MiB each way over a simulated link%n", o.mib);
        System.out.printf(Locale.ROOT, "  link: MTU %d, %d Mbit/s, %d us delay, loss %.1f%%, reorder %.1f%%, "
                        + "duplicate %.1f%%, corrupt %.2f%%, seed %d%n",
                o.mtu, o.mbps, o.delayUs, o.loss * 100, o.reorder * 100, o.duplicate * 100, o.corrupt * 100, o.seed);
        long startNs = System.nanoTime();
        TransferScenario.Result r = new TransferScenario(faults, o.seed, bytes, bytes, tcp).digesting()
                .run(3_600_000_000_000L);
        long wallNs = System.nanoTime() - startNs;
        double simulatedS = r.transferNs() / 1e9;
        double bits = 2.0 * bytes * 8;
        System.out.printf(Locale.ROOT, "  transfer: %.3f s simulated -> %.1f Mbit/s goodput (both directions)%n",
                simulatedS, bits / simulatedS / 1e6);
        System.out.printf(Locale.ROOT, "  engine:   %.3f s wall clock -> %.1f Mbit/s through two stacks on one thread%n",
                wallNs / 1e9, bits / (wallNs / 1e9) / 1e6);
        System.out.printf(Locale.ROOT, "  link did: %s%n", r.segment());
        System.out.printf(Locale.ROOT, "  retransmissions: %d, frames leaked: %d%n", r.retransmissions(), r.leakedFrames());
        System.out.printf(Locale.ROOT, "  sha256 client->server: sent %s%n                         recv %s%n",
                r.clientSentSha256(), r.serverReceivedSha256());
        System.out.printf(Locale.ROOT, "  sha256 server->client: sent %s%n                         recv %s%n",
                r.serverSentSha256(), r.clientReceivedSha256());
        boolean match = r.completed() && r.clientSentSha256().equals(r.serverReceivedSha256())
                && r.serverSentSha256().equals(r.clientReceivedSha256());
        System.out.println(match ? "  checksums match: OK" : "  FAILED: " + r.failure());
        if (o.verbose) {
            System.out.println("client counters:\n" + r.clientCounters() + "server counters:\n" + r.serverCounters());
        }
        if (!match) {
            System.exit(1);
        }
    }

    /** Command-line options with the demo's defaults. */
    private static final class Options {
        static final String USAGE = """
                usage: bin/build demo [-- options]
                  --mib N         MiB sent each way (default 8)
                  --loss P        frame loss probability (default 0.02)
                  --reorder P     probability a frame is held back and overtaken (default 0.05)
                  --duplicate P   duplication probability (default 0.01)
                  --corrupt P     probability of a flipped bit (default 0.001)
                  --delay-us N    one-way delay in microseconds (default 50)
                  --mbps N        link rate in Mbit/s, 0 = unlimited (default 10000)
                  --mtu N         link MTU (default 1500)
                  --seed N        random seed; the same seed replays the same run (default 1)
                  --verbose       print every non-zero stack counter
                """;
        int mib = 8;
        double loss = 0.02;
        double reorder = 0.05;
        double duplicate = 0.01;
        double corrupt = 0.001;
        long delayUs = 50;
        long mbps = 10_000;
        int mtu = 1500;
        long seed = 1;
        boolean verbose;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> o.help = true;
                    case "--verbose" -> o.verbose = true;
                    case "--mib" -> o.mib = (int) number(args, ++i, a, 1, 4096);
                    case "--loss" -> o.loss = probability(args, ++i, a);
                    case "--reorder" -> o.reorder = probability(args, ++i, a);
                    case "--duplicate" -> o.duplicate = probability(args, ++i, a);
                    case "--corrupt" -> o.corrupt = probability(args, ++i, a);
                    case "--delay-us" -> o.delayUs = number(args, ++i, a, 0, 10_000_000);
                    case "--mbps" -> o.mbps = number(args, ++i, a, 0, 1_000_000);
                    case "--mtu" -> o.mtu = (int) number(args, ++i, a, 576, 9000);
                    case "--seed" -> o.seed = number(args, ++i, a, Long.MIN_VALUE, Long.MAX_VALUE);
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            return o;
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }

        private static long number(String[] args, int i, String name, long min, long max) {
            String v = value(args, i, name);
            try {
                long n = Long.parseLong(v);
                if (n < min || n > max) {
                    throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + v);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " is not a whole number: '" + v + "'", e);
            }
        }

        private static double probability(String[] args, int i, String name) {
            String v = value(args, i, name);
            try {
                double p = Double.parseDouble(v);
                if (!(p >= 0 && p <= 0.5)) {
                    throw new IllegalArgumentException(name + " must be a probability 0..0.5: " + v);
                }
                return p;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " is not a number: '" + v + "'", e);
            }
        }
    }
}
