package io.bypass.provider;

import java.util.AbstractSet;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The selected-key set as java.nio specifies it: the application may remove keys but not
 * add them (the JDK's {@code sun.nio.ch.Util.ungrowableSet}). An identity set with open
 * addressing and tombstones, so that the selector adding a key and the application
 * removing or clearing allocate nothing once the table has reached its working size
 * (a {@code HashSet} allocates a node per add). Iterating allocates the iterator only.
 *
 * <p>Clearing and iterating cost what the set holds, not the table's size: the slots ever
 * filled since the last clear are listed in the order they were filled ({@link #filled}), and
 * both walk that list. An event loop clears or iterates its selected keys after every select,
 * usually with one key in a table of 64 slots.
 */
final class UngrowableSet<E> extends AbstractSet<E> {
    private static final Object TOMBSTONE = new Object();
    private Object[] table = new Object[64];
    /** The table a tombstone sweep rehashes into; always empty between calls. */
    private Object[] spare = new Object[64];
    private int size;
    /** Slots that are not null: live keys and tombstones. */
    private int used;
    /**
     * The indices of the {@link #used} non-null slots, in the order they were filled: at most
     * half the table, since a rehash comes first ({@link #addInternal}).
     */
    private int[] filled = new int[table.length / 2];
    private int modCount;

    @Override
    public boolean add(E e) {
        throw new UnsupportedOperationException("keys are added by the selector only");
    }

    /** The selector's add. */
    boolean addInternal(E e) {
        if (contains(e)) {
            return false;
        }
        if ((used + 1) * 2 > table.length) {
            rehash(size * 4 > table.length ? table.length * 2 : table.length);
        }
        int mask = table.length - 1;
        int i = System.identityHashCode(e) & mask;
        while (table[i] != null && table[i] != TOMBSTONE) {
            i = (i + 1) & mask;
        }
        if (table[i] == null) {
            filled[used++] = i;
        }
        table[i] = e;
        size++;
        modCount++;
        return true;
    }

    /** Sweeps tombstones (into the spare table, swapped in: no allocation) or grows. */
    private void rehash(int capacity) {
        Object[] old = table;
        int[] oldFilled = filled;
        int oldUsed = used;
        if (spare.length == capacity) {
            table = spare;
        } else {
            table = new Object[capacity];
            filled = new int[capacity / 2];
        }
        spare = old;
        used = 0;
        int mask = capacity - 1;
        // With the capacity kept, filled is compacted in place: entry k is read before any
        // write reaches it (used <= k).
        for (int k = 0; k < oldUsed; k++) {
            int slot = oldFilled[k];
            Object o = old[slot];
            old[slot] = null;
            if (o != TOMBSTONE) {
                int i = System.identityHashCode(o) & mask;
                while (table[i] != null) {
                    i = (i + 1) & mask;
                }
                table[i] = o;
                filled[used++] = i;
            }
        }
        if (spare.length != table.length) {
            spare = new Object[table.length];
        }
    }

    private int indexOf(Object o) {
        if (o == null) {
            return -1;
        }
        int mask = table.length - 1;
        int i = System.identityHashCode(o) & mask;
        for (Object t; (t = table[i]) != null; i = (i + 1) & mask) {
            if (t == o) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean contains(Object o) {
        return indexOf(o) >= 0;
    }

    @Override
    public boolean remove(Object o) {
        int i = indexOf(o);
        if (i < 0) {
            return false;
        }
        table[i] = TOMBSTONE;
        size--;
        modCount++;
        return true;
    }

    @Override
    public void clear() {
        if (used > 0) {
            for (int k = 0; k < used; k++) {
                table[filled[k]] = null;
            }
            used = 0;
            size = 0;
            modCount++;
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Iterator<E> iterator() {
        return new Iterator<>() {
            /** Position in {@link #filled} of the next live key. */
            private int next = advance(0);
            /** Slot of the key {@link #next()} returned last, -1 when none or removed. */
            private int last = -1;
            private int expected = modCount;

            private int advance(int from) {
                int k = from;
                while (k < used && table[filled[k]] == TOMBSTONE) {
                    k++;
                }
                return k;
            }

            @Override
            public boolean hasNext() {
                return next < used;
            }

            @Override
            @SuppressWarnings("unchecked")
            public E next() {
                if (expected != modCount) {
                    throw new ConcurrentModificationException();
                }
                if (next >= used) {
                    throw new NoSuchElementException();
                }
                last = filled[next];
                next = advance(next + 1);
                return (E) table[last];
            }

            @Override
            public void remove() {
                if (last < 0) {
                    throw new IllegalStateException();
                }
                if (expected != modCount) {
                    throw new ConcurrentModificationException();
                }
                // A tombstone keeps every other key where the iteration expects it.
                table[last] = TOMBSTONE;
                size--;
                expected = ++modCount;
                last = -1;
            }
        };
    }
}
