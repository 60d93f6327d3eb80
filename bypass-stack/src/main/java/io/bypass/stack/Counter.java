package io.bypass.stack;

/**
 * Everything a stack counts, by layer. Counters only increase; they are read through
 * {@link StackCounters}. Drops carry their reason in the name, so that a malformed or
 * unwanted frame is always accounted for somewhere.
 */
public enum Counter {
    // Link and Ethernet
    /** Frames taken from the link. */
    RX_FRAMES,
    /** Bytes in frames taken from the link. */
    RX_BYTES,
    /** Frames handed to the link. */
    TX_FRAMES,
    /** Bytes in frames handed to the link. */
    TX_BYTES,
    /** Frames the link refused (its transmit queue was full); they were released. */
    TX_DROP_LINK_FULL,
    /** Packets not sent because no transmit frame was free. */
    TX_DROP_NO_FRAME,
    /** Frames shorter than an Ethernet header. */
    ETH_RX_DROP_TRUNCATED,
    /** Frames to another unicast MAC, or to a multicast group we did not join. */
    ETH_RX_DROP_NOT_FOR_US,
    /** Frames whose EtherType we do not speak. */
    ETH_RX_DROP_UNKNOWN_TYPE,

    // ARP (RFC 826)
    /** ARP packets that were truncated or not Ethernet/IPv4. */
    ARP_RX_DROP_MALFORMED,
    /** ARP packets for another target address (learned from only if cached). */
    ARP_RX_NOT_FOR_US,
    /** ARP requests we answered. */
    ARP_REPLIES_SENT,
    /** ARP requests we sent (including retries and the gratuitous one). */
    ARP_REQUESTS_SENT,
    /** Neighbours that did not answer within the retry limit. */
    ARP_RESOLUTION_FAILED,
    /** Packets dropped because the queue waiting for resolution was full. */
    ARP_DROP_QUEUE_FULL,
    /** Packets dropped because their neighbour's resolution failed. */
    ARP_DROP_UNRESOLVED,
    /** ARP packets whose target is our address: requests we answer and replies we learn from. */
    ARP_RX_ACCEPTED,
    /** ARP packets from our own MAC (looped back) or claiming our IP (an address conflict). */
    ARP_RX_DROP_OWN,

    // IPv4 (RFC 791, RFC 1122)
    /** Packets with a bad version, header length or total length. */
    IP_RX_DROP_MALFORMED,
    /** Packets whose header checksum was wrong. */
    IP_RX_DROP_BAD_CHECKSUM,
    /** Packets to an address that is not ours. */
    IP_RX_DROP_NOT_FOR_US,
    /** Fragments (reassembly is not enabled). */
    IP_RX_DROP_FRAGMENT,
    /** Packets with options, whose options were skipped. */
    IP_RX_OPTIONS_IGNORED,
    /** Packets of a protocol we do not speak. */
    IP_RX_DROP_UNKNOWN_PROTOCOL,
    /** Packets from a source address that must never be a source (broadcast, multicast). */
    IP_RX_DROP_BAD_SOURCE,
    /** Packets not sent because there is no route (no gateway for an off-subnet address). */
    IP_TX_DROP_NO_ROUTE,
    /** Packets not sent because they exceed the MTU (fragmentation is not supported). */
    IP_TX_DROP_TOO_BIG,

    // ICMP (RFC 792)
    /** ICMP messages that were truncated or had a bad checksum. */
    ICMP_RX_DROP_MALFORMED,
    /** Echo replies we sent. */
    ICMP_ECHO_REPLIES_SENT,
    /** Destination-unreachable messages we sent (port unreachable). */
    ICMP_UNREACHABLE_SENT,
    /** Destination-unreachable messages we received. */
    ICMP_UNREACHABLE_RECEIVED,
    /** ICMP messages we ignore (types we do not handle, echo requests to a broadcast, RFC 1122 3.2.2.6). */
    ICMP_RX_IGNORED,
    /** Echo requests addressed to us (each answered unless no frame was free). */
    ICMP_ECHO_REQUESTS_RECEIVED,
    /** ICMP errors not sent because of the rate limit (RFC 1812 section 4.3.2.8). */
    ICMP_TX_RATE_LIMITED,

