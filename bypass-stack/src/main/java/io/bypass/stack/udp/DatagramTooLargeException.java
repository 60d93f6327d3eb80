package io.bypass.stack.udp;

/**
 * A datagram larger than one packet to its destination carries: the stack does not
 * fragment (every packet leaves with DF set), so the limit is the path MTU (RFC 1191) less
 * the IPv4 and UDP headers. The java.nio layer maps it to the IOException
 * ("Message too long") that Linux's EMSGSIZE becomes.
 */
public final class DatagramTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The most payload bytes one datagram may carry to that destination now. */
    private final int maxPayload;

    /**
     * @param message    what was refused and why
     * @param maxPayload the most payload bytes one datagram may carry to that destination now
     */
    public DatagramTooLargeException(String message, int maxPayload) {
        super(message);
        this.maxPayload = maxPayload;
    }

    /** @return the most payload bytes one datagram may carry to that destination now */
    public int maxPayload() {
        return maxPayload;
    }
}
