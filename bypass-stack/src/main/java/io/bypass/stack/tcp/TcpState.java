package io.bypass.stack.tcp;

/** The connection states of RFC 9293 section 3.3.2. */
public enum TcpState {
    /** No connection. */
    CLOSED,
    /** Waiting for a connection request (a {@link TcpListener}). */
    LISTEN,
    /** SYN sent, waiting for the peer's SYN. */
    SYN_SENT,
    /** SYN received and answered, waiting for the ACK of ours. */
    SYN_RECEIVED,
    /** Open; data flows both ways. */
    ESTABLISHED,
    /** We closed and sent FIN; waiting for its ACK or the peer's FIN. */
    FIN_WAIT_1,
    /** Our FIN is acknowledged; waiting for the peer's FIN. */
    FIN_WAIT_2,
    /** The peer closed; waiting for the application to close. */
    CLOSE_WAIT,
    /** Both sent FIN at once; waiting for the ACK of ours. */
    CLOSING,
    /** The peer closed, then we did; waiting for the ACK of our FIN. */
    LAST_ACK,
    /** Both closed; waiting 2 * MSL so that old duplicates die out. */
    TIME_WAIT;

    /** @return whether sequence numbers are synchronized (ESTABLISHED and later, RFC 9293 3.5) */
    public boolean synchronizedState() {
        return ordinal() >= ESTABLISHED.ordinal();
    }
}
