package io.bypass.stack.tcp;

/** Why a connection failed; the provider maps each to a java.net exception. */
public enum TcpError {
    /** No error. */
    NONE,
    /** The peer reset an established connection (ECONNRESET). */
    RESET,
    /** The peer refused the connection: RST to our SYN, or ICMP port unreachable (ECONNREFUSED). */
    REFUSED,
    /** Retransmissions went unanswered (ETIMEDOUT). */
    TIMED_OUT,
    /** ICMP said the peer cannot be reached (EHOSTUNREACH / ENETUNREACH). */
    UNREACHABLE
}
