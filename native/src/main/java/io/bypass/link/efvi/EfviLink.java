package io.bypass.link.efvi;

import io.bypass.stack.link.Link;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

/**
 * What {@code bypass.link=efvi:<interface>} opens ({@link EfviLinkFactory}): Solarflare/AMD's ef_vi, the
 * user-level API of Onload's driver. ef_vi bindings are compiled only where Onload's
 * headers ({@code etherfabric/*.h}) and library ({@code libciul.so.1}) exist at build time;
 * this build has none, so {@link #open} probes for the library at run time (a real
 * {@code dlopen} through FFM, not a fixed message) and says what to install. Solarflare
 * NICs are also reachable without Onload, through DPDK's {@code net_sfc} PMD
 * ({@code bypass.link=dpdk:<PCI address>?eal=-a+<PCI address>}).
 */
public final class EfviLink {
    /** The scheme of a {@code bypass.link} spec that selects this link. */
    public static final String SCHEME = "efvi";
    /** Onload's ef_vi library, as its installer puts it on the loader's path. */
    static final String LIBRARY = "libciul.so.1";

    private EfviLink() {
    }

    /**
     * Opens an ef_vi link.
     *
     * @param ifname the Solarflare interface, e.g. {@code eth2}
     * @return never, in this build
     * @throws IOException saying that ef_vi is not installed and what to install, or, where
     *                     Onload's library is present, that this build has no ef_vi bindings
     */
    public static Link open(String ifname) throws IOException {
        String probe = probe();
        if (probe != null) {
            throw new IOException("ef_vi on " + ifname + ": " + probe);
        }
        throw new IOException("ef_vi on " + ifname + ": Onload's " + LIBRARY + " is installed, but this build of Bypass"
                + " was made without Onload's etherfabric headers, so it has no ef_vi bindings: rebuild on a machine"
                + " with Onload installed, or use DPDK's net_sfc PMD (bypass.link=dpdk:<PCI address>?eal=-a+<PCI address>)");
    }

    /**
     * Looks for Onload's ef_vi library with the dynamic loader.
     *
     * @return why ef_vi cannot be used and what to install, or {@code null} when the library loads
     */
    static String probe() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(LIBRARY, arena);
            return null;
        } catch (IllegalArgumentException e) {
            return "ef_vi is not installed (Onload's " + LIBRARY + " / etherfabric headers): install Onload"
                    + " (https://github.com/Xilinx-CNS/onload, or AMD's packages: onload, onload-devel) and"
                    + " rebuild, or drive a Solarflare NIC through DPDK's net_sfc PMD"
                    + " (bypass.link=dpdk:<PCI address>?eal=-a+<PCI address>)";
        }
    }
}
