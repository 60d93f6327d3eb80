/**
 * UDP (RFC 768): sockets bound to ports with bounded receive queues of frames, checksums
 * with the pseudo-header, port unreachable for datagrams nobody listens to.
 *
 * <p>Not here: fragmentation (a datagram must fit one packet), multicast group
 * membership (IGMP), SO_REUSEADDR/SO_REUSEPORT, connected-socket filtering and ICMP
 * error reporting to sockets.
 */
package io.bypass.stack.udp;
