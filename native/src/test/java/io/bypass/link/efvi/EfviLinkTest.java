package io.bypass.link.efvi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import java.io.IOException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code efvi:} on a machine without Onload: the link says so at start, from a real library probe. */
class EfviLinkTest {
    @Test
    void withoutOnloadOpeningSaysEfviIsNotInstalledAndWhatToInstall() {
        Assumptions.assumeTrue(EfviLink.probe() != null, "Onload's libciul.so.1 is installed here");
        IOException e = assertThrows(IOException.class, () -> LinkFactory.open("efvi:eth0", LinkSettings.DEFAULTS));
        assertTrue(e.getMessage().startsWith("ef_vi on eth0: ef_vi is not installed (Onload's libciul.so.1"),
                e.getMessage());
        assertTrue(e.getMessage().contains("install Onload"), e.getMessage());
    }

    @Test
    void aBadSpecIsNamedBeforeAnyProbe() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinkFactory.open("efvi:eth0?queue=1", LinkSettings.DEFAULTS));
        assertTrue(e.getMessage().contains("link spec 'efvi:eth0?queue=1': unknown parameter 'queue'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LinkFactory.open("efvi:", LinkSettings.DEFAULTS));
        assertTrue(e.getMessage().contains("missing the Solarflare interface's name"), e.getMessage());
    }
}
