package io.bypass.stack.fuzz;

import io.bypass.stack.Counter;
import io.bypass.stack.FrameOutcomes;
import io.bypass.stack.StackCounters;

/**
 * The rule that every received frame ends in exactly one outcome counter: delivered,
 * answered, or dropped for a named reason. A segment a TCP socket accepted counts as
 * {@link Counter#TCP_SEGMENTS_IN}; what the socket then counts about it (bad flags, out of
 * window, challenge ACK) is detail, so {@link Counter#TCP_RX_DROP_BAD_FLAGS} is an outcome
 * only for segments the layer dropped before any socket saw them.
 */
final class FrameAccounting {
    /** {@link FrameOutcomes#COUNTERS}, with {@link Counter#TCP_SEGMENTS_IN} last (see {@link #outcomesSince}). */
    private static final Counter[] OUTCOMES = withSegmentsInLast();

    private FrameAccounting() {
    }

    private static Counter[] withSegmentsInLast() {
        java.util.List<Counter> list = new java.util.ArrayList<>(FrameOutcomes.COUNTERS);
        list.remove(Counter.TCP_SEGMENTS_IN);
        list.add(Counter.TCP_SEGMENTS_IN);
        return list.toArray(new Counter[0]);
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
