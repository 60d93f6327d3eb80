package io.bypass.stack.tcp;

/**
 * An open-addressing hash table from {@code long} keys to objects, with linear probing and
 * backward-shift deletion (no tombstones), so lookups on the receive path neither box nor
 * allocate. It grows (allocating) only when more than half full, which happens while
 * connections are being set up, not per packet.
 *
 * @param <V> the value type
 */
final class LongTable<V> {
    private long[] keys;
    private Object[] values;
    private int mask;
    private int size;

    /** @param initialCapacity a hint; rounded up to a power of two, at least 16 */
    LongTable(int initialCapacity) {
        int capacity = Integer.highestOneBit(Math.max(16, initialCapacity) * 2 - 1);
        keys = new long[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
    }

    /** @return the value for {@code key}, or {@code null} */
    @SuppressWarnings("unchecked")
    V get(long key) {
        for (int i = index(key); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return (V) v;
            }
        }
    }

    /**
     * Puts {@code value} under {@code key}, replacing what was there.
     *
     * @return the value replaced, or {@code null}
     */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (value == null) {
            throw new IllegalArgumentException("null value");
        }
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int i = index(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                Object old = values[i];
                values[i] = value;
                return (V) old;
            }
        }
        keys[i] = key;
        values[i] = value;
        size++;
        return null;
    }

    /**
     * Removes {@code key}.
     *
     * @return the value removed, or {@code null}
     */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        int i = index(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                Object old = values[i];
                shiftBack(i);
                size--;
                return (V) old;
            }
        }
        return null;
    }

    /** @return how many keys are present */
    int size() {
        return size;
    }

    /**
     * Copies the values into {@code into} (for shutdown and listener close, not hot paths).
     *
     * @return how many were copied
     */
    int values(Object[] into) {
        int n = 0;
        for (Object v : values) {
            if (v != null) {
                into[n++] = v;
            }
        }
        return n;
    }

    /** Closes the gap at {@code hole} by moving later entries of the probe run back (Knuth 6.4 algorithm R). */
    private void shiftBack(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (values[i] == null) {
                break;
            }
            int home = index(keys[i]);
            // Move the entry unless its home lies cyclically in (hole, i].
            boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (!stays) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        values[hole] = null;
        keys[hole] = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                int j = index(oldKeys[i]);
                while (values[j] != null) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }

    private int index(long key) {
        // Murmur3 finalizer: spreads ports and addresses that differ in few bits.
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
