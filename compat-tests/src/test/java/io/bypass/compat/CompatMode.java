package io.bypass.compat;

import java.nio.channels.spi.SelectorProvider;
import java.util.Locale;

/**
 * Which run this is, from the system properties the surefire execution sets:
 * {@code compat.mode} ({@code bypass} or {@code jdk}) and {@code compat.link} (the link the
 * Bypass run uses: {@code loopback}, the in-JVM pair, or {@code shm}, the shared-memory link
 * to a peer JVM). A mode is a property of the execution, not of a test, so that another link
 * is one more execution of the same classes.
 */
enum CompatMode {
    /** Our provider, with the test ports accelerated. */
    BYPASS,
    /** The JDK's provider: the control. */
    JDK;

    /** Named, not imported: the control run has no Bypass on its class path. */
    private static final String BYPASS_PROVIDER = "io.bypass.provider.BypassSelectorProvider";

    /** @return the mode of this JVM */
    static CompatMode current() {
        String mode = System.getProperty("compat.mode");
        if (mode == null) {
            throw new IllegalStateException("compat.mode is not set: run these tests through the compat-tests "
                    + "module's surefire executions (bypass, jdk-control), which set it");
        }
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "bypass" -> BYPASS;
            case "jdk" -> JDK;
            default -> throw new IllegalStateException("compat.mode='" + mode + "': expected bypass or jdk");
        };
    }

    /** @return the link of a Bypass run (its {@code compat.link}) */
    static String link() {
        return System.getProperty("compat.link", "loopback");
    }

    /**
     * @return the provider the JVM uses, checked against the mode: ours in a Bypass run,
     *         the JDK's ({@code sun.nio.ch}) in the control
     */
    static SelectorProvider checkedProvider() {
        SelectorProvider p = SelectorProvider.provider();
        String name = p.getClass().getName();
        if (current() == BYPASS && !name.equals(BYPASS_PROVIDER)) {
            throw new AssertionError("compat.mode=bypass but the JVM's SelectorProvider is " + name
                    + ": is -Djava.nio.channels.spi.SelectorProvider set?");
        }
        if (current() == JDK && !name.startsWith("sun.nio.ch.")) {
            throw new AssertionError("compat.mode=jdk but the JVM's SelectorProvider is " + name);
        }
        return p;
    }
}
