package io.bypass.provider;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCapabilities;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.link.LinkSpec;
import io.bypass.stack.link.LinkStats;

import java.io.IOException;

/**
 * A test link, registered in this module's test service file: {@code hintless:<path>?side=0|1}
 * opens the shared-memory link {@code shm:<path>?side=…} through the SPI and hides its
 * pending-frame hint ({@link Link#pending()} answers -1, "cannot tell"), as a TAP or DPDK
 * device does; so that the provider's handling of such devices is tested without root.
 */
public final class HintlessLinkFactory implements LinkFactory {
    /** ServiceLoader's constructor. */
    public HintlessLinkFactory() {
    }

    @Override
    public String scheme() {
        return "hintless";
    }

    @Override
    public String usage() {
        return "hintless:<path>?side=0|1";
    }

    @Override
    public Link open(LinkSpec spec, LinkSettings settings) throws IOException {
        String path = spec.target("the shm link file's path");
        String side = spec.choice("side", "0", "0", "1");
        spec.rejectUnknown();
        return new Hintless(LinkFactory.open("shm:" + path + "?side=" + side, settings));
    }

    /** The inner link with every call passed on but {@link #pending()}, which keeps the default -1. */
    private record Hintless(Link inner) implements Link {
        @Override
        public int receive(Frame[] burst, int max) {
            return inner.receive(burst, max);
        }

        @Override
        public Frame allocate() {
            return inner.allocate();
        }

        @Override
        public int transmit(Frame[] burst, int count) {
            return inner.transmit(burst, count);
        }

        @Override
        public int mtu() {
            return inner.mtu();
        }

        @Override
        public LinkCapabilities capabilities() {
            return inner.capabilities();
        }

        @Override
        public LinkStats stats() {
            return inner.stats();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
