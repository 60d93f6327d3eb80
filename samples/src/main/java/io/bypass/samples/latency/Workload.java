package io.bypass.samples.latency;

import java.util.Locale;

/** What a client measures and what the server does with each connection. */
public enum Workload {
    /** Ping-pong of fixed-size messages; the server echoes. */
    RTT,
    /** One connection sends a byte count one way; the server counts, then answers the total. */
    BULK,
    /** Connect, accept, close; the server closes each connection as it accepts it. */
    CONNECT;

    /**
     * @param text {@code rtt}, {@code bulk} or {@code connect}
     * @return the workload
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Workload parse(String text) {
        try {
            return valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--workload '" + text + "': expected rtt, bulk or connect");
        }
    }

    /** @return the name used on the command line and in result lines */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
