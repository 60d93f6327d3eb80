package io.bypass.stack.ip;

/**
 * Path MTUs learned per destination (RFC 1191 section 6.3): a small open-addressing map
 * from destination address to MTU and expiry time, with linear probing and backward-shift
 * deletion, so lookups on the send path allocate nothing.
 *
 * <p>Bounded: when full, the entry closest to expiry makes room. Address 0.0.0.0 marks an
 * empty slot; it is never a destination.
 */
final class PathMtuTable {
    private static final int EMPTY = 0;

    private final int[] destinations;
    private final int[] mtus;
    private final long[] expiriesNs;
    private final int mask;
    private final int maxEntries;
    private int size;

    /** @param maxEntries destinations held at most */
    PathMtuTable(int maxEntries) {
        int slots = Integer.highestOneBit(Math.max(2, maxEntries) * 2 - 1) * 2;
        this.destinations = new int[slots];
        this.mtus = new int[slots];
        this.expiriesNs = new long[slots];
        this.mask = slots - 1;
        this.maxEntries = maxEntries;
    }

    /** @return entries held */
    int size() {
        return size;
    }

    /** @return the path MTU towards {@code destination}, or 0 when none is known */
    int get(int destination) {
        int slot = find(destination);
        return slot < 0 ? 0 : mtus[slot];
    }

    /** Sets the MTU towards {@code destination} until {@code expiryNs}, making room if need be. */
    void put(int destination, int mtu, long expiryNs) {
        int slot = find(destination);
        if (slot < 0) {
            if (size == maxEntries) {
                delete(soonestToExpire());
            }
            slot = hash(destination);
            while (destinations[slot] != EMPTY) {
                slot = (slot + 1) & mask;
            }
            destinations[slot] = destination;
            size++;
        }
        mtus[slot] = mtu;
        expiriesNs[slot] = expiryNs;
    }

    /**
     * Removes every entry expired at {@code nowNs}.
     *
     * @return how many were removed
     */
    int expire(long nowNs) {
        int removed = 0;
        int slot = 0;
        while (slot < destinations.length) {
            if (destinations[slot] != EMPTY && expiriesNs[slot] - nowNs <= 0) {
                // A backward shift only moves entries into this slot from later in the
                // probe order, never past the scan: look at this slot again.
                delete(slot);
                removed++;
            } else {
                slot++;
            }
        }
        return removed;
    }

    /** @return the earliest expiry of all entries, or {@link Long#MAX_VALUE} when empty */
    long earliestExpiryNs() {
        int slot = soonestToExpire();
        return slot < 0 ? Long.MAX_VALUE : expiriesNs[slot];
    }

    private int soonestToExpire() {
        int soonest = -1;
        for (int slot = 0; slot < destinations.length; slot++) {
            if (destinations[slot] != EMPTY && (soonest < 0 || expiriesNs[slot] - expiriesNs[soonest] < 0)) {
                soonest = slot;
            }
        }
        return soonest;
    }

    private int find(int destination) {
        int slot = hash(destination);
        while (destinations[slot] != EMPTY) {
            if (destinations[slot] == destination) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** Knuth's backward-shift deletion: no tombstones, probe chains stay short. */
    private void delete(int slot) {
        int hole = slot;
        int next = (hole + 1) & mask;
        while (destinations[next] != EMPTY) {
            int home = hash(destinations[next]);
            // Move the entry back if its home is not cyclically within (hole, next].
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                destinations[hole] = destinations[next];
                mtus[hole] = mtus[next];
                expiriesNs[hole] = expiriesNs[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        destinations[hole] = EMPTY;
        size--;
    }

    private int hash(int destination) {
        // Fibonacci hashing spreads addresses of one subnet, which differ only in low bits.
        return (int) ((destination * 0x9E3779B9L) >>> 16) & mask;
    }
}
