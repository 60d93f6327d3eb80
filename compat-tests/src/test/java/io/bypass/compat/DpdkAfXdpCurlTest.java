package io.bypass.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, compat-tests over DPDK {@code net_af_xdp} (root): the Linux kernel in a namespace
 * this test makes is the peer, through a veth pair whose host end carries a JVM started with
 * {@code bypass.link=dpdk:net_af_xdp<n>,iface=<host end>?eal=...} — true kernel bypass, an XDP
 * program steering every frame of that end into the JVM's mbufs. Both directions:
 * {@code curl} on the kernel side gets from an unmodified Jetty 12 server in that JVM; an
 * unmodified JDK {@code HttpClient} program in that JVM gets from the JDK's own
 * {@code jwebserver} running on the kernel in the namespace. Bodies are checked by SHA-256, and
 * the JVM's {@code bypass stats:} line at exit proves the path: its stack opened the
 * connections and its DPDK link carried at least the bytes (the {@code LINK_*} counters).
 *
 * <p>Runs once, in the Bypass execution (it starts its own JVMs; its control is the kernel on
 * the other end of the wire); skipped, saying why, in the JDK control, without root, DPDK,
 * curl or ethtool.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DpdkAfXdpCurlTest {
    private static final String EAL = "--no-huge+-m+256+--no-pci";
    private static final int BULK_BYTES = 8 << 20;
    private static final Pattern LISTENING = Pattern.compile("^listening (\\d+)$");
    private static final Pattern PAIR = Pattern.compile("(\\w+)=(\\d+)");

    @TempDir
    Path dir;

    @BeforeEach
    void onlyAsRootWithDpdkInTheBypassRun() {
        assumeTrue(CompatMode.current() == CompatMode.BYPASS && CompatMode.link().equals("loopback"),
                "DPDK af_xdp compat test: runs once, in the default Bypass execution (it starts its own JVMs on"
                        + " DPDK); skipped in compat.mode=" + System.getProperty("compat.mode") + " compat.link="
                        + CompatMode.link());
        assumeTrue("root".equals(System.getProperty("user.name")),
                "DPDK af_xdp compat test needs root (a namespace, a veth pair, an XDP program): skipped");
        assumeTrue(DpdkAfXdpCurlTest.class.getResource("/native/linux-x86_64/libbypassdpdk.so") != null,
                "DPDK is not installed (bin/build test as root installs libdpdk-dev): DPDK af_xdp compat test skipped");
        assumeTrue(executable("curl") != null && executable("ethtool") != null,
                "no curl or ethtool (bin/build test as root installs them): DPDK af_xdp compat test skipped");
    }

    @Test
    void curlOnTheKernelGetsFromUnmodifiedJettyOverDpdkAfXdp() throws Exception {
        try (Veth veth = new Veth()) {
            String stats;
            try (Jvm server = Jvm.start(veth.bypassJvm("bind * *", JettyHelloMain.class.getName(), "0.0.0.0", "0"))) {
                String base = "http://" + veth.ourIp + ":" + server.await(LISTENING).group(1);
                assertEquals("hello /ahello /b", veth.exec("curl", "-sS", "--max-time", "30", base + "/a", base + "/b"),
                        "two requests on one kept-alive connection");
                String sum = veth.exec("sh", "-c", "curl -sS --max-time 60 " + base + "/bytes/" + BULK_BYTES
                        + " | sha256sum");
                assertEquals(sha256(JettyHelloMain.body(BULK_BYTES)), sum.split(" ")[0], "8 MiB body");
                List<String> parallel = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-Z",
                        "--parallel-max", "8"));
                for (int i = 0; i < 16; i++) {
                    parallel.add(base + "/p" + i);
                }
                String all = veth.exec(parallel.toArray(String[]::new));
                for (int i = 0; i < 16; i++) {
                    assertTrue(all.contains("hello /p" + i + ""), all);
                }
                stats = server.finish();
            }
            Map<String, Long> c = counters(stats);
            assertTrue(c.get("TCP_PASSIVE_OPENS") >= 3, "one connection per curl run at least: " + stats);
            assertTrue(c.get("LINK_TX_BYTES") > BULK_BYTES && c.get("LINK_RX_FRAMES") > 0, stats);
        }
    }

    @Test
    void unmodifiedJdkHttpClientOverDpdkAfXdpGetsFromTheKernelsServer() throws Exception {
        byte[] blob = new byte[BULK_BYTES];
        new Random(6).nextBytes(blob);
        Files.write(dir.resolve("blob"), blob);
        try (Veth veth = new Veth();
             Jvm kernelServer = Jvm.start(veth.inNamespace(Path.of(System.getProperty("java.home"), "bin", "jwebserver")
                     .toString(), "-b", veth.kernelIp, "-p", "8000", "-d", dir.toString()))) {
            kernelServer.await(Pattern.compile("Serving .* port 8000"));
            String stats;
            try (Jvm client = Jvm.start(veth.bypassJvm("connect " + veth.kernelIp + " *", HttpGetMain.class.getName(),
                    "http://" + veth.kernelIp + ":8000/blob", "3"))) {
                stats = client.finish();
            }
            Matcher got = Pattern.compile("got status=200 bytes=" + BULK_BYTES + " sha256=" + sha256(blob)).matcher(stats);
            assertTrue(got.find() && got.find() && got.find(), "three intact bodies: " + stats);
            Map<String, Long> c = counters(stats);
            assertTrue(c.get("TCP_ACTIVE_OPENS") >= 1, stats);
            assertTrue(c.get("LINK_RX_BYTES") > 3L * BULK_BYTES && c.get("LINK_TX_FRAMES") > 0, stats);
        }
    }

    /**
     * The JVM's {@code bypass stats:} line as counters, checked for what every run must show: its
     * provider accelerated (no channel fell back to the kernel) and its link dropped nothing as malformed.
     */
    private static Map<String, Long> counters(String output) {
        String line = output.lines().filter(l -> l.startsWith("bypass stats: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no 'bypass stats:' line in:\n" + output));
        System.out.println("DPDK af_xdp compat: " + line);
        Map<String, Long> c = new HashMap<>();
        Matcher m = PAIR.matcher(line);
        while (m.find()) {
            c.put(m.group(1), Long.parseLong(m.group(2)));
        }
        assertTrue(line.contains("accelerated=true") && c.getOrDefault("kernelFallbacks", -1L) == 0, line);
        for (String counter : List.of("TCP_PASSIVE_OPENS", "TCP_ACTIVE_OPENS", "LINK_RX_BYTES", "LINK_TX_BYTES",
                "LINK_RX_FRAMES", "LINK_TX_FRAMES")) {
            c.putIfAbsent(counter, 0L);
        }
        return c;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String executable(String name) {
        for (String d : List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin")) {
            if (new File(d, name).canExecute()) {
                return d + "/" + name;
            }
        }
        return null;
    }

    /**
     * A namespace {@code bypass-c-<id>} with the kernel's end of a veth pair at 10.76.x.1/24; the
     * host end, with no address, is the Bypass JVM's (10.76.x.2 on its stack). Closing deletes both.
     */
    private static final class Veth implements AutoCloseable {
        final String namespace;
        final String ours;
        final String kernelIp;
        final String ourIp;
        private final int id;

        Veth() throws IOException, InterruptedException {
            id = ThreadLocalRandom.current().nextInt(1 << 16);
            int subnet = 1 + id % 250;
            namespace = String.format("bypass-c-%04x", id);
            ours = String.format("bca%04x", id);
            String theirs = String.format("bcb%04x", id);
            kernelIp = "10.76." + subnet + ".1";
            ourIp = "10.76." + subnet + ".2";
            run("ip", "netns", "add", namespace);
            try {
                run("ip", "link", "add", ours, "type", "veth", "peer", "name", theirs, "netns", namespace);
                Files.writeString(Path.of("/proc/sys/net/ipv6/conf", ours, "disable_ipv6"), "1");
                // Linux leaves a locally sent TCP checksum to the device (CHECKSUM_PARTIAL) and
                // veth never completes it: frames redirected into an XDP socket would carry only
                // the pseudo-header sum. The kernel must compute it (README, "DPDK link").
                exec("ethtool", "-K", theirs, "tx", "off");
                run("ip", "-n", namespace, "link", "set", "lo", "up");
                run("ip", "-n", namespace, "addr", "add", kernelIp + "/24", "dev", theirs);
                run("ip", "-n", namespace, "link", "set", theirs, "up");
                run("ip", "link", "set", ours, "up");
            } catch (IOException | InterruptedException e) {
                close();
                throw e;
            }
        }

        /** @return a JVM command on Bypass over DPDK af_xdp on our end, with one rule, running {@code main} */
        List<String> bypassJvm(String rule, String main, String... args) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
                    "-Djava.nio.channels.spi.SelectorProvider=io.bypass.provider.BypassSelectorProvider",
                    "-Dbypass.link=dpdk:net_af_xdp" + id + ",iface=" + ours + "?eal=" + EAL,
                    "-Dbypass.ip=" + ourIp, "-Dbypass.prefix=24", "-Dbypass.rules.inline=" + rule,
                    "-Dbypass.stats=true", "-cp", System.getProperty("java.class.path"), main));
            cmd.addAll(List.of(args));
            return cmd;
        }

        /** @return {@code command} run inside the namespace */
        List<String> inNamespace(String... command) {
            List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            all.addAll(List.of(command));
            return all;
        }

        /** Runs a command inside the namespace; returns its output, throws if it fails. */
        String exec(String... command) throws IOException, InterruptedException {
            return run(inNamespace(command).toArray(String[]::new));
        }

        @Override
        public void close() {
            for (String[] cmd : new String[][] {{"ip", "link", "del", ours}, {"ip", "netns", "del", namespace}}) {
                try {
                    run(cmd);
                } catch (IOException | InterruptedException e) {
                    // The pair goes with the namespace; a half-made one may be gone already.
                }
            }
        }

        private static String run(String... command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        }
    }

    /** A child process whose output (stdout and stderr) is kept and echoed with a prefix; closing its stdin ends a server. */
    private static final class Jvm implements AutoCloseable {
        private final Process process;
        private final StringBuilder output = new StringBuilder();
        private final Thread reader;

        private Jvm(Process process) {
            this.process = process;
            this.reader = Thread.ofPlatform().daemon().start(() -> {
                try (var r = process.inputReader(StandardCharsets.UTF_8)) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        System.out.println("child | " + line);
                        synchronized (output) {
                            output.append(line).append('\n');
                            output.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    System.out.println("child | <" + e + ">");
                }
            });
        }

        static Jvm start(List<String> command) throws IOException {
            return new Jvm(new ProcessBuilder(command).redirectErrorStream(true).start());
        }

        /** @return the first line matching {@code pattern}, waiting up to 60 s for it */
        Matcher await(Pattern pattern) throws InterruptedException {
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (output) {
                while (true) {
                    for (String line : output.toString().split("\n")) {
                        Matcher m = pattern.matcher(line);
                        if (m.find()) {
                            return m;
                        }
                    }
                    long leftNs = deadlineNs - System.nanoTime();
                    if (leftNs <= 0 || !reader.isAlive()) {
                        throw new AssertionError("no '" + pattern + "' from the child; it said:\n" + output);
                    }
                    output.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(leftNs))));
                }
            }
        }

        /** Closes its stdin and waits for a clean exit; @return everything it printed */
        String finish() throws IOException, InterruptedException {
            process.getOutputStream().close();
            boolean exited = process.waitFor(120, TimeUnit.SECONDS);
            reader.join(10_000);
            String all;
            synchronized (output) {
                all = output.toString();
            }
            assertTrue(exited && process.exitValue() == 0, "the child's exit; it said:\n" + all);
            return all;
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
