package io.bypass.compat;

import io.bypass.provider.BypassSelectorProvider;
import io.bypass.stack.Counter;

import java.nio.channels.spi.SelectorProvider;

/**
 * The provider's counters that prove acceleration. The only class here that names the
 * provider's types: the control run has no Bypass on its class path (the provider jar's
 * service file would otherwise install it), so this class is loaded in Bypass runs only.
 *
 * @param passiveOpens        connections stack listeners accepted
 * @param rxBytes             bytes in frames the stacks received
 * @param kernelFallbacks     channels the provider routed to the kernel
 * @param acceleratedChannels channels the provider routed to the stack (listeners, connects)
 */
record BypassCounters(long passiveOpens, long rxBytes, long kernelFallbacks, long acceleratedChannels) {
    /** @return the counters of the JVM's provider now */
    static BypassCounters now() {
        BypassSelectorProvider p = (BypassSelectorProvider) SelectorProvider.provider();
        return new BypassCounters(p.counter(Counter.TCP_PASSIVE_OPENS), p.counter(Counter.RX_BYTES),
                p.kernelFallbacks(), p.acceleratedChannels());
    }

    /** @return these counters less {@code earlier} */
    BypassCounters minus(BypassCounters earlier) {
        return new BypassCounters(passiveOpens - earlier.passiveOpens, rxBytes - earlier.rxBytes,
                kernelFallbacks - earlier.kernelFallbacks, acceleratedChannels - earlier.acceleratedChannels);
    }
}
