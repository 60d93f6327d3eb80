package io.bypass.stack.tcp;

/** TCP settings. Placeholder replaced by the tcp branch at merge. */
public final class TcpConfig {
    private static final TcpConfig DEFAULTS = new TcpConfig();

    private TcpConfig() {
    }

    /** @return the default settings */
    public static TcpConfig defaults() {
        return DEFAULTS;
    }
}
