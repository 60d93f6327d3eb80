package io.bypass.samples.report;

import io.bypass.samples.DropinJar;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole report in a tiny configuration (child JVMs of the latency tool, bin/bypass, the
 * probes): every target appears in the JSON, measured or skipped with a reason; the in-JVM
 * and shm targets are measured (the Bypass JVMs' stats lines prove their path, see
 * {@code StatsProof}), with every figure on both sides and a ratio, and their round trip
 * also against the kernel with busy-polling selectors; the plot is a PNG; no shm link file
 * is left behind. No timing asserts: the figures are printed, not judged.
 */
class ReportHarnessTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final List<String> RTT_FIGURES = List.of("rttP50Us", "rttP99Us", "rttP999Us");
    private static final List<String> FIGURES = List.of("rttP50Us", "rttP99Us", "rttP999Us", "bulkGbitPerS",
            "connectionsPerS");
    /** The targets that measure the busy-polling kernel baseline. */
    private static final List<String> BUSY_POLL_TARGETS = List.of("a", "b");

    @Test
    void tinyReportWritesEveryTargetTheTableAndThePlot(@TempDir Path out) throws Exception {
        DropinJar.findOrSkip();
        ReportOptions o = ReportOptions.parse(new String[] {"--root", ROOT.toString(), "--out", out.toString(),
                "--rtt", "300", "--bulk-bytes", "1048576", "--bulk-warmup-mib", "1", "--connections", "30", "--repeat", "1"});
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        boolean ok;
        try (PrintStream progress = new PrintStream(text, true, StandardCharsets.UTF_8)) {
            ok = ReportMain.run(o, progress);
        }
        String printed = text.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertTrue(ok, printed);
        assertTrue(printed.contains("[7/7] connect, bypass"), "progress is shown:\n" + printed);
        assertTrue(printed.contains("rtt, kernel, busy-poll"), "the busy-polling kernel is measured:\n" + printed);
        assertTrue(printed.contains("ratio: how many times better Bypass is"), printed);

        JsonNode json = new ObjectMapper().readTree(out.resolve(ReportMain.JSON).toFile());
        assertEquals(300, json.at("/config/roundTrips").asInt());
        assertEquals(1, json.at("/targets/0/runs/bypass/rtt").size(), "every run's headline is listed: " + json);
        assertTrue(json.at("/targets/0/runs/bypass/rtt/0/cacheLineBeforeNs").asLong() > 0, "with the cache line around it");
        List<String> ids = new ArrayList<>();
        for (JsonNode t : json.get("targets")) {
            ids.add(t.get("id").asText());
            String status = t.get("status").asText();
            assertTrue(List.of("measured", "skipped").contains(status), t.toString());
            if (status.equals("skipped")) {
                assertFalse(t.get("reason").asText().isBlank(), "a skipped target says why: " + t);
            } else {
                assertFigures(t);
                assertBusyPollBaseline(t, BUSY_POLL_TARGETS.contains(t.get("id").asText()));
            }
        }
        assertEquals(List.of("a", "b", "c"), ids);
        assertEquals("measured", json.at("/targets/0/status").asText(), "the in-JVM loopback target always runs");
        assertEquals("measured", json.at("/targets/1/status").asText(),
                "the shm target needs no privileges, so it always runs: " + json.at("/targets/1"));
        // Each measurement's shm link file is deleted after it (otherwise a 32 MiB sparse file, about 5 MiB
        // of it touched, stays in /dev/shm per measurement).
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
            String ours = "bypass-report-" + ProcessHandle.current().pid() + "-";
            assertEquals(List.of(), shm.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(ours)).toList());
        }
        if ("root".equals(System.getProperty("user.name"))
                && ReportHarnessTest.class.getResource("/native/linux-x86_64/libbypassdpdk.so") != null) {
            assertEquals("measured", json.at("/targets/2/status").asText(),
                    "as root with DPDK built, Bypass over DPDK af_xdp vs the kernel runs: " + json.at("/targets/2"));
        }

        assertEquals(ReportMain.PNG, json.get("plot").asText());
        byte[] png = Files.readAllBytes(out.resolve(ReportMain.PNG));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
    }

    /**
     * Targets a and b measure the kernel's round trip again with busy-polling selectors, with
     * Bypass's ratio to it; nobody measures bulk or connection rate that way (and c not at all).
     */
    private static void assertBusyPollBaseline(JsonNode target, boolean measured) {
        for (String f : FIGURES) {
            JsonNode figure = target.at("/figures/" + f);
            boolean expected = measured && RTT_FIGURES.contains(f);
            for (String side : List.of("kernelBusyPoll", "ratioVsBusyPoll")) {
                if (expected) {
                    assertTrue(figure.get(side).isNumber() && figure.get(side).asDouble() > 0,
                            f + "." + side + " in " + target);
                } else {
                    assertTrue(figure.get(side).isNull(), f + "." + side + " is not measured in " + target);
                }
            }
        }
        JsonNode p = target.at("/rttPercentilesUs/kernelBusyPoll");
        if (measured) {
            assertEquals(300, p.get("count").asInt(), target.toString());
            assertTrue(p.get("p50").asDouble() <= p.get("max").asDouble(), target.toString());
        } else {
            assertTrue(p.isMissingNode(), target.toString());
        }
    }

    private static void assertFigures(JsonNode target) {
        for (String f : FIGURES) {
            JsonNode figure = target.at("/figures/" + f);
            for (String side : List.of("kernel", "bypass", "ratio")) {
                assertTrue(figure.get(side).isNumber() && figure.get(side).asDouble() > 0,
                        f + "." + side + " in " + target);
            }
        }
        for (String side : List.of("kernel", "bypass")) {
            JsonNode p = target.at("/rttPercentilesUs/" + side);
            assertEquals(300, p.get("count").asInt(), target.toString());
            assertTrue(p.get("p50").asDouble() <= p.get("p99").asDouble(), target.toString());
            assertTrue(p.get("p99").asDouble() <= p.get("max").asDouble(), target.toString());
        }
    }
}
