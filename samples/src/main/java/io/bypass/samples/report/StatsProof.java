package io.bypass.samples.report;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What makes a Bypass figure count: the stats line each Bypass JVM of a measurement prints at
 * exit ({@code bin/bypass --stats}) shows that the provider ran every channel on its stack
 * (none on the kernel), that the stack carried TCP segments, and, with {@code --link}, that
 * the device carried frames both ways. Without it a misrouted channel would report the
 * kernel's figure as Bypass's.
 */
final class StatsProof {
    private static final Pattern COUNTER = Pattern.compile(" (\\w+)=(\\d+)");

    private StatsProof() {
    }

    /**
     * @param statsLine the JVM's {@code bypass stats:} line, or null when it printed none
     * @param launcher  the JVM's {@code bin/bypass} options
     * @return null when the line proves the path, else what is missing
     */
    static String problem(String statsLine, List<String> launcher) {
        if (statsLine == null) {
            return "no 'bypass stats:' line at exit (bin/bypass --stats)";
        }
        if (!statsLine.contains(" accelerated=true") || count(statsLine, "kernelFallbacks") != 0
                || count(statsLine, "TCP_SEGMENTS_IN") == 0) {
            return "not every channel ran on the stack: " + statsLine;
        }
        if (launcher.contains("--link") && (count(statsLine, "LINK_RX_FRAMES") == 0
                || count(statsLine, "LINK_TX_FRAMES") == 0)) {
            return "no frames on the link both ways: " + statsLine;
        }
        return null;
    }

    /** @return a counter of the line, 0 when it is not printed (the line leaves out zeros) */
    private static long count(String statsLine, String name) {
        Matcher m = COUNTER.matcher(statsLine);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return Long.parseLong(m.group(2));
            }
        }
        return 0;
    }
}
