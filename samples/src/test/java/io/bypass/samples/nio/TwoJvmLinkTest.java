package io.bypass.samples.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.samples.DropinJar;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 item 7: two JVMs, each started through {@code bin/bypass --link shm:...} with its
 * own {@code --ip}, run the unmodified plain-NIO {@link TransferServer} and
 * {@link TransferClient}: a 64-byte ping-pong and a bulk transfer checked by SHA-256. Each
 * JVM's stats line proves the traffic went through its stack and over the link (no kernel
 * fallback, TCP segments and link frames counted). The same programs then run on the JDK
 * over kernel loopback, in the same run, for comparison; the rates are printed, not asserted.
 */
class TwoJvmLinkTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Path CLASSES = ROOT.resolve("samples/target/classes");
    private static final Path TEST_CLASSES = ROOT.resolve("samples/target/test-classes");
    private static final String SERVER_IP = "10.77.250.2";
    private static final String CLIENT_IP = "10.77.250.1";
    private static final int ROUNDS = Integer.getInteger("bypass.twojvm.rounds", 20_000);
    private static final int BULK_MIB = Integer.getInteger("bypass.twojvm.mib", 512);
    private static Path dropin;

    @TempDir
    Path dir;

    @BeforeAll
    static void findDropinJar() throws IOException {
        dropin = DropinJar.findOrSkip();
    }

    /** @return the launcher command for one side, or plain java when {@code link} is null */
    private static List<String> command(String link, String ip, String rule, List<String> extra, String main,
                                        String... args) {
        List<String> cmd = new ArrayList<>();
        if (link != null) {
            cmd.addAll(List.of(ROOT.resolve("bin/bypass").toString(), "--link", link, "--ip", ip + "/24", "--rule",
                    rule, "--stats"));
            cmd.addAll(extra);
        }
        // The test classes too: some programs run here are test helpers (ExitWithoutClose).
        cmd.addAll(List.of(JAVA.toString(), "-Xmx512m", "-cp", CLASSES + java.io.File.pathSeparator + TEST_CLASSES, main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Process start(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("BYPASS_JAR", dropin.toString());
        return pb.start();
    }

    /** Runs a server and a client; returns {server output, client output}. */
    private static String[] run(List<String> serverCmd, java.util.function.IntFunction<List<String>> clientCmd)
            throws Exception {
        Process server = start(serverCmd);
        try {
            BufferedReader serverOut = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = serverOut.readLine();
            Matcher m = Pattern.compile("transfer server on port (\\d+)").matcher(String.valueOf(first));
            assertTrue(m.find(), "server said: " + first);
            CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
                StringBuilder b = new StringBuilder(first).append('\n');
                serverOut.lines().forEach(l -> b.append(l).append('\n'));
                return b.toString();
            });
            Process client = start(clientCmd.apply(Integer.parseInt(m.group(1))));
            String clientOut = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(120, TimeUnit.SECONDS), clientOut);
            assertEquals(0, client.exitValue(), clientOut);
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "server did not finish");
            String serverText = rest.get(10, TimeUnit.SECONDS);
            assertEquals(0, server.exitValue(), serverText);
            return new String[] {serverText, clientOut};
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    /** The stats line of one side: accelerated, nothing on the kernel, TCP and link frames counted, no link losses. */
    private static void assertThroughTheLink(String out, long minSegments) {
        assertTrue(out.contains("bypass stats: kernelFallbacks=0 accelerated=true"), out);
        for (String counter : List.of("TCP_SEGMENTS_IN", "LINK_RX_FRAMES", "LINK_TX_FRAMES")) {
            Matcher m = Pattern.compile(" " + counter + "=(\\d+)").matcher(out);
            assertTrue(m.find() && Long.parseLong(m.group(1)) >= minSegments, counter + " in: " + out);
        }
        // A frame sent while the other JVM is not attached yet (or gone) is dropped as PEER_DOWN,
        // which TCP repairs; the link itself must lose nothing.
        for (String drop : List.of("LINK_TX_DROP_RING_FULL", "LINK_RX_DROP_MALFORMED", "LINK_RX_DROP_NO_BUFFER")) {
            assertTrue(!out.contains(drop), out);
        }
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(prefix + ": missing");
    }

    @Test
    void pingPongAndBulkBetweenTwoJvmsGoThroughTheirStacksOverTheShmLink() throws Exception {
        String[] out = runOverShm("shm:" + dir.resolve("link"), "");
        // Every ping and echo is at least one segment each way.
        assertThroughTheLink(out[0], ROUNDS);
        assertThroughTheLink(out[1], ROUNDS);
        // The same with 1500-byte frames (MSS 1460, the segment size of the first shm
        // measurements), then the JDK on kernel loopback: A/B/C in one run.
        String[] small = runOverShm("shm:" + dir.resolve("link1500"), "mtu=1500&");
        assertThroughTheLink(small[1], ROUNDS);
        String[] kernel = run(command(null, null, null, List.of(), TransferServer.class.getName(), "0", "2"),
                port -> command(null, null, null, List.of(), TransferClient.class.getName(), "127.0.0.1",
                        Integer.toString(port), Integer.toString(ROUNDS), Integer.toString(BULK_MIB)));
        assertTrue(kernel[1].contains(": match"), kernel[1]);
        System.out.println("two JVMs, Bypass over shm, MTU 65513 (spin 50 us): " + summary(out[1]));
        System.out.println("two JVMs, Bypass over shm, MTU 1500 (spin 50 us):  " + summary(small[1]));
        System.out.println("two JVMs, JDK on kernel loopback:                 " + summary(kernel[1]));
    }

    /**
     * A program that writes its data and exits without closing relies on the operating system
     * to deliver the rest and close; on Bypass its JVM's link stack does it at exit
     * ({@code bypass.exit.linger}). Without that the server would get a truncated stream and no
     * end of it, and wait forever.
     */
    @Test
    void aJvmThatExitsWithoutClosingStillDeliversItsLastBytesAndTheEndOfTheStream() throws Exception {
        String link = "shm:" + dir.resolve("exit");
        int mib = 64;
        String[] out = run(command(link + "?side=1", SERVER_IP, "bind * *", List.of(), TransferServer.class.getName(),
                        "0", "1"),
                port -> command(link + "?side=0", CLIENT_IP, "connect 10.77.250.0/24 *",
                        List.of(), ExitWithoutClose.class.getName(), SERVER_IP,
                        Integer.toString(port), Integer.toString(mib)));
        Matcher sent = Pattern.compile("sent " + mib + " MiB, sha256 (\\p{XDigit}{64})").matcher(out[1]);
        assertTrue(sent.find(), out[1]);
        assertTrue(out[0].contains("bulk: read " + ((long) mib << 20) + " bytes, sha256 " + sent.group(1)),
                "the server read every byte, then the end of the stream: " + out[0]);
    }

    /** Server at SERVER_IP on side 1, client at CLIENT_IP on side 0, both spinning (latency profile). */
    private String[] runOverShm(String link, String params) throws Exception {
        List<String> spin = List.of("--profile=latency");
        String[] out = run(command(link + "?" + params + "side=1", SERVER_IP, "bind * *", spin,
                        TransferServer.class.getName(), "0", "2"),
                port -> command(link + "?" + params + "side=0", CLIENT_IP, "connect 10.77.250.0/24 *", spin,
                        TransferClient.class.getName(), SERVER_IP, Integer.toString(port), Integer.toString(ROUNDS),
                        Integer.toString(BULK_MIB)));
        assertTrue(out[1].contains(": match"), out[1]);
        return out;
    }

    private static String summary(String clientOut) {
        return line(clientOut, "pingpong") + "; " + line(clientOut, "bulk").replaceAll(", sha256.*", "");
    }
}
