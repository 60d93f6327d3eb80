package io.bypass.stack;

import java.util.List;

/**
 * The counters that end a received frame's story: delivered, answered, queued for
 * reassembly, or dropped for a named reason. Each received frame increments exactly one of
 * them; the fuzz target and the malformed-frame property both check that, from this one
 * list, so a new outcome counter is added here once. {@link Counter#TCP_RX_DROP_BAD_FLAGS}
 * is not here: it is an outcome only for segments the layer dropped before any socket saw
 * them (a segment a socket accepted counts as {@link Counter#TCP_SEGMENTS_IN} and its bad
 * flags are detail), and each test treats it as its scenario allows.
 */
public final class FrameOutcomes {
    /** Every outcome counter but {@link Counter#TCP_RX_DROP_BAD_FLAGS}. */
    public static final List<Counter> COUNTERS = List.of(
            Counter.ETH_RX_DROP_TRUNCATED, Counter.ETH_RX_DROP_NOT_FOR_US, Counter.ETH_RX_DROP_UNKNOWN_TYPE,
            Counter.ARP_RX_DROP_MALFORMED, Counter.ARP_RX_NOT_FOR_US, Counter.ARP_RX_ACCEPTED, Counter.ARP_RX_DROP_OWN,
            Counter.IP_RX_DROP_MALFORMED, Counter.IP_RX_DROP_BAD_CHECKSUM, Counter.IP_RX_DROP_NOT_FOR_US,
            Counter.IP_RX_DROP_FRAGMENT, Counter.IP_RX_DROP_UNKNOWN_PROTOCOL, Counter.IP_RX_DROP_BAD_SOURCE,
            Counter.IP_FRAG_QUEUED, Counter.IP_FRAG_DUPLICATE, Counter.IP_FRAG_DROP_CONFLICT,
            Counter.IP_FRAG_DROP_TOO_BIG, Counter.IP_FRAG_DROP_TINY, Counter.IP_FRAG_DROP_NO_BUFFER,
            Counter.IP_FRAG_DROP_TOO_MANY_HOLES,
            Counter.ICMP_RX_DROP_MALFORMED, Counter.ICMP_RX_IGNORED, Counter.ICMP_ECHO_REQUESTS_RECEIVED,
            Counter.ICMP_UNREACHABLE_RECEIVED,
            Counter.UDP_RX_DROP_MALFORMED, Counter.UDP_RX_DROP_BAD_CHECKSUM, Counter.UDP_RX_DROP_NO_PORT,
            Counter.UDP_RX_DROP_QUEUE_FULL, Counter.UDP_DATAGRAMS_IN, Counter.UDP_RX_DROP_MEMORY,
            Counter.TCP_RX_DROP_MALFORMED, Counter.TCP_RX_DROP_BAD_CHECKSUM, Counter.TCP_RX_NO_SOCKET,
            Counter.TCP_SEGMENTS_IN);

    private FrameOutcomes() {
    }
}
