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
    /**
     * Fragments that cannot belong to a valid datagram (RFC 791 section 3.2): empty, or not
     * the last fragment and not a multiple of 8 bytes long.
     */
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
    /** Fragments taken into a datagram in reassembly (the one completing it is counted by its transport instead). */
    IP_FRAG_QUEUED,
    /** Datagrams reassembled from fragments and handed to their transport. */
    IP_FRAG_REASSEMBLED,
    /** Fragments whose bytes had all been received already, identical: ignored. */
    IP_FRAG_DUPLICATE,
    /** Fragments that disagreed with bytes or a length already received; their datagram was dropped whole (RFC 5722 spirit). */
    IP_FRAG_DROP_CONFLICT,
    /** Fragments reaching beyond 65,535 bytes of datagram (RFC 791) or beyond the reassembly buffer size. */
    IP_FRAG_DROP_TOO_BIG,
    /** TCP fragments at offset 8 or first TCP fragments too short for the flags (RFC 1858 section 3). */
    IP_FRAG_DROP_TINY,
    /** Fragments dropped because every reassembly buffer holds a reassembled datagram not yet consumed. */
    IP_FRAG_DROP_NO_BUFFER,
    /** Fragments that would leave more gaps in their datagram than reassembly tracks; the datagram was dropped. */
    IP_FRAG_DROP_TOO_MANY_HOLES,
    /** Datagrams in reassembly dropped to make room for a new one (the oldest goes first, as in Linux before 4.17). */
    IP_FRAG_EVICTED,
    /** Datagrams whose reassembly timed out (RFC 1122 section 3.3.2). */
    IP_FRAG_TIMEOUT,
    /** Path MTU entries set or lowered by ICMP fragmentation needed (RFC 1191). */
    IP_PMTU_UPDATED,
    /** Fragmentation-needed messages not believed: MTU below the minimum, not lower, or no socket sent the quoted packet. */
    IP_PMTU_IGNORED,
    /** Path MTU entries that aged out, so the link MTU is tried again (RFC 1191 section 6.3). */
    IP_PMTU_EXPIRED,

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
    /** Time-exceeded messages we sent because reassembly timed out (type 11 code 1, RFC 792). */
    ICMP_TIME_EXCEEDED_SENT,

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
    /** Datagrams dropped because UDP sockets together held their limit of received frames. */
    UDP_RX_DROP_MEMORY,

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
    /** SYNs dropped, cookie ACKs ignored and connect() calls refused because the layer held its maximum number of connections (TIME-WAIT not counted). */
    TCP_DROP_CONNECTION_LIMIT,
    /** Connections that closed at once instead of entering TIME-WAIT, the layer's TIME-WAIT table being full (Linux's TCPTimeWaitOverflow). */
    TCP_TIME_WAIT_OVERFLOW,
    /** SYNs that ended a TIME-WAIT and opened a new incarnation of its 4-tuple (RFC 6191). */
    TCP_TIME_WAIT_REOPENED,
    /** Connects that took a 4-tuple from our own TIME-WAIT ({@code TcpConfig#timeWaitReuse}; Linux's TWRecycled). */
    TCP_TIME_WAIT_REUSED,
    /** Keep-alive probes sent (RFC 1122 section 4.2.3.6). */
    TCP_KEEPALIVE_PROBES,
    /** Connections dropped because keep-alive probes went unanswered. */
    TCP_KEEPALIVE_TIMEOUTS,
    /** Connections aborted because sent data stayed unacknowledged past the user timeout (RFC 5482). */
    TCP_USER_TIMEOUTS,
    /** SYN-ACKs sent with a SYN cookie because a listener's backlog or the half-open limit was full. */
    TCP_SYN_COOKIES_SENT,
    /** ACKs that carried a valid SYN cookie and opened a connection. */
    TCP_SYN_COOKIES_VALIDATED,
    /** ACKs to a listener whose cookie was wrong or too old (answered with RST). */
    TCP_SYN_COOKIES_FAILED,
    /** SYNs dropped because the stack's half-open limit was reached and cookies were off. */
    TCP_DROP_HALF_OPEN_LIMIT,
    /** Segments dropped as old duplicates by PAWS (RFC 7323 section 5.3), answered with an ACK. */
    TCP_PAWS_REJECTED,
    /** Challenge ACKs not sent because the connection's budget for the second was spent (RFC 5961 section 7). */
    TCP_CHALLENGE_ACKS_LIMITED,
    /** Entries into SACK-based loss recovery (RFC 6675 section 5). */
    TCP_SACK_RECOVERIES,
    /** Receive buffers doubled by auto-tuning: the application drained more than half within an RTT. */
    TCP_RECEIVE_BUFFER_GROWN,
    /** Send buffers grown by auto-tuning to follow the congestion window (a new ring, one copy). */
    TCP_SEND_BUFFER_GROWN,
    /**
     * Segments of new data held back because the link's transmit queue was full
     * ({@link io.bypass.stack.link.Link#transmitRoom}): sent when it drains, instead of
     * dropped there and retransmitted after a timeout.
     */
    TCP_SEND_HELD_LINK_FULL,
    /**
     * Received segments (or their tails) dropped because the connection or the layer held
     * as many receive frames as allowed and compacting them left no room; the peer resends.
     */
    TCP_RX_DROP_MEMORY,
    /** Receive queues compacted (payloads copied together into fewer frames) under frame pressure. */
    TCP_RX_COLLAPSED;
}
