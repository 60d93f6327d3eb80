package io.bypass.compat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for test servers. {@link #accelerated()} hands out ports of the range
 * {@code compat.ports} (the one the Bypass run's bind rule accelerates); a test that wants
 * the kernel binds port 0, which the kernel picks from its ephemeral range, outside it.
 */
final class TestPorts {
    private static final int FIRST;
    private static final int LAST;
    private static final AtomicInteger NEXT;

    static {
        String range = System.getProperty("compat.ports", "21000-21999");
        String[] ends = range.split("-", 2);
        try {
            FIRST = Integer.parseInt(ends[0].strip());
            LAST = Integer.parseInt(ends[ends.length - 1].strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("compat.ports='" + range + "': expected a port range like 21000-21999");
        }
        NEXT = new AtomicInteger(FIRST);
    }

    private TestPorts() {
    }

    /**
     * @return a port of the accelerated range that the kernel lets us bind now (a port still
     *         held, for instance in TIME-WAIT from an earlier run, is skipped)
     */
    static int accelerated() {
        for (int tries = FIRST; tries <= LAST; tries++) {
            int port = NEXT.getAndUpdate(p -> p >= LAST ? FIRST : p + 1);
            // A plain ServerSocket is always the kernel's (java.net sockets do not go through
            // the SelectorProvider), so this probes the kernel in both runs.
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(false);
                probe.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException busy) {
                // taken: try the next one
            }
        }
        throw new IllegalStateException("no free port in compat.ports " + FIRST + "-" + LAST);
    }
}
