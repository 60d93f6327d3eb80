package io.bypass.compat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The program the peer JVM of a two-JVM test runs ({@link TwoJvm#startPeer}): unmodified
 * Netty and the JDK's HttpClient, on whatever provider the JVM was given. It prints the
 * provider first, then what it did; it exits 0 when every check passed, 1 otherwise (the
 * test reads the exit code and the output). Commands:
 * <ul>
 *   <li>{@code echo-clients HOST PORT CLIENTS BYTES}: {@code CLIENTS} Netty connections at once,
 *       each streaming {@code BYTES} to an echo server and checking the echo's CRC32C;</li>
 *   <li>{@code echo-server HOST}: a Netty echo server on HOST, an ephemeral port (printed as
 *       {@code echo server on port N}), until standard input ends;</li>
 *   <li>{@code http-load URL USERS REQUESTS POST_BYTES}: see {@link HttpLoad}.</li>
 * </ul>
 */
public final class PeerMain {
    /** Bounds every wait of the peer, so that it always ends by itself. */
    private static final long TIMEOUT_SECONDS = 100;

    private PeerMain() {
    }

    /**
     * @param args a command and its arguments (see the class comment)
     * @throws Exception on any failure (the JVM then exits non-zero, with the stack trace)
     */
    public static void main(String[] args) throws Exception {
        System.out.println("peer provider: " + SelectorProvider.provider().getClass().getName());
        switch (args[0]) {
            case "echo-clients" -> echoClients(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Long.parseLong(args[4]));
            case "echo-server" -> echoServer(args[1]);
            case "http-load" -> HttpLoad.run(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), TIMEOUT_SECONDS);
            default -> throw new IllegalArgumentException("unknown peer command '" + args[0] + "'");
        }
        // Netty's and the HttpClient's threads are done; exit runs the stats hook.
        System.exit(0);
    }

    private static void echoClients(String host, int port, int clients, long bytesEach) throws Exception {
        EventLoopGroup group = Netty.group(2);
        try {
            long startNs = System.nanoTime();
            List<StreamingClient> handlers = new ArrayList<>();
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                StreamingClient h = new StreamingClient(bytesEach, 5000L + i, false);
                handlers.add(h);
                channels.add(Netty.client(group, h).connect(new InetSocketAddress(host, port)).sync().channel());
            }
            for (StreamingClient h : handlers) {
                StreamingClient.Result r = h.result().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (r.sentBytes() != bytesEach || r.receivedBytes() != bytesEach || r.sentCrc() != r.receivedCrc()) {
                    throw new IllegalStateException("echo differs: " + r);
                }
            }
            double seconds = (System.nanoTime() - startNs) / 1e9;
            for (Channel c : channels) {
                c.close().sync();
            }
            System.out.printf("echo clients: %d x %d bytes echoed, checksums match, in %.2f s (%.1f MB/s each way)%n",
                    clients, bytesEach, seconds, clients * bytesEach / seconds / 1e6);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void echoServer(String host) throws InterruptedException, IOException {
        EventLoopGroup group = Netty.group(2);
        try {
            Channel server = Netty.serve(group, new InetSocketAddress(host, 0), EchoHandler.INSTANCE);
            System.out.println("echo server on port " + ((InetSocketAddress) server.localAddress()).getPort());
            while (System.in.read() >= 0) {
                // the test closes our standard input when it is done
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
