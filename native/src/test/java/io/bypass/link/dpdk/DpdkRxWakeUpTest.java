package io.bypass.link.dpdk;

import io.bypass.link.interop.KernelNamespace;
import io.bypass.link.interop.LinkWakeUps;
import org.junit.jupiter.api.Test;

/**
 * A thread with nothing to do sleeps on a DPDK port until frames arrive ({@link
 * DpdkLink#awaitFrames}): on {@code net_af_xdp} in the PMD's XDP socket, on {@code net_tap} in
 * its rx interrupt (the tap fd). The checks are {@link LinkWakeUps}'.
 */
class DpdkRxWakeUpTest {
    @Test
    void afXdpWakesUpForAFrameAndForAWakeUp() throws Exception {
        DpdkTests.assumeRootAndDpdk("DPDK rx wake-up on net_af_xdp");
        try (KernelNamespace ns = new KernelNamespace()) {
            String ours = String.format("bwa%04x", ns.id);
            String theirs = String.format("bwb%04x", ns.id);
            KernelNamespace.run("ip", "link", "add", ours, "type", "veth", "peer", "name", theirs, "netns", ns.namespace);
            try {
                DpdkTests.disableIpv6(ours);
                LinkWakeUps.quietIpv6(ns);
                ns.configure(theirs);
                KernelNamespace.run("ip", "link", "set", ours, "up");
                DpdkLink link = DpdkLink.open(DpdkTests.spec("net_af_xdp" + ns.id + ",iface=" + ours));
                try {
                    LinkWakeUps.wakesUpForAFrameAndForAWakeUp(link, ns);
                } finally {
                    link.close();
                }
            } finally {
                KernelNamespace.run("ip", "link", "del", ours);
            }
        }
    }

    @Test
    void tapWakesUpForAFrameAndForAWakeUp() throws Exception {
        DpdkTests.assumeRootAndDpdk("DPDK rx wake-up on net_tap");
        try (KernelNamespace ns = new KernelNamespace()) {
            DpdkLink link = DpdkLink.open(DpdkTests.spec("net_tap" + ns.id + ",iface=" + String.format("bwt%04x", ns.id)));
            try {
                LinkWakeUps.quietIpv6(ns);
                ns.adopt(String.format("bwt%04x", ns.id));
                LinkWakeUps.wakesUpForAFrameAndForAWakeUp(link, ns);
            } finally {
                link.close();
            }
        }
    }
}
