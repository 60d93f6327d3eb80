package io.bypass.stack.fuzz;

import static io.bypass.stack.fuzz.FrameInputScenario.HS_ANSWER_ARP;
import static io.bypass.stack.fuzz.FrameInputScenario.HS_MSS;
import static io.bypass.stack.fuzz.FrameInputScenario.HS_SACK;
import static io.bypass.stack.fuzz.FrameInputScenario.HS_TIMESTAMPS;
import static io.bypass.stack.fuzz.FrameInputScenario.HS_WINDOW_SCALE;
import static io.bypass.stack.fuzz.ScenarioWriter.AFTER;
import static io.bypass.stack.fuzz.ScenarioWriter.BEFORE;
import static io.bypass.stack.fuzz.ScenarioWriter.EXACT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seed corpus as recipes: each seed walks the fuzzer to a place worth mutating from
 * (data both ways, closes from either side, reordering, resets, new connections, ICMP).
 * {@link #main} writes them into the corpus directory; {@link FrameInputSeedsTest} checks
 * the committed files still match and still reach what each recipe is for.
 */
final class SeedInputs {
    /** Where Jazzer looks for the regression inputs of {@code FrameInputFuzzTest.frameInput}. */
    static final Path DIRECTORY = Path.of("src/test/resources/io/bypass/stack/fuzz/FrameInputFuzzTestInputs/frameInput");

    private static final int LINUX_LIKE = HS_MSS | HS_WINDOW_SCALE | HS_SACK | HS_TIMESTAMPS | HS_ANSWER_ARP;
    private static final int MS_UNIT = 2;
    private static final int SECOND_UNIT = 5;

    private SeedInputs() {
    }

    /** @return every seed by file name */
    static Map<String, byte[]> all() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("seed-data-both-ways", new ScenarioWriter(1000, 5000, 65_535, LINUX_LIKE, 1460, 7)
                .write(0, 3000).ackAll(0, 65_535).segment(0, ACK | PSH, EXACT, 0, EXACT, 0, 65_535, 1200)
                .read(0, 4096).write(1, 2000).segment(1, ACK | PSH, EXACT, 0, EXACT, 0, 65_535, 800)
                .ackAll(1, 65_535).read(1, 4096).time(MS_UNIT, 50).ackAll(0, 65_535)
                .close(0, 1).ackAll(0, 65_535).segment(0, FIN | ACK, EXACT, 0, EXACT, 0, 65_535, 0)
                .time(SECOND_UNIT, 2).bytes());
        seeds.put("seed-peer-closes-first", new ScenarioWriter(77, 88, 8192, HS_MSS | HS_ANSWER_ARP, 536, 0)
                .segment(1, FIN | ACK | PSH, EXACT, 0, EXACT, 0, 8192, 100).read(1, 200).read(1, 200)
                .write(1, 700).close(1, 1).ackAll(1, 8192).time(MS_UNIT, 10).bytes());
        seeds.put("seed-reordered-and-retransmitted", new ScenarioWriter(-5, -9, 65_535, LINUX_LIKE, 1460, 2)
                .segment(0, ACK, AFTER, 1000, EXACT, 0, 65_535, 1000)
                .segment(0, ACK, AFTER, 2000, EXACT, 0, 65_535, 1000)
                .segment(0, ACK, EXACT, 0, EXACT, 0, 65_535, 1000).read(0, 8000)
                .segment(0, ACK, BEFORE, 500, EXACT, 0, 65_535, 1000)
                .write(0, 20_000).ackWithSack(0, 65_535, 2000, 1000).ackWithSack(0, 65_535, 2000, 1000)
                .ackWithSack(0, 65_535, 2000, 1000).time(SECOND_UNIT, 1).ackAll(0, 65_535)
                .time(SECOND_UNIT, 3).bytes());
        seeds.put("seed-resets-and-syns-in-window", new ScenarioWriter(1 << 30, 3, 4096, HS_MSS | HS_ANSWER_ARP, 1000, 0)
                .segment(0, RST, AFTER, 100, EXACT, 0, 4096, 0).segment(0, SYN, AFTER, 10, EXACT, 0, 4096, 0)
                .segment(1, ACK, EXACT, 0, AFTER, 5000, 4096, 0).segment(1, ACK, EXACT, 0, BEFORE, 40_000, 4096, 0)
                .segment(1, RST, EXACT, 0, EXACT, 0, 4096, 0).read(1, 10).bytes());
        seeds.put("seed-new-connections-and-backlog", new ScenarioWriter(10, 20, 32_768, LINUX_LIKE, 1400, 5)
                .segment(2, SYN, EXACT, 0, EXACT, 0, 32_768, 0).segment(3, SYN, EXACT, 0, EXACT, 0, 32_768, 0)
                .segment(4, SYN, EXACT, 0, EXACT, 0, 32_768, 0).ackAll(2, 32_768).ackAll(3, 32_768).accept()
                .segment(5, SYN, EXACT, 0, EXACT, 0, 32_768, 0).connect().time(MS_UNIT, 20)
                .segment(6, SYN | ACK, EXACT, 0, EXACT, 0, 32_768, 0).write(2, 100).close(3, 2)
                .time(SECOND_UNIT, 5).bytes());
        seeds.put("seed-udp-icmp-and-path-mtu", new ScenarioWriter(1, 2, 65_535, LINUX_LIKE, 1460, 0)
                .udp(100).udp(1400).udpReceive(2000).udpSend(300, 4000).write(1, 10_000)
                .icmpAboutTcp(1, 3, 4, 1200).icmpAboutTcp(1, 3, 3, 0).echoRequest(56).ackAll(1, 65_535)
                .time(MS_UNIT, 100).bytes());
        seeds.put("seed-time-wait-then-new-syn", new ScenarioWriter(500, 600, 65_535, HS_MSS | HS_ANSWER_ARP, 1460, 0)
                .close(0, 1).ackAll(0, 65_535).segment(0, FIN | ACK, EXACT, 0, EXACT, 0, 65_535, 0)
                .segment(0, SYN, AFTER, 10_000, EXACT, 0, 65_535, 0).ackAll(0, 65_535).accept()
                .time(SECOND_UNIT, 10).bytes());
        seeds.put("seed-zero-window-peer-never-answers", new ScenarioWriter(0, 0, 0, 0, 0, 0)
                .write(0, 5000).write(1, 5000).close(0, 1).close(1, 1).bytes());
        seeds.put("seed-timestamps-and-slow-reader", new ScenarioWriter(9, 10, 65_535, LINUX_LIKE, 1460, 14)
                .segmentWithTimestamps(1, ACK, 65_535, 1460, 0).segmentWithTimestamps(1, ACK, 65_535, 1460, 0)
                .segmentWithTimestamps(1, ACK, 65_535, 1460, 0).segmentWithTimestamps(1, ACK, 65_535, 1460, 0)
                .segmentWithTimestamps(1, ACK, 65_535, 1460, 0).segmentWithTimestamps(1, ACK, 65_535, 1460, 0)
                .segmentWithTimestamps(1, ACK, 65_535, 1460, 0).segmentWithTimestamps(1, ACK, 65_535, 1460, 0)
                .segmentWithTimestamps(1, ACK, 65_535, 1460, 0).segmentWithTimestamps(1, ACK, 65_535, 1460, 0)
                .segmentWithTimestamps(1, ACK, 65_535, 1460, 0).segmentWithTimestamps(1, ACK, 65_535, 1460, 0)
                .time(MS_UNIT, 200).read(1, 30_000).time(MS_UNIT, 200).bytes());
        return seeds;
    }

    /** Writes the seeds into {@link #DIRECTORY} (run from the bypass-stack module directory). */
    public static void main(String[] args) throws IOException {
        Files.createDirectories(DIRECTORY);
        for (Map.Entry<String, byte[]> seed : all().entrySet()) {
            Files.write(DIRECTORY.resolve(seed.getKey()), seed.getValue());
        }
    }
}
