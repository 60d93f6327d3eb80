package io.bypass.stack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinkFactoryTest {
    @Test
    void specSchemeFindsItsFactoryThroughTheServiceFile() throws Exception {
        Link link = LinkFactory.open("loop:a?frames=4", new LinkSettings(9000, 0));
        assertEquals(9000, link.mtu(), "the shared settings reach the factory");
        assertTrue(LinkFactory.available().stream().anyMatch(f -> f.scheme().equals("loop")));
    }

    @Test
    void unknownSchemeNamesTheSpecAndListsTheKnownLinks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinkFactory.open("nic:eth0", LinkSettings.DEFAULTS));
        assertTrue(e.getMessage().contains("'nic:eth0'") && e.getMessage().contains("loop:<name>"), e.getMessage());
    }

    @Test
    void unknownParameterIsATypoNamedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinkFactory.open("loop:a?frame=4", LinkSettings.DEFAULTS));
        assertTrue(e.getMessage().contains("unknown parameter 'frame'") && e.getMessage().contains("frames"),
                e.getMessage());
    }

    @Test
    void settingsRejectAnImpossibleMtu() {
        assertThrows(IllegalArgumentException.class, () -> new LinkSettings(67, 0));
        assertThrows(IllegalArgumentException.class, () -> new LinkSettings(1500, -1));
        assertEquals(1500, LinkSettings.DEFAULTS.mtuOr(1500));
    }
}
