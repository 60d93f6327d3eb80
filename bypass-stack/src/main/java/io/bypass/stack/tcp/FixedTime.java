package io.bypass.stack.tcp;

import java.util.function.LongSupplier;

/**
 * A clock that answers a time set beforehand: for a caller that already read the time, handed
 * where a {@link LongSupplier} is asked only when needed. Reused, so that nothing is allocated
 * per call; confined to the connection's lock holder.
 */
final class FixedTime implements LongSupplier {
    /** The time the next {@link #getAsLong} answers. */
    long nowNs;

    @Override
    public long getAsLong() {
        return nowNs;
    }
}
