package io.bypass.samples.latency;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The latency tool's command line.
 *
 * @param role        {@code server}, {@code client} or {@code both} (server thread and client in this JVM)
 * @param address     server: where to listen; client: where to connect (unused by {@code both})
 * @param workload    what to measure
 * @param size        rtt message size in bytes
 * @param count       rtt round trips, bulk bytes, or connections, measured
 * @param warmup      the same unit as {@code count}, before measuring
 * @param connections server: clients to serve before exiting, 0 = forever
 * @param selectWait  how the event loops (the server's, the rtt client's) wait for their selectors
 */
public record ToolOptions(String role, InetSocketAddress address, Workload workload, int size, long count,
                          long warmup, long connections, SelectWait selectWait) {
    /** The flag that selects {@link SelectWait#BUSY_POLL}. */
    public static final String BUSY_POLL = "--busy-poll";

    /** The usage text. */
    public static final String USAGE = """
            usage: latency server PORT [--bind ADDR] [--workload W] [--connections N] [--busy-poll]
                   latency client HOST PORT [--workload W] [--size BYTES] [--count N] [--warmup N] [--busy-poll]
                   latency both [--workload W] [--size BYTES] [--count N] [--warmup N] [--busy-poll]
              --workload rtt (default): ping-pong of --size bytes (64), --count round trips (100000)
                                        after --warmup (20000); prints p50/p99/p99.9/max
                         bulk:          --count bytes (268435456) on one connection after --warmup bytes
                                        (count/8); prints Gbit/s
                         connect:       --count connections (5000) after --warmup (500) and more until
                                        the JIT is idle, each connect, accept, close, beside a session
                                        connection the server keeps open; prints connections per second
              both: the server runs in a thread of this JVM, the client connects to it over loopback
              --connections: the server exits after N clients (default: serve forever)
              --busy-poll: the event loops (server; rtt client) call selectNow() in a loop instead of
                           blocking in select(): a core each, no wake-up on the round trip's path""";

    /**
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException naming the bad argument
     */
    public static ToolOptions parse(String[] args) throws UnknownHostException {
        if (args.length == 0) {
            throw new IllegalArgumentException("missing role: server, client or both");
        }
        String role = args[0];
        int i = 1;
        InetAddress host = InetAddress.getLoopbackAddress();
        int port = 0;
        switch (role) {
            case "server" -> {
                port = port(args, i++);
                host = null;
            }
            case "client" -> {
                if (args.length < 3) {
                    throw new IllegalArgumentException("client needs HOST PORT");
                }
                host = InetAddress.getByName(args[i++]);
                port = port(args, i++);
            }
            case "both" -> { }
            default -> throw new IllegalArgumentException("unknown role '" + role + "': server, client or both");
        }
        Workload workload = Workload.RTT;
        int size = 64;
        Long count = null;
        Long warmup = null;
        long connections = 0;
        SelectWait selectWait = SelectWait.BLOCK;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals(BUSY_POLL)) {
                // A flag: what follows must be the next option, so "--busy-poll yes" is not silently read as one.
                if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(BUSY_POLL + " takes no value, got '" + args[i + 1] + "'");
                }
                selectWait = SelectWait.BUSY_POLL;
                continue;
            }
            if (a.startsWith(BUSY_POLL + "=")) {
                throw new IllegalArgumentException(BUSY_POLL + " takes no value, got '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--workload" -> workload = Workload.parse(v);
                case "--size" -> size = (int) number(a, v, 1, 1 << 20);
                case "--count" -> count = number(a, v, 1, Long.MAX_VALUE);
                case "--warmup" -> warmup = number(a, v, 0, Long.MAX_VALUE);
                case "--connections" -> connections = number(a, v, 0, Long.MAX_VALUE);
                case "--bind" -> host = InetAddress.getByName(v);
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        long n = count != null ? count : switch (workload) {
            case RTT -> 100_000;
            case BULK -> 256L << 20;
            case CONNECT -> 5_000;
        };
        long w = warmup != null ? warmup : switch (workload) {
            case RTT -> 20_000;
            case BULK -> n / 8;
            case CONNECT -> 500;
        };
        InetSocketAddress address = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        return new ToolOptions(role, address, workload, size, n, w, connections, selectWait);
    }

    private static int port(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[0] + " needs a PORT");
        }
        return (int) number("PORT", args[i], 0, 65_535);
    }

    private static long number(String what, String text, long min, long max) {
        long v;
        try {
            v = Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "': expected a whole number");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " '" + text + "': must be " + min + ".." + max);
        }
        return v;
    }
}
