/**
 * ICMP for a host (RFC 792, RFC 1122 section 3.2.2): echo replies, port unreachable for
 * closed UDP ports (rate-limited), and delivery of destination-unreachable messages to
 * the transport they concern.
 *
 * <p>Not here: sending echo requests, redirects (we have one gateway), time exceeded
 * and parameter problem (we do not forward or reassemble), protocol unreachable.
 */
package io.bypass.stack.icmp;
