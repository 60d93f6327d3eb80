package io.bypass.provider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What the provider tests over a device link share: commands run in the host (for {@code ip}
 * and {@code curl} in a namespace) and a plain NIO server on the provider's channels that
 * answers one HTTP request.
 */
final class KernelCurl {
    private KernelCurl() {
    }

    /**
     * A server on {@code p} bound to {@code bindTo} answers {@code curl}, run in the namespace
     * {@code ns} towards {@code ourIp}, with {@code body}.
     *
     * @return what curl printed
     */
    static String curlFromNamespace(BypassSelectorProvider p, InetSocketAddress bindTo, String ns, String ourIp,
                                    String body) throws IOException, InterruptedException {
        try (ServerSocketChannel server = p.openServerSocketChannel().bind(bindTo)) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Thread serving = Thread.ofPlatform().start(() -> serveOneHttpRequest(server, body));
            String got = run("ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "30",
                    "http://" + ourIp + ":" + port + "/");
            serving.join(30_000);
            return got;
        }
    }

    /** The server: plain NIO on the provider's channels, one request, one response ({@code body}), close. */
    private static void serveOneHttpRequest(ServerSocketChannel server, String body) {
        try (SocketChannel c = server.accept()) {
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (!new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                if (c.read(in) < 0) {
                    return;
                }
            }
            ByteBuffer out = ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                c.write(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command and returns its output; throws if it fails or takes more than a minute. */
    static String run(String... command) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!proc.waitFor(60, TimeUnit.SECONDS) || proc.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** Runs a clean-up command, reporting (not throwing) a failure to start it. */
    static void runQuietly(String... command) {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            System.err.println(String.join(" ", command) + ": " + e);
        }
    }
}
