package io.bypass.stack.fuzz;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;

/**
 * The rule that every received frame ends in exactly one outcome counter: delivered,
 * answered, or dropped for a named reason. A segment a TCP socket accepted counts as
 * {@link Counter#TCP_SEGMENTS_IN}; what the socket then counts about it (bad flags, out of
 * window, challenge ACK) is detail, so {@link Counter#TCP_RX_DROP_BAD_FLAGS} is an outcome
 * only for segments the layer dropped before any socket saw them.
 */
final class FrameAccounting {
    private static final Counter[] OUTCOMES = {
        Counter.ETH_RX_DROP_TRUNCATED, Counter.ETH_RX_DROP_NOT_FOR_US, Counter.ETH_RX_DROP_UNKNOWN_TYPE,
        Counter.ARP_RX_DROP_MALFORMED, Counter.ARP_RX_NOT_FOR_US, Counter.ARP_RX_ACCEPTED, Counter.ARP_RX_DROP_OWN,
        Counter.IP_RX_DROP_MALFORMED, Counter.IP_RX_DROP_BAD_CHECKSUM, Counter.IP_RX_DROP_NOT_FOR_US,
        Counter.IP_RX_DROP_FRAGMENT, Counter.IP_RX_DROP_UNKNOWN_PROTOCOL, Counter.IP_RX_DROP_BAD_SOURCE,
        Counter.ICMP_RX_DROP_MALFORMED, Counter.ICMP_RX_IGNORED, Counter.ICMP_ECHO_REQUESTS_RECEIVED,
        Counter.ICMP_UNREACHABLE_RECEIVED,
        Counter.UDP_RX_DROP_MALFORMED, Counter.UDP_RX_DROP_BAD_CHECKSUM, Counter.UDP_RX_DROP_NO_PORT,
        Counter.UDP_RX_DROP_QUEUE_FULL, Counter.UDP_DATAGRAMS_IN,
        Counter.TCP_RX_DROP_MALFORMED, Counter.TCP_RX_DROP_BAD_CHECKSUM, Counter.TCP_RX_NO_SOCKET,
        Counter.TCP_SEGMENTS_IN,
    };

    private FrameAccounting() {
    }

    /** @return the outcome counters now, to compare with after one frame */
    static long[] snapshot(StackCounters counters) {
        long[] values = new long[OUTCOMES.length + 1];
        for (int i = 0; i < OUTCOMES.length; i++) {
            values[i] = counters.get(OUTCOMES[i]);
        }
        values[OUTCOMES.length] = counters.get(Counter.TCP_RX_DROP_BAD_FLAGS);
        return values;
    }

    /**
     * @param before the {@link #snapshot} taken before one frame was received
     * @return how many outcomes that one frame was counted under (1 when accounted right)
     */
    static long outcomesSince(long[] before, StackCounters counters) {
        long outcomes = 0;
        for (int i = 0; i < OUTCOMES.length; i++) {
            outcomes += counters.get(OUTCOMES[i]) - before[i];
        }
        long segmentsIn = counters.get(Counter.TCP_SEGMENTS_IN) - before[OUTCOMES.length - 1];
        if (segmentsIn == 0) {
            outcomes += counters.get(Counter.TCP_RX_DROP_BAD_FLAGS) - before[OUTCOMES.length];
        }
        return outcomes;
    }
}
