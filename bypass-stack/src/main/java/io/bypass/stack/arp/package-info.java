/**
 * ARP (RFC 826) for Ethernet and IPv4: the neighbour table with its states and aging, the
 * bounded queues of packets waiting for a resolution, answering requests for our address
 * and the gratuitous announcement at start.
 *
 * <p>Not here: proxy ARP, address conflict defence beyond ignoring packets that claim our
 * address (RFC 5227 section 2.4), static entries, IPv6 neighbour discovery.
 */
package io.bypass.stack.arp;
