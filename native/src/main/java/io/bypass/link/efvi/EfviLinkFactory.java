package io.bypass.link.efvi;

import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.link.LinkSpec;
import java.io.IOException;

/**
 * Opens {@code efvi:<ifname>}: Onload's ef_vi on a Solarflare interface. This build has no
 * ef_vi bindings, so opening says why (ef_vi not installed, from a real probe of Onload's
 * library) and what to do instead ({@link EfviLink#open}); the spec itself is checked first,
 * so a typo is named as such.
 */
public final class EfviLinkFactory implements LinkFactory {
    /** ServiceLoader's constructor. */
    public EfviLinkFactory() {
    }

    @Override
    public String scheme() {
        return EfviLink.SCHEME;
    }

    @Override
    public String usage() {
        return "efvi:<ifname> (needs Onload's ef_vi)";
    }

    @Override
    public Link open(LinkSpec spec, LinkSettings settings) throws IOException {
        String name = spec.target("the Solarflare interface's name, e.g. efvi:eth2");
        if (name.length() > 15 || !name.matches("[A-Za-z0-9_.:-]+")) {
            throw spec.error("interface name '" + name + "' must be 1 to 15 letters, digits or _.:-");
        }
        spec.rejectUnknown();
        return EfviLink.open(name);
    }
}
