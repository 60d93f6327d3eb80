package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A DPDK link that cannot start says why and what to do. */
class DpdkLinkErrorsTest {
    @BeforeEach
    void onlyAsRootWithDpdk() {
        DpdkTests.assumeRootAndDpdk("DPDK link error tests");
    }

    // The devargs and DPDK's rte_errno text, not just "failed".
    @Test
    void aDeviceThatCannotBeProbedIsNamedWithDpdksReason() {
        String devargs = "net_af_xdp91,iface=bypass-no-such-if";
        IOException e = assertThrows(IOException.class, () -> DpdkLink.open(DpdkTests.spec(devargs)));
        assertTrue(e.getMessage().contains("could not probe device '" + devargs + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("rte_dev_probe(" + devargs + ") failed: "), e.getMessage());
    }

    // With --no-pci the EAL attached no NIC and cannot probe one either.
    @Test
    void aNicTheEalDidNotAttachSaysHowToAttachIt() {
        IOException e = assertThrows(IOException.class, () -> DpdkLink.open(DpdkTests.spec("0000:7f:00.0")));
        assertTrue(e.getMessage().contains("DPDK could not probe device '0000:7f:00.0'")
                && e.getMessage().contains("attached by the EAL arguments (eal=-a+<PCI address>)"), e.getMessage());
    }

    // rte_eal_init runs once per process: a second setting with other EAL arguments cannot
    // take effect, and must not be silently ignored.
    @Test
    void otherEalArgumentsAfterTheEalStartedAreRefused() throws IOException {
        // Make sure the EAL runs with the tests' arguments (any DPDK test may have started it).
        Eal.start(DpdkConfig.parse(DpdkTests.spec("x")).ealArgs());
        IOException e = assertThrows(IOException.class,
                () -> DpdkLink.open("dpdk:net_tap93,iface=bypassx93?eal=--no-huge+-m+64"));
        assertTrue(e.getMessage().contains("already runs in this process with arguments"), e.getMessage());
    }

    // The hugepage check runs before the EAL starts, so it needs a JVM whose EAL has not
    // (this one's may have): HugepageProbeMain opens a link there and prints the error.
    @Test
    void hugepagesAskedForButNoneReservedSaysHowToReserveThem() throws Exception {
        // HugePages_Total, not nr_hugepages: pages still mapped when another test gave its
        // reservation back count until released, and the EAL sees them.
        Assumptions.assumeTrue(DpdkTests.hugepagesTotal() == 0, "this machine has hugepages reserved");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), HugepageProbeMain.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertTrue(out.contains("ask for hugepages (no --no-huge) but none are reserved") && out.contains("or add --no-huge"),
                out);
    }
}
