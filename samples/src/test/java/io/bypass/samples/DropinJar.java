package io.bypass.samples;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The provider's drop-in jar, which {@code bin/bypass} puts on the class path: tests that
 * start programs through the launcher need it. It is built by the provider's package phase,
 * which {@code bin/build test} always runs (so these tests never skip there); a bare
 * {@code mvn test} does not, and they skip saying so.
 */
public final class DropinJar {
    /** The repository root, for tests that run from the samples module's directory. */
    public static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private DropinJar() {
    }

    /**
     * @return the drop-in jar; the calling test is skipped, with the reason, when it was not built
     * @throws IOException when provider/target cannot be listed
     */
    public static Path findOrSkip() throws IOException {
        Path target = ROOT.resolve("provider/target");
        Path jar;
        try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            jar = files.filter(p -> p.getFileName().toString().matches("bypass-provider-.*-dropin\\.jar"))
                    .findFirst().orElse(null);
        }
        assumeTrue(jar != null, "the drop-in jar is built by the package phase (bin/build test builds it)");
        return jar;
    }
}
