/**
 * IPv4 (RFC 791, RFC 1122): validating and dispatching received packets to transports,
 * reassembling fragments, building headers for sent ones, choosing the next hop (on-link
 * or gateway), and the path MTU per destination (RFC 1191).
 *
 * <p>Not here: fragmenting what we send (everything leaves with DF set), options on send,
 * forwarding; ARP resolution is in {@code arp}, ICMP messages in {@code icmp}.
 */
package io.bypass.stack.ip;
