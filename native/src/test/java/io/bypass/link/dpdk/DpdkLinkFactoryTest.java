package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code dpdk:} specs opened through the service file, as the provider opens {@code bypass.link}. */
class DpdkLinkFactoryTest {
    @Test
    void badSpecsAreNamedBeforeDpdkIsTouched() {
        for (String[] c : new String[][] {
                {"dpdk:", "missing the device's devargs"},
                {"dpdk:net_tap0?eal=--no-huge&mbufs=10", "mbufs=10 must be 64..16777216"},
                {"dpdk:net_tap0?dev=net_tap1", "unknown parameter 'dev' (known: eal, mbufs, rxd, txd, mtu, offload)"},
                {"dpdk:--no-huge;dev=net_tap0", "'--no-huge;dev=net_tap0' is not a device"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinkFactory.open(c[0], LinkSettings.DEFAULTS));
            assertTrue(e.getMessage().contains("link spec '" + c[0] + "'") && e.getMessage().contains(c[1]),
                    e.getMessage());
        }
    }

    @Test
    void anUnknownSchemeListsTheDpdkAndEfviForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinkFactory.open("dpkd:net_tap0", LinkSettings.DEFAULTS));
        assertTrue(e.getMessage().contains(DpdkConfig.USAGE) && e.getMessage().contains("efvi:<ifname>"), e.getMessage());
    }

    /** Root only: a net_tap port probed through the factory; its interface stays down (no traffic) and goes at close. */
    @Test
    void specOpensAPortThatCloseRemoves() throws Exception {
        DpdkTests.assumeRootAndDpdk("opening a DPDK port through the factory");
        String name = "bypd" + ProcessHandle.current().pid() % 10_000;
        Link link = LinkFactory.open(DpdkTests.spec("net_tap96,iface=" + name) + "&mbufs=1023&mtu=1400",
                LinkSettings.DEFAULTS);
        try {
            DpdkLink dpdk = assertInstanceOf(DpdkLink.class, link);
            assertEquals("net_tap", dpdk.driver());
            assertEquals(1400, link.mtu());
            assertTrue(Files.exists(Path.of("/sys/class/net", name)));
            assertEquals(0, link.stats().get(LinkCounter.RX_FRAMES));
            assertEquals(0, link.stats().get(LinkCounter.RX_DROP_NO_BUFFER), "read from the PMD");
        } finally {
            link.close();
        }
        assertTrue(Files.notExists(Path.of("/sys/class/net", name)), "a probed device is removed at close");
        assertEquals(0, link.stats().get(LinkCounter.TX_ERRORS), "counters stay readable after close");
    }
}
