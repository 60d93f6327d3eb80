package io.bypass.provider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RulesTest {
    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void firstMatchingRuleWinsAndCommentsAndBlankLinesAreIgnored() throws Exception {
        Rules r = Rules.parse("""
                # accelerate the service ports
                bind 127.0.0.1 8000-8099   # trailing comment

                connect 10.0.0.0/8 *
                bind * 9000
                """, "rules.txt");
        assertEquals(3, r.rules().size());
        assertEquals(r.rules().get(0), r.match(Rule.Kind.BIND, ip("127.0.0.1"), 8080));
        assertNull(r.match(Rule.Kind.BIND, ip("127.0.0.1"), 8100));
        assertEquals(r.rules().get(2), r.match(Rule.Kind.BIND, ip("0.0.0.0"), 9000));
        assertEquals(r.rules().get(1), r.match(Rule.Kind.CONNECT, ip("10.200.3.4"), 1));
        assertNull(r.match(Rule.Kind.CONNECT, ip("11.0.0.1"), 1));
        assertNull(r.match(Rule.Kind.CONNECT, ip("127.0.0.1"), 8080));
    }

    @Test
    void openEndedPortRangesAndHostNames() throws Exception {
        Rules r = Rules.parse("bind localhost 1024-*; connect 192.168.1.0/25 *-80", "bypass.rules.inline");
        assertNotNull(r.match(Rule.Kind.BIND, InetAddress.getLoopbackAddress(), 65535));
        assertNull(r.match(Rule.Kind.BIND, InetAddress.getLoopbackAddress(), 1023));
        assertNotNull(r.match(Rule.Kind.CONNECT, ip("192.168.1.127"), 0));
        assertNull(r.match(Rule.Kind.CONNECT, ip("192.168.1.128"), 80));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "listen * *",               // unknown kind
            "bind *",                   // too few fields
            "bind * * extra",           // too many fields
            "bind 1.2.3 80",            // short address
            "bind 1.2.3.256 80",        // octet out of range
            "bind 1.2.3.4/33 80",       // prefix too long
            "bind 1.2.3.4/x 80",        // prefix not a number
            "bind localhost/8 80",      // prefix on a host name
            "bind * 65536",             // port out of range
            "bind * -1",                // empty lower bound
            "bind * 90-80",             // empty range
            "bind * http",              // port not a number
            "bind 1.2.3.4.5 80",        // five octets
    })
    void malformedRuleIsAnErrorNamingSourceAndLine(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rules.parse("# header\nbind * 80\n" + bad + "\n", "/etc/bypass.rules"));
        assertTrue(e.getMessage().startsWith("/etc/bypass.rules:3: "), e.getMessage());
    }

    @Test
    void badPropertyIsAnErrorNamingIt() {
        for (String[] kv : new String[][] {{"bypass.spin", "fast"}, {"bypass.ip", "127.0.0.1"},
                {"bypass.ip", "300.1.1.1"}, {"bypass.prefix", "40"}, {"bypass.mac", "01:00:00:00:00:01"},
                {"bypass.link", "dpdk"}, {"bypass.profile", "throughput"}, {"bypass.debug", "yes"},
                {"bypass.rcvbuf", "-1"}, {"bypass.rules", "/nonexistent/rules"}, {"bypass.pin", "-2"},
                {"bypass.stats", "yes"}, {"bypass.link", "shm"}, {"bypass.link", "shm:/a?side"},
                {"bypass.link.fallback", "ignore"}, {"bypass.max.connections", "0"}, {"bypass.max.timewait", "-1"},
                {"bypass.tw.reuse", "yes"}}) {
            Properties p = new Properties();
            p.setProperty(kv[0], kv[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BypassConfig.from(p));
            assertTrue(e.getMessage().startsWith(kv[0]), e.getMessage());
        }
    }

    @Test
    void latencyProfileSpinsUnlessSpinIsGiven() {
        Properties p = new Properties();
        p.setProperty("bypass.profile", "latency");
        assertEquals(BypassConfig.LATENCY_SPIN_US * 1000, BypassConfig.from(p).spinNs());
        p.setProperty("bypass.spin", "5");
        assertEquals(5000, BypassConfig.from(p).spinNs());
        assertEquals(0, BypassConfig.from(new Properties()).spinNs());
    }

    @Test
    void latencyProfileSpinsFiftyMicrosecondsAndPinAndStatsAreRead() {
        Properties p = new Properties();
        p.setProperty("bypass.profile", "latency");
        assertEquals(50_000, BypassConfig.from(p).spinNs());
        assertEquals(java.util.List.of(), BypassConfig.from(p).pinCpus());
        assertFalse(BypassConfig.from(p).stats());
        p.setProperty("bypass.pin", "1");
        p.setProperty("bypass.stats", "true");
        assertEquals(java.util.List.of(1), BypassConfig.from(p).pinCpus());
        assertTrue(BypassConfig.from(p).stats());
        p.setProperty("bypass.pin", "0, 1");
        assertEquals(java.util.List.of(0, 1), BypassConfig.from(p).pinCpus());
    }

    @Test
    void aBadPinListIsAnErrorNamingTheProperty() {
        for (String bad : new String[] {"", "1,", "a", "0,-1", "1,,2"}) {
            Properties p = new Properties();
            p.setProperty("bypass.pin", bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BypassConfig.from(p));
            assertTrue(e.getMessage().startsWith("bypass.pin='" + bad + "'"), e.getMessage());
        }
    }
}
