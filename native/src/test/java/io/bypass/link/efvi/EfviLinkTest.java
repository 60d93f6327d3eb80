package io.bypass.link.efvi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** ef_vi on a machine without Onload: the link says so at start, from a real library probe. */
class EfviLinkTest {
    @Test
    void withoutOnloadOpeningSaysEfviIsNotInstalledAndWhatToInstall() {
        Assumptions.assumeTrue(EfviLink.probe() != null, "Onload's libciul.so.1 is installed here");
        IOException e = assertThrows(IOException.class, () -> EfviLink.open("efvi:eth0"));
        assertTrue(e.getMessage().startsWith("bypass.link=efvi:eth0: ef_vi is not installed (Onload's libciul.so.1"),
                e.getMessage());
        assertTrue(e.getMessage().contains("install Onload"), e.getMessage());
    }
}
