package io.bypass.stack.link;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A link's counters: written by the one thread that polls the link, read from any thread.
 * Opaque accesses make each value become visible without ordering anything else (a plain
 * {@code mov} on x86, so counting costs what a field increment costs); a reader may see a
 * value a few frames old, never a torn one.
 */
public final class LinkCounters implements LinkStats {
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);
    private static final LinkCounter[] ALL = LinkCounter.values();

    private final long[] values = new long[ALL.length];

    /**
     * Adds to a counter; only the link's polling thread calls this.
     *
     * @param counter which
     * @param delta   how much, usually a burst's frames or bytes
     */
    public void add(LinkCounter counter, long delta) {
        int i = counter.ordinal();
        VALUES.setOpaque(values, i, (long) VALUES.getOpaque(values, i) + delta);
    }

    /** Adds one to a counter; only the link's polling thread calls this. */
    public void increment(LinkCounter counter) {
        add(counter, 1);
    }

    @Override
    public long get(LinkCounter counter) {
        return (long) VALUES.getOpaque(values, counter.ordinal());
    }
}
