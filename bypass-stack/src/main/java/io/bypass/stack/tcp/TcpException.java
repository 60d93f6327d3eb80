package io.bypass.stack.tcp;

/**
 * A TCP API call that cannot be done; the provider maps its {@link #reason()} to a
 * java.net exception. Thrown only from API calls (listen, connect), never on the data path.
 */
public final class TcpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The address and port are taken (BindException). */
        ADDRESS_IN_USE,
        /** Every ephemeral port is taken towards that peer (BindException). */
        NO_EPHEMERAL_PORT,
        /** The layer holds its maximum number of connections (SocketException). */
        CONNECTION_LIMIT
    }

    private final Reason reason;

    /**
     * @param reason  what went wrong
     * @param message details for the log
     */
    public TcpException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /** @return what went wrong */
    public Reason reason() {
        return reason;
    }
}