    // UDP (RFC 768)
    /** Datagrams that were truncated or had a bad length. */
    UDP_RX_DROP_MALFORMED,
    /** Datagrams whose checksum was wrong. */
    UDP_RX_DROP_BAD_CHECKSUM,
    /** Datagrams to a port nobody bound. */
    UDP_RX_DROP_NO_PORT,
    /** Datagrams dropped because the socket's receive queue was full. */
    UDP_RX_DROP_QUEUE_FULL,
    /** Datagrams delivered to sockets. */
    UDP_DATAGRAMS_IN,
    /** Datagrams sent. */
    UDP_DATAGRAMS_OUT,

    // TCP (RFC 9293 and friends)
    /** Segments that were truncated or had a bad data offset. */
    TCP_RX_DROP_MALFORMED,
    /** Segments whose checksum was wrong. */
    TCP_RX_DROP_BAD_CHECKSUM,
    /** Segments with a nonsense flag combination (e.g. SYN+FIN, no ACK where one is required). */
    TCP_RX_DROP_BAD_FLAGS,
    /** Segments for no connection or listener (answered with RST unless they were RST). */
    TCP_RX_NO_SOCKET,
    /** Segments outside the receive window (answered with an ACK, RFC 9293 3.10.7.4). */
    TCP_RX_OUT_OF_WINDOW,
    /** Segments that arrived ahead of a gap and were queued. */
    TCP_RX_OUT_OF_ORDER,
    /** Out-of-order segments dropped because the reassembly queue was full. */
    TCP_RX_DROP_REASSEMBLY_FULL,
    /** Segments received and accepted by a connection or listener. */
    TCP_SEGMENTS_IN,
    /** Segments sent. */
    TCP_SEGMENTS_OUT,
    /** Segments sent again after a retransmission timeout. */
    TCP_RETRANSMITS,
    /** Fast retransmissions (RFC 5681 section 3.2). */
    TCP_FAST_RETRANSMITS,
    /** Retransmission timeouts. */
    TCP_TIMEOUTS,
    /** RSTs sent. */
    TCP_RST_SENT,
    /** RSTs accepted. */
    TCP_RST_RECEIVED,
    /** Connections opened by connect (SYN sent). */
    TCP_ACTIVE_OPENS,
    /** Connections opened by a listener (SYN received). */
    TCP_PASSIVE_OPENS,
    /** Connections that reached ESTABLISHED. */
    TCP_ESTABLISHED,
    /** Connections that ended with a RST or a timeout rather than a clean close. */
    TCP_ABORTS,
    /** SYNs dropped because a listener's backlog was full. */
    TCP_LISTEN_OVERFLOW,
    /** Connect attempts that found no free ephemeral port. */
    TCP_NO_EPHEMERAL_PORT,
    /** Segments whose options were malformed (bad length); processed as if they had none. */
    TCP_RX_BAD_OPTIONS,
    /** Challenge ACKs sent for an in-window RST or SYN or an old ACK (RFC 5961). */
    TCP_CHALLENGE_ACKS,
    /** Zero-window probes sent by the persist timer (RFC 9293 section 3.8.6.1). */
    TCP_ZERO_WINDOW_PROBES,
    /** ICMP errors that matched a connection and were acted on (RFC 1122 section 4.2.3.9, RFC 1191). */
    TCP_ICMP_ERRORS,
    /** SYNs dropped because the layer held its maximum number of connections. */
    TCP_DROP_CONNECTION_LIMIT,
    /** Segments dropped as old duplicates by PAWS (RFC 7323 section 5.3), answered with an ACK. */
    TCP_PAWS_REJECTED,
    /** Challenge ACKs not sent because the connection's budget for the second was spent (RFC 5961 section 7). */
    TCP_CHALLENGE_ACKS_LIMITED,
    /** Entries into SACK-based loss recovery (RFC 6675 section 5). */
    TCP_SACK_RECOVERIES;
}
