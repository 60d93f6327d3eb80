package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.link.interop.InteropWorld;
import io.bypass.link.interop.KernelInteropTests;
import io.bypass.link.interop.KernelNamespace;
import java.io.File;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

/**
 * The kernel interop tests ({@link KernelInteropTests}) over DPDK's {@code net_tap} PMD: the
 * PMD creates the TAP {@code dtp<id>}, which is then moved into the test's namespace (the
 * PMD keeps its fd). net_tap offers checksum offload (done in software by the PMD), so this
 * also runs the stack's offload paths against the kernel.
 */
class DpdkTapInteropTest extends KernelInteropTests {
    @BeforeEach
    void onlyAsRootWithDpdk() {
        DpdkTests.assumeRootAndDpdk("DPDK TAP interop tests");
        Assumptions.assumeTrue(new File("/dev/net/tun").exists(), "no /dev/net/tun (modprobe tun): skipped");
    }

    @Override
    protected InteropWorld openWorld(double[] faults) throws Exception {
        KernelNamespace ns = new KernelNamespace();
        String name = String.format("dtp%04x", ns.id);
        DpdkLink link = null;
        try {
            link = DpdkLink.open(DpdkTests.spec("net_tap" + ns.id + ",iface=" + name));
            assertEquals("net_tap", link.driver());
            // The PMD completes and verifies checksums (in software): the stack must use that.
            assertTrue(link.capabilities().txL4ChecksumOffload() && link.capabilities().rxL4ChecksumVerified(),
                    link.capabilities().toString());
            ns.adopt(name);
            DpdkLink opened = link;
            return new InteropWorld(ns, opened, opened::close, opened::framesInUse, () -> opened.deviceStats().toString(), name, ns.madeUpMac(), faults);
        } catch (Exception e) {
            if (link != null) {
                link.close();
            }
            ns.close();
            throw e;
        }
    }

    @Override
    protected String label() {
        return "DPDK net_tap";
    }
}
