package io.bypass.stack.ip;

import io.bypass.stack.buffer.Frame;

/**
 * Sends an ICMP error about a datagram we received (RFC 792, RFC 1122 section 3.2.2).
 * The IPv4 layer reports reassembly timeouts through it; the ICMP layer implements it,
 * so that IPv4 needs no reference to the layer above it.
 */
public interface IcmpErrorSender {
    /**
     * Sends the error unless the datagram went to a broadcast or multicast address or the
     * rate limit says no. The caller keeps {@code offending}.
     *
     * @param type      e.g. 11 (time exceeded)
     * @param code      e.g. 1 (fragment reassembly time exceeded)
     * @param offending a frame whose window starts at the offending datagram's IP header,
     *                  followed by at least 8 bytes of its payload
     * @param nowNs     the caller's current time
     */
    void sendError(int type, int code, Frame offending, long nowNs);
}
