/**
 * Packet formats only, no state: flyweights over off-heap frames for Ethernet II, ARP,
 * IPv4, ICMP, UDP and TCP, and the Internet checksum.
 *
 * <p>Every view comes as a checked/unchecked pair: {@code wrap(...)} validates the lengths
 * read off the wire once and answers whether the packet is well-formed, after which no
 * accessor can read outside the packet; {@code wrapUnchecked(...)} is for packets we are
 * writing. Multi-byte fields are in network byte order. Addresses are primitives: an
 * IPv4 address is an {@code int}, a MAC address the low 48 bits of a {@code long}.
 */
package io.bypass.stack.wire;
