package io.bypass.link.dpdk;

import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.link.LinkSpec;
import java.io.IOException;

/**
 * Opens {@code dpdk:<devargs>[?eal=<EAL args>][&mbufs=N][&rxd=N][&txd=N][&mtu=N][&offload=on|off]}
 * ({@link DpdkConfig}): one port of any DPDK poll-mode driver, e.g.
 * {@code dpdk:net_af_xdp0,iface=eth1?eal=--no-huge+-m+512+--no-pci} for AF_XDP on a kernel
 * interface, or {@code dpdk:0000:01:00.0?eal=-a+0000:01:00.0} for a NIC bound to
 * {@code vfio-pci} (Solarflare's through {@code net_sfc}). The stack's MTU and pool size
 * ({@link LinkSettings}) apply where the spec says nothing.
 */
public final class DpdkLinkFactory implements LinkFactory {
    /** ServiceLoader's constructor. */
    public DpdkLinkFactory() {
    }

    @Override
    public String scheme() {
        return DpdkConfig.SCHEME;
    }

    @Override
    public String usage() {
        return DpdkConfig.USAGE;
    }

    @Override
    public Link open(LinkSpec spec, LinkSettings settings) throws IOException {
        return DpdkLink.open(DpdkConfig.from(spec, settings));
    }
}
