package io.bypass.stack.link;

import java.lang.foreign.Arena;

/**
 * A test factory, registered in this module's test service file: {@code loop:<name>} opens
 * one end of an in-memory pair (whose other end nobody holds), so that the lookup and the
 * settings can be checked without a device.
 */
public final class LoopLinkFactory implements LinkFactory {
    /** ServiceLoader's constructor. */
    public LoopLinkFactory() {
    }

    @Override
    public String scheme() {
        return "loop";
    }

    @Override
    public String usage() {
        return "loop:<name>[?frames=N]";
    }

    @Override
    public Link open(LinkSpec spec, LinkSettings settings) {
        spec.target("a name");
        int frames = (int) spec.integer("frames", settings.poolFramesOr(16), 1, 1 << 16);
        spec.rejectUnknown();
        return InMemoryLink.pair(Arena.ofAuto(), frames, settings.mtuOr(1500), true)[0];
    }
}
