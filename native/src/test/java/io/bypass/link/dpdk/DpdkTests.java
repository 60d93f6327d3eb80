package io.bypass.link.dpdk;

import io.bypass.link.interop.KernelNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** What the DPDK tests share: one set of EAL arguments (one EAL per JVM) and the skip rules. */
final class DpdkTests {
    /**
     * No hugepages on the test machines; 512 MiB of ordinary memory for the pools; no PCI
     * scan: every device is a vdev the test probes.
     */
    static final String EAL = "--no-huge+-m+512+--no-pci";

    /** @return the link spec of a device with the tests' EAL arguments */
    static String spec(String devargs) {
        return "dpdk:" + devargs + "?eal=" + EAL;
    }

    private DpdkTests() {
    }

    /** Skips the calling test, saying why, unless we are root and DPDK is installed. */
    static void assumeRootAndDpdk(String what) {
        KernelNamespace.assumeRoot(what);
        String failure = ShimLibrary.failure();
        Assumptions.assumeTrue(failure == null, what + " skipped: " + failure);
    }

    /**
     * @return the machine's 2 MiB hugepages now ({@code HugePages_Total} of /proc/meminfo): the
     *         reserved ones and the surplus ones still mapped after a reservation was given back
     */
    static long hugepagesTotal() throws IOException {
        return meminfo("HugePages_Total");
    }

    /**
     * @param field a counter of /proc/meminfo without its colon, e.g. {@code HugePages_Free}
     * @return its value (pages, or kB for sizes); 0 when the kernel has no such line
     */
    static long meminfo(String field) throws IOException {
        String prefix = field + ":";
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length()).replace("kB", "").strip());
            }
        }
        return 0;
    }

    /** Keeps the host kernel from sending IPv6 autoconfiguration out of an interface of ours. */
    static void disableIpv6(String name) throws IOException {
        Files.writeString(Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6"), "1");
    }
}
