package io.bypass.compat;

import io.bypass.provider.BypassSelectorProvider;
import io.bypass.stack.Counter;
import io.bypass.stack.link.LinkCounter;

import java.nio.channels.spi.SelectorProvider;

/**
 * The provider's counters that prove acceleration. The only class here that names the
 * provider's types: the control run has no Bypass on its class path (the provider jar's
 * service file would otherwise install it), so this class is loaded in Bypass runs only.
 *
 * @param passiveOpens        connections stack listeners accepted
 * @param activeOpens         connections the stacks opened
 * @param rxBytes             bytes in frames the stacks received
 * @param kernelFallbacks     channels the provider routed to the kernel
 * @param acceleratedChannels channels the provider routed to the stack (listeners, connects)
 * @param linkRxBytes         bytes the external link's device received (0 without {@code bypass.link})
 * @param linkTxBytes         bytes it sent
 */
record BypassCounters(long passiveOpens, long activeOpens, long rxBytes, long kernelFallbacks,
                      long acceleratedChannels, long linkRxBytes, long linkTxBytes) {
    /** @return the counters of the JVM's provider now */
    static BypassCounters now() {
        BypassSelectorProvider p = (BypassSelectorProvider) SelectorProvider.provider();
        return new BypassCounters(p.counter(Counter.TCP_PASSIVE_OPENS), p.counter(Counter.TCP_ACTIVE_OPENS),
                p.counter(Counter.RX_BYTES), p.kernelFallbacks(), p.acceleratedChannels(),
                p.linkCounter(LinkCounter.RX_BYTES), p.linkCounter(LinkCounter.TX_BYTES));
    }

    /** @return these counters less {@code earlier} */
    BypassCounters minus(BypassCounters earlier) {
        return new BypassCounters(passiveOpens - earlier.passiveOpens, activeOpens - earlier.activeOpens,
                rxBytes - earlier.rxBytes, kernelFallbacks - earlier.kernelFallbacks,
                acceleratedChannels - earlier.acceleratedChannels, linkRxBytes - earlier.linkRxBytes,
                linkTxBytes - earlier.linkTxBytes);
    }
}
