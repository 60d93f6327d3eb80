package io.bypass.stack;

import java.util.EnumMap;
import java.util.Map;

/**
 * A stack's counters: one {@code long} per {@link Counter}. Incrementing allocates
 * nothing. Written only by the thread that polls the stack (under the stack lock); read
 * by anyone, so a reader on another thread sees values that may be slightly stale.
 */
public final class StackCounters {
    private static final Counter[] ALL = Counter.values();
    private final long[] values = new long[ALL.length];

    /** Adds one to {@code counter}. */
    public void increment(Counter counter) {
        values[counter.ordinal()]++;
    }

    /** Adds {@code amount} to {@code counter}. */
    public void add(Counter counter, long amount) {
        values[counter.ordinal()] += amount;
    }

    /** @return the current value of {@code counter} */
    public long get(Counter counter) {
        return values[counter.ordinal()];
    }

    /** @return a copy of every counter (allocates: for reports, not hot paths) */
    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> copy = new EnumMap<>(Counter.class);
        for (Counter c : ALL) {
            copy.put(c, values[c.ordinal()]);
        }
        return copy;
    }

    /** @return the non-zero counters, one {@code name=value} per line */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Counter c : ALL) {
            long v = values[c.ordinal()];
            if (v != 0) {
                text.append(c.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(v).append('\n');
            }
        }
        return text.toString();
    }
}
