package io.bypass.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider's counters at the start of a test, to prove at its end what carried the
 * test's traffic. In a Bypass run: the connections the stack accepted, the bytes its frames
 * carried, and the channels that fell back to the kernel; in the control run: that the
 * JDK's provider is the JVM's. Tests in one JVM run one after another, so the differences
 * are the test's own (the stacks' helper thread may add late ACKs, never connections).
 */
final class Acceleration {
    /** The counters at the start, or null in the control run. */
    private final BypassCounters start;

    private Acceleration(BypassCounters start) {
        this.start = start;
    }

    /** @return the counters now; checks that the JVM's provider is the one the mode says */
    static Acceleration start() {
        CompatMode.checkedProvider();
        return new Acceleration(CompatMode.current() == CompatMode.BYPASS ? BypassCounters.now() : null);
    }

    /**
     * Checks that the stack carried the test's traffic: at least {@code connections}
     * connections accepted by stack listeners and as many channels routed to the stack, at
     * least {@code payloadBytes} bytes in the frames the stacks received (headers included,
     * so the payload alone is a lower bound), and no channel routed to the kernel. In the
     * control run, checks that the JDK's provider is still the JVM's.
     */
    void assertAccelerated(long connections, long payloadBytes) {
        assertAccelerated(connections, payloadBytes, 0);
    }

    /**
     * As {@link #assertAccelerated(long, long)}, with exactly {@code kernelChannels}
     * channels (listeners and connects) routed to the kernel during the test.
     */
    void assertAccelerated(long connections, long payloadBytes, long kernelChannels) {
        CompatMode.checkedProvider();
        if (start == null) {
            return;
        }
        BypassCounters d = BypassCounters.now().minus(start);
        System.out.printf("bypass (%s link): %d connections accepted on the stack, %d channels accelerated, "
                + "%d bytes in received frames, %d kernel fallbacks%n", CompatMode.link(), d.passiveOpens(),
                d.acceleratedChannels(), d.rxBytes(), d.kernelFallbacks());
        assertTrue(d.passiveOpens() >= connections, "connections accepted by stack listeners: " + d.passiveOpens()
                + ", expected at least " + connections);
        assertTrue(d.acceleratedChannels() >= connections, "channels routed to the stack: "
                + d.acceleratedChannels() + ", expected at least " + connections);
        assertTrue(d.rxBytes() >= payloadBytes, "bytes in frames the stacks received: " + d.rxBytes()
                + ", expected at least " + payloadBytes);
        assertEquals(kernelChannels, d.kernelFallbacks(), "channels routed to the kernel");
    }

    /**
     * Checks that a two-JVM test's traffic went through this JVM's stack on the external link
     * (not the in-JVM loopback pair): at least {@code activeOpens} connections opened and
     * {@code passiveOpens} accepted by the stacks, at least {@code rxBytes} received and
     * {@code txBytes} sent by the link's device (frames with their headers, so payload is a
     * lower bound), no channel on the kernel. In the control run, checks that the JDK's
     * provider is still the JVM's.
     */
    void assertOverTheLink(long activeOpens, long passiveOpens, long rxBytes, long txBytes) {
        CompatMode.checkedProvider();
        if (start == null) {
            return;
        }
        BypassCounters d = BypassCounters.now().minus(start);
        System.out.printf("bypass (%s link): %d connections opened and %d accepted on the stack, link %d bytes in "
                + "and %d out, %d kernel fallbacks%n", CompatMode.link(), d.activeOpens(), d.passiveOpens(),
                d.linkRxBytes(), d.linkTxBytes(), d.kernelFallbacks());
        assertTrue(d.activeOpens() >= activeOpens, "connections the stacks opened: " + d.activeOpens()
                + ", expected at least " + activeOpens);
        assertTrue(d.passiveOpens() >= passiveOpens, "connections stack listeners accepted: " + d.passiveOpens()
                + ", expected at least " + passiveOpens);
        assertTrue(d.linkRxBytes() >= rxBytes, "bytes the link received: " + d.linkRxBytes() + ", expected at least "
                + rxBytes);
        assertTrue(d.linkTxBytes() >= txBytes, "bytes the link sent: " + d.linkTxBytes() + ", expected at least "
                + txBytes);
        assertEquals(0, d.kernelFallbacks(), "channels routed to the kernel");
    }
}
