package io.bypass.link.dpdk;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Finds and loads the DPDK shim, {@code libbypassdpdk.so}, once per process: from the
 * class path resource {@code native/linux-x86_64/libbypassdpdk.so} that the Maven build
 * puts next to the classes (loaded in place from a directory, copied to a temporary file
 * from a jar, since {@code dlopen} needs a file). Loading it loads DPDK's own libraries,
 * which the dynamic linker finds where Debian's packages put them.
 */
final class ShimLibrary {
    /** What to do when DPDK is missing at build time or at run time. */
    static final String NOT_INSTALLED = "DPDK is not installed: apt-get install libdpdk-dev pkg-config, then rebuild";
    private static final String RESOURCE = "/native/linux-x86_64/libbypassdpdk.so";

    private static final SymbolLookup LOOKUP;
    private static final String FAILURE;

    static {
        SymbolLookup lookup = null;
        String failure = null;
        try {
            lookup = load();
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
        }
        LOOKUP = lookup;
        FAILURE = failure;
    }

    private ShimLibrary() {
    }

    /** @return why the shim cannot be used (with what to do), or {@code null} when it is loaded */
    static String failure() {
        return FAILURE;
    }

    /**
     * @return the loaded shim's symbols
     * @throws IllegalStateException when it could not be loaded (see {@link #failure()})
     */
    static SymbolLookup lookup() {
        if (LOOKUP == null) {
            throw new IllegalStateException(FAILURE);
        }
        return LOOKUP;
    }

    private static SymbolLookup load() throws IOException {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        if (!"Linux".equals(os) || !("amd64".equals(arch) || "x86_64".equals(arch))) {
            throw new IOException("the DPDK link is built for Linux x86-64 only, not " + os + "/" + arch);
        }
        URL url = ShimLibrary.class.getResource(RESOURCE);
        if (url == null) {
            // The build skipped the shim: pkg-config found no libdpdk when bypass-native was built.
            throw new IOException(NOT_INSTALLED + " (this build has no DPDK shim)");
        }
        Path file = extract(url);
        try {
            return SymbolLookup.libraryLookup(file, Arena.global());
        } catch (IllegalArgumentException e) {
            // dlopen failed: DPDK's libraries (librte_*.so) are gone or of another version
            // than the one the shim was built against.
            throw new IOException(NOT_INSTALLED + " (cannot load " + file + ": " + e.getMessage()
                    + "; ldd on it names the missing library)", e);
        }
    }

    private static Path extract(URL url) throws IOException {
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException("bad resource URL " + url, e);
            }
        }
        Path file = Files.createTempFile("libbypassdpdk", ".so");
        file.toFile().deleteOnExit();
        try (InputStream in = url.openStream()) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
