package io.bypass.samples.report;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Run in a child JVM under a target's {@code bin/bypass} options before the target is
 * measured: plain NIO that makes the provider start (settings checked) and bind a wildcard
 * listener (the link opened). A provider that refuses the link fails here, with its reason,
 * instead of in the middle of a measurement.
 */
public final class Probe {
    private Probe() {
    }

    /**
     * Prints {@code probe ok ADDRESS} and exits 0, or fails with the provider's exception.
     *
     * @param args ignored
     * @throws IOException if the bind fails
     */
    public static void main(String[] args) throws IOException {
        try (ServerSocketChannel s = SelectorProvider.provider().openServerSocketChannel()) {
            s.bind(new InetSocketAddress(0));
            System.out.println("probe ok " + s.getLocalAddress());
        }
    }
}
