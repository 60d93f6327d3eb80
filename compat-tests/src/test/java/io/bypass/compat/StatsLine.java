package io.bypass.compat;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code bypass stats:} line a JVM started with {@code bypass.stats=true} prints at exit
 * (the provider's {@code statsLine}): how a test proves what carried another JVM's traffic.
 * Counters not printed are 0.
 *
 * @param line     the line
 * @param counters its {@code NAME=value} pairs
 */
record StatsLine(String line, Map<String, Long> counters) {
    private static final Pattern PAIR = Pattern.compile("(\\w+)=(\\d+)");

    /** @return the stats line in {@code output} */
    static StatsLine in(String output) {
        String line = output.lines().filter(l -> l.startsWith("bypass stats: ")).findFirst().orElse(null);
        assertNotNull(line, "no 'bypass stats:' line in:\n" + output);
        Map<String, Long> counters = new HashMap<>();
        Matcher m = PAIR.matcher(line);
        while (m.find()) {
            counters.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return new StatsLine(line, counters);
    }

    /** @return a counter's value, 0 when not printed */
    long get(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /**
     * Checks that the JVM's traffic went through its stack and over its link: its provider
     * accelerated every channel (none on the kernel), its stack opened at least
     * {@code activeOpens} and accepted at least {@code passiveOpens} connections, and its
     * link carried at least {@code rxBytes} in and {@code txBytes} out (frames counted with
     * their headers, so payload is a lower bound).
     */
    void assertOverTheLink(long activeOpens, long passiveOpens, long rxBytes, long txBytes) {
        assertTrue(line.contains("accelerated=true"), line);
        assertEquals(0, get("kernelFallbacks"), "channels on the kernel: " + line);
        assertTrue(get("TCP_ACTIVE_OPENS") >= activeOpens, "TCP_ACTIVE_OPENS >= " + activeOpens + ": " + line);
        assertTrue(get("TCP_PASSIVE_OPENS") >= passiveOpens, "TCP_PASSIVE_OPENS >= " + passiveOpens + ": " + line);
        assertTrue(get("TCP_SEGMENTS_IN") > 0 && get("TCP_SEGMENTS_OUT") > 0, line);
        assertTrue(get("LINK_RX_BYTES") >= rxBytes, "LINK_RX_BYTES >= " + rxBytes + ": " + line);
        assertTrue(get("LINK_TX_BYTES") >= txBytes, "LINK_TX_BYTES >= " + txBytes + ": " + line);
        assertEquals(0, get("LINK_RX_DROP_MALFORMED"), line);
    }
}
