package io.bypass.stack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinkSpecTest {
    private static void rejected(String spec, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            LinkSpec s = LinkSpec.parse(spec);
            s.target("a path");
            s.integer("mtu", 1500, 68, 65_535);
            s.choice("side", "any", "0", "1", "any");
            s.rejectUnknown();
        });
        assertTrue(e.getMessage().startsWith("link spec '" + spec + "': ") && e.getMessage().contains(expected),
                e.getMessage());
    }

    @Test
    void targetAndParametersAreSplitAtTheQuestionMark() {
        LinkSpec s = LinkSpec.parse("shm:/dev/shm/a-b?side=1&MTU=65000");
        assertEquals("shm", s.scheme());
        assertEquals("/dev/shm/a-b", s.target("a path"));
        assertEquals(65_000, s.integer("mtu", 1500, 68, 65_535), "keys are case-insensitive");
        assertEquals("1", s.choice("side", "any", "0", "1", "any"));
        s.rejectUnknown();
    }

    @Test
    void absentParametersTakeTheirDefaults() {
        LinkSpec s = LinkSpec.parse("tap:byp0");
        assertEquals(1500, s.integer("mtu", 1500, 68, 65_535));
        assertEquals("any", s.choice("side", "any", "0", "1", "any"));
    }

    @Test
    void aStringParameterIsTakenAsWrittenAndCountsAsKnown() {
        LinkSpec s = LinkSpec.parse("dpdk:net_tap0,iface=a?eal=--no-huge -m 512 --file-prefix=b");
        assertEquals("net_tap0,iface=a", s.target("the device"));
        assertEquals("--no-huge -m 512 --file-prefix=b", s.string("eal", ""), "split at the first '=' only");
        assertEquals("4095", s.string("mbufs", "4095"));
        s.rejectUnknown();
    }

    @Test
    void everyMalformedPartIsNamed() {
        rejected("shm", "expected scheme:target");
        rejected(":x", "expected scheme:target");
        rejected("SHM:/a", "scheme 'SHM'");
        rejected("shm:", "missing a path");
        rejected("shm:/a?mtu", "parameter 'mtu' is not key=value");
        rejected("shm:/a?mtu=1500&mtu=9000", "'mtu' given twice");
        rejected("shm:/a?mtu=big", "mtu='big' is not an integer");
        rejected("shm:/a?mtu=70000", "mtu=70000 must be 68..65535");
        rejected("shm:/a?side=2", "side='2' must be one of 0, 1, any");
        rejected("shm:/a?sied=1", "unknown parameter 'sied'");
    }
}
