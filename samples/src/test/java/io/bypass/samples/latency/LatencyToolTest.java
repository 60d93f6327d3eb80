package io.bypass.samples.latency;

import io.bypass.samples.DropinJar;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The latency tool as a user runs it: server and client in two JVMs; and its argument errors. */
class LatencyToolTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** The tool's own classes and HdrHistogram only: the test class path also holds the provider's service file. */
    private static List<String> tool(String... args) throws Exception {
        String cp = Path.of(LatencyTool.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + java.io.File.pathSeparator
                + Path.of(Histogram.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new java.util.ArrayList<>(List.of(JAVA, "-cp", cp, LatencyTool.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void serverAndClientInTwoJvmsPrintPercentilesAndAResultLine() throws Exception {
        Process server = new ProcessBuilder(tool("server", "0", "--bind", "127.0.0.1", "--connections", "1"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = r.readLine();
            Matcher m = Pattern.compile("^listening on .*:(\\d+) \\(rtt\\)$").matcher(first);
            assertTrue(m.matches(), first);
            Process client = new ProcessBuilder(tool("client", "127.0.0.1", m.group(1), "--count", "500", "--warmup",
                    "100", "--size", "100")).redirectErrorStream(true).start();
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), out);
            System.out.print(out);
            assertEquals(0, client.exitValue(), out);
            // The warm-up goes on until the JIT is idle (JitQuiet), and says how long that took.
            assertTrue(out.matches("(?s)rtt warm-up: 100 \\+ \\d+ round trips, [\\d.]+ s until the JIT .*\n"
                    + "rtt 100 B: p50 [\\d.]+ us  p99 [\\d.]+ us  p99.9 [\\d.]+ us  max [\\d.]+ us  \\(500 round trips\\)\n"
                    + "result workload=rtt size=100 count=500 .*histogram=\\S+\n"), out);
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server exits after its one connection");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly();
        }
    }

    /**
     * The connect workload in two JVMs: the client warms up until its JIT is idle, opening as
     * many connections as that takes, and the server, which cannot know how many, ends with
     * the client's session connection.
     */
    @Test
    void connectClientWarmsUpUntilItsJitIsIdleAndItsSessionEndsTheServer() throws Exception {
        Process server = new ProcessBuilder(tool("server", "0", "--bind", "127.0.0.1", "--workload", "connect",
                "--connections", "1")).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = r.readLine();
            Matcher m = Pattern.compile("^listening on .*:(\\d+) \\(connect\\)$").matcher(first);
            assertTrue(m.matches(), first);
            Process client = new ProcessBuilder(tool("client", "127.0.0.1", m.group(1), "--workload", "connect",
                    "--count", "200", "--warmup", "50")).redirectErrorStream(true).start();
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), out);
            System.out.print(out);
            assertEquals(0, client.exitValue(), out);
            Matcher warm = Pattern.compile("(?s)connect warm-up: (\\d+) connections, [\\d.]+ s until the JIT .*\n"
                    + "connect: 200 connections in [\\d.]+ s = \\d+ per second\n"
                    + "result workload=connect count=200 ns=\\d+\n").matcher(out);
            assertTrue(warm.matches(), out);
            assertEquals(0, (Long.parseLong(warm.group(1)) - 50) % 500, "50, then steps of 500: " + out);
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server exits when the client's session ends");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly();
        }
    }

    /** {@code latency both --busy-poll}: the server thread and the client busy-poll; on the kernel without bin/bypass. */
    @Test
    void busyPollingPingPongCompletesOnTheKernel() throws Exception {
        Process both = new ProcessBuilder(tool("both", "--busy-poll", "--count", "500", "--warmup", "100"))
                .redirectErrorStream(true).start();
        String out = new String(both.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(both.waitFor(60, TimeUnit.SECONDS), out);
        System.out.print(out);
        assertEquals(0, both.exitValue(), out);
        assertTrue(out.matches("(?s)rtt warm-up: .*\nrtt 64 B, busy-poll: p50 .*\\(500 round trips\\)\n"
                + "result workload=rtt size=64 count=500 .*"), out);
    }

    /** The same under bin/bypass: busy-polling is plain selectNow(), so it works on any provider. */
    @Test
    void busyPollingPingPongCompletesOnBypass() throws Exception {
        DropinJar.findOrSkip();
        Path root = DropinJar.ROOT;
        List<String> cmd = new java.util.ArrayList<>(List.of(root.resolve("bin/bypass").toString(), "--rule", "bind * *",
                "--stats"));
        cmd.addAll(tool("both", "--busy-poll", "--count", "500", "--warmup", "100"));
        Process both = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(both.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(both.waitFor(60, TimeUnit.SECONDS), out);
        System.out.print(out);
        assertEquals(0, both.exitValue(), out);
        assertTrue(out.contains("result workload=rtt size=64 count=500 "), out);
        assertTrue(out.contains(" accelerated=true"), "the stats line shows the run was on Bypass: " + out);
    }

    @Test
    void busyPollIsAFlagOnEveryRoleAndBlockingIsTheDefault() throws Exception {
        assertEquals(SelectWait.BLOCK, ToolOptions.parse(new String[] {"both"}).selectWait());
        assertEquals(SelectWait.BUSY_POLL, ToolOptions.parse(new String[] {"both", "--busy-poll"}).selectWait());
        ToolOptions server = ToolOptions.parse(new String[] {"server", "9000", "--busy-poll", "--connections", "1"});
        assertEquals(SelectWait.BUSY_POLL, server.selectWait());
        assertEquals(1, server.connections(), "the option after the flag is still read");
        ToolOptions client = ToolOptions.parse(new String[] {"client", "127.0.0.1", "9000", "--count", "10", "--busy-poll"});
        assertEquals(SelectWait.BUSY_POLL, client.selectWait());
        assertEquals(10, client.count());
    }

    @Test
    void malformedBusyPollIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToolOptions.parse(new String[] {"both", "--busy-poll", "yes"}));
        assertEquals("--busy-poll takes no value, got 'yes'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ToolOptions.parse(new String[] {"both", "--busy-poll=1"}));
        assertEquals("--busy-poll takes no value, got '--busy-poll=1'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ToolOptions.parse(new String[] {"both", "--busy", "--count", "10"}));
        assertEquals("unknown option '--busy'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ToolOptions.parse(new String[] {"client", "127.0.0.1", "9000", "--busy-poll", "--workload", "ping"}));
        assertEquals("--workload 'ping': expected rtt, bulk or connect", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ToolOptions.parse(new String[] {"server", "--busy-poll"}));
        assertEquals("PORT '--busy-poll': expected a whole number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ToolOptions.parse(new String[] {"both", "--busy-poll", "--count"}));
        assertEquals("--count needs a value", e.getMessage());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToolOptions.parse(new String[] {"client", "127.0.0.1", "9000", "--workload", "ping"}));
        assertEquals("--workload 'ping': expected rtt, bulk or connect", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ToolOptions.parse(new String[] {"server", "70000"}));
        assertEquals("PORT '70000': must be 0..65535", e.getMessage());
    }

    @Test
    void defaultsFollowTheWorkload() throws Exception {
        ToolOptions bulk = ToolOptions.parse(new String[] {"both", "--workload", "bulk"});
        assertEquals(256L << 20, bulk.count());
        assertEquals(32L << 20, bulk.warmup());
        ToolOptions connect = ToolOptions.parse(new String[] {"both", "--workload", "connect", "--count", "10"});
        assertEquals(10, connect.count());
        assertEquals(500, connect.warmup());
    }
}
