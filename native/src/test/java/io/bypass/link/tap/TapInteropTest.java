package io.bypass.link.tap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.link.interop.InteropWorld;
import io.bypass.link.interop.KernelInteropTests;
import io.bypass.link.interop.KernelNamespace;
import io.bypass.link.interop.LinkWakeUps;
import io.bypass.stack.link.LinkCounter;
import java.io.File;
import java.io.IOException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel interop tests ({@link KernelInteropTests}) over a TAP interface through
 * {@link TapLink}: the TAP {@code byp<id>} is moved into the test's namespace, our stack
 * stays on its fd.
 */
class TapInteropTest extends KernelInteropTests {
    /** Frames per pool: more than a 256 KiB receive window of full segments, plus bursts. */
    private static final int FRAMES = 2048;
    private static final int MTU = 1500;

    @BeforeEach
    void onlyAsRoot() {
        KernelNamespace.assumeRoot("TAP interop tests");
        Assumptions.assumeTrue(new File("/dev/net/tun").exists(), "no /dev/net/tun (modprobe tun): skipped");
    }

    @Override
    protected InteropWorld openWorld(double[] faults) throws Exception {
        KernelNamespace ns = new KernelNamespace();
        String name = String.format("byp%04x", ns.id);
        TapLink tap = null;
        try {
            tap = TapLink.open(name, FRAMES, MTU);
            ns.adopt(name);
            TapLink link = tap;
            return new InteropWorld(ns, link, link::close,
                    () -> link.receiveFramesInUse() + link.transmitFramesInUse(),
                    () -> "receive errors " + link.stats().get(LinkCounter.RX_ERRORS) + ", transmit errors "
                            + link.stats().get(LinkCounter.TX_ERRORS), name,
                    ns.madeUpMac(), faults);
        } catch (Exception e) {
            if (tap != null) {
                tap.close();
            }
            ns.close();
            throw e;
        }
    }

    @Override
    protected String label() {
        return "TAP";
    }

    @Test
    void aSleepOnTheLinkEndsForAFrameAndForAWakeUp() throws Exception {
        try (KernelNamespace ns = new KernelNamespace()) {
            String name = String.format("byw%04x", ns.id);
            try (TapLink tap = TapLink.open(name, 64, MTU)) {
                LinkWakeUps.quietIpv6(ns);
                ns.adopt(name);
                LinkWakeUps.wakesUpForAFrameAndForAWakeUp(tap, ns);
            }
        }
    }

    // A name taken by a device that is not a TAP: a clear error, no fd left open.
    @Test
    void openingAnExistingNonTapNameSaysWhatToDo() {
        IOException e = assertThrows(IOException.class, () -> TapLink.open("lo", 16, 1500));
        assertTrue(e.getMessage().contains("lo exists and is not a TAP"), e.getMessage());
    }
}
