package io.bypass.link.tap;

import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.link.LinkSpec;
import java.io.IOException;

/**
 * Opens {@code tap:<ifname>[?mtu=N][&frames=N]}: the TAP interface {@code ifname}, attached to
 * when it exists (a persistent one made with {@code ip tuntap add dev <ifname> mode tap}, which
 * the administrator configures and brings up beforehand), created otherwise (then it lives as
 * long as this process and starts down). {@code mtu} defaults to 1500 and must match the
 * interface's; {@code frames} (each pool) to 1024.
 */
public final class TapLinkFactory implements LinkFactory {
    /** ServiceLoader's constructor. */
    public TapLinkFactory() {
    }

    @Override
    public String scheme() {
        return "tap";
    }

    @Override
    public String usage() {
        return "tap:<ifname>[?mtu=N][&frames=N]";
    }

    @Override
    public Link open(LinkSpec spec, LinkSettings settings) throws IOException {
        String name = spec.target("the interface name, e.g. tap:byp0");
        if (name.length() >= LibC.IFNAMSIZ || !name.matches("[A-Za-z0-9_.:-]+")) {
            throw spec.error("interface name '" + name + "' must be 1 to 15 letters, digits or _.:-");
        }
        int mtu = (int) spec.integer("mtu", settings.mtuOr(1500), 68, 65_535);
        int frames = (int) spec.integer("frames", settings.poolFramesOr(1024), 1, 1 << 20);
        spec.rejectUnknown();
        return TapLink.open(name, frames, mtu);
    }
}
