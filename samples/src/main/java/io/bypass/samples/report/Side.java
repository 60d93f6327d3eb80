package io.bypass.samples.report;

import java.util.List;

/**
 * How one side of a comparison runs the latency tool: per JVM, {@code null} for the plain
 * JDK (the kernel path) or the {@code bin/bypass} options that put it on Bypass; and how its
 * event loops wait for their selectors. Options may hold the placeholders {@code ${run}}
 * (unique per measurement), {@code ${ns}} and {@code ${ifname}} (the target's {@link Namespace}).
 *
 * @param label          {@code kernel}, {@code kernel, busy-poll} or {@code bypass}
 * @param clientLauncher bin/bypass options of the client JVM (the only JVM of a one-JVM target), or null
 * @param serverLauncher bin/bypass options of the server JVM, or null
 * @param serverInNamespace the server JVM runs inside the target's namespace ({@code ip netns exec})
 * @param serverBind     the address the server binds
 * @param connectHost    the address the client connects to
 * @param busyPoll       the tool's event loops busy-poll ({@code --busy-poll}) instead of blocking in select()
 */
public record Side(String label, List<String> clientLauncher, List<String> serverLauncher, boolean serverInNamespace,
                   String serverBind, String connectHost, boolean busyPoll) {
    /** The label of the busy-polling kernel baseline. */
    static final String KERNEL_BUSY_POLL = "kernel, busy-poll";

    /** A side whose selectors block ({@code select()}), as most applications' do. */
    Side(String label, List<String> clientLauncher, List<String> serverLauncher, boolean serverInNamespace,
         String serverBind, String connectHost) {
        this(label, clientLauncher, serverLauncher, serverInNamespace, serverBind, connectHost, false);
    }

    /** The kernel side of a one-JVM target. */
    static Side kernelInJvm() {
        return new Side("kernel", null, null, false, "127.0.0.1", "127.0.0.1");
    }

    /** @return this side with busy-polling event loops, labelled {@value #KERNEL_BUSY_POLL} (for a kernel side) */
    Side busyPolling() {
        return new Side(KERNEL_BUSY_POLL, clientLauncher, serverLauncher, serverInNamespace, serverBind, connectHost,
                true);
    }

    /** @return whether this side runs Bypass in any of its JVMs */
    public boolean bypass() {
        return clientLauncher != null || serverLauncher != null;
    }
}
