package io.bypass.samples.report;

import java.util.List;

/**
 * How one side of a comparison runs the latency tool: per JVM, {@code null} for the plain
 * JDK (the kernel path) or the {@code bin/bypass} options that put it on Bypass. Options may
 * hold the placeholders {@code ${run}} (unique per measurement), {@code ${ns}} and
 * {@code ${ifname}} (the target's {@link Namespace}).
 *
 * @param label          {@code kernel} or {@code bypass}
 * @param clientLauncher bin/bypass options of the client JVM (the only JVM of a one-JVM target), or null
 * @param serverLauncher bin/bypass options of the server JVM, or null
 * @param serverInNamespace the server JVM runs inside the target's namespace ({@code ip netns exec})
 * @param serverBind     the address the server binds
 * @param connectHost    the address the client connects to
 */
public record Side(String label, List<String> clientLauncher, List<String> serverLauncher, boolean serverInNamespace,
                   String serverBind, String connectHost) {
    /** The kernel side of a one-JVM target. */
    static Side kernelInJvm() {
        return new Side("kernel", null, null, false, "127.0.0.1", "127.0.0.1");
    }

    /** @return whether this side runs Bypass in any of its JVMs */
    public boolean bypass() {
        return clientLauncher != null || serverLauncher != null;
    }
}
