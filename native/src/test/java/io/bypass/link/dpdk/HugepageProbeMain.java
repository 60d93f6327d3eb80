package io.bypass.link.dpdk;

import java.io.IOException;

/**
 * For {@link DpdkLinkErrorsTest}: opens a DPDK link whose EAL arguments ask for hugepages,
 * in a JVM whose EAL has not started, and prints the error.
 */
public final class HugepageProbeMain {
    private HugepageProbeMain() {
    }

    /**
     * Prints the open's error message (or "opened" if it, unexpectedly, worked).
     *
     * @param args none
     */
    public static void main(String[] args) {
        try (DpdkLink link = DpdkLink.open("dpdk:net_tap94,iface=bypassh94?eal=--no-pci")) {
            System.out.println("opened " + link.driver());
        } catch (IOException | RuntimeException e) {
            System.out.println(e.getMessage());
        }
    }
}
