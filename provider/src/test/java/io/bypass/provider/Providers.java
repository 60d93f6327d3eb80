package io.bypass.provider;

import java.nio.channels.spi.SelectorProvider;
import java.util.stream.Stream;

/** The two providers every contract test runs against, with the same expectations. */
final class Providers {
    private Providers() {
    }

    /** Ours, accelerating every loopback and wildcard listener. */
    static final BypassSelectorProvider BYPASS = new BypassSelectorProvider(
            BypassConfig.fromSystemProperties().withRules(Rules.parse("bind * *", "test")));

    static Stream<SelectorProvider> both() {
        return Stream.of(JdkProvider.get(), BYPASS);
    }
}
