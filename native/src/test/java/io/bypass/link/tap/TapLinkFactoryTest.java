package io.bypass.link.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code tap:} specs opened through the service file, as the provider opens {@code bypass.link}. */
class TapLinkFactoryTest {
    @Test
    void badInterfaceNamesAndParametersAreNamed() {
        for (String[] c : new String[][] {
                {"tap:", "missing the interface name"},
                {"tap:a-name-far-too-long", "interface name 'a-name-far-too-long' must be 1 to 15"},
                {"tap:bad/name", "interface name 'bad/name'"},
                {"tap:byp0?mtu=10", "mtu=10 must be 68..65535"},
                {"tap:byp0?side=1", "unknown parameter 'side'"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinkFactory.open(c[0], LinkSettings.DEFAULTS));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /** Root only: the interface is made, stays down with no address (no traffic), and goes away at close. */
    @Test
    void specOpensATapInterfaceThatCloseRemoves() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        assumeTrue(root, "creating a TAP interface needs root (CAP_NET_ADMIN); skipped as " + System.getProperty("user.name"));
        String name = "bypf" + (ProcessHandle.current().pid() % 10_000);
        Link link = LinkFactory.open("tap:" + name + "?mtu=9000", LinkSettings.DEFAULTS);
        try {
            assertEquals(name, assertInstanceOf(TapLink.class, link).name());
            assertEquals(9000, link.mtu());
            assertTrue(Files.exists(Path.of("/sys/class/net", name)));
        } finally {
            link.close();
        }
        assertTrue(Files.notExists(Path.of("/sys/class/net", name)), "a non-persistent TAP goes with its fd");
    }
}
