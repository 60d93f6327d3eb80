package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The selected-key set against a {@link LinkedHashSet} model, and its java.util contracts. */
class UngrowableSetTest {

    /**
     * Random adds (the selector's), removes, iterator removes and clears over a few hundred
     * distinct keys, so that the table fills with tombstones, sweeps them and grows: after
     * every step the set's iteration yields each key of the model once and nothing else.
     */
    @Test
    void holdsWhatTheModelHoldsThroughAddsRemovesClearsAndGrowth() {
        for (long seed = 0; seed < 50; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            Object[] keys = new Object[1 + random.nextInt(400)];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = new Object();
            }
            UngrowableSet<Object> set = new UngrowableSet<>();
            Set<Object> model = new LinkedHashSet<>();
            for (int step = 0; step < 5_000; step++) {
                Object key = keys[random.nextInt(keys.length)];
                int op = random.nextInt(100);
                if (op < 55) {
                    assertEquals(model.add(key), set.addInternal(key), "seed " + seed + " step " + step);
                } else if (op < 80) {
                    assertEquals(model.remove(key), set.remove(key), "seed " + seed + " step " + step);
                } else if (op < 97) {
                    removeEveryOtherByIterator(set, model);
                } else {
                    set.clear();
                    model.clear();
                }
                List<Object> iterated = new ArrayList<>(set);
                assertEquals(model.size(), iterated.size(), "seed " + seed + " step " + step);
                assertEquals(model, new HashSet<>(iterated), "seed " + seed + " step " + step);
                assertEquals(model.size(), set.size());
                assertEquals(model.contains(key), set.contains(key));
            }
        }
    }

    private static void removeEveryOtherByIterator(UngrowableSet<Object> set, Set<Object> model) {
        boolean remove = false;
        for (Iterator<Object> it = set.iterator(); it.hasNext(); ) {
            Object k = it.next();
            if (remove) {
                it.remove();
                model.remove(k);
            }
            remove = !remove;
        }
    }

    @Test
    void theApplicationCannotAdd() {
        UngrowableSet<Object> set = new UngrowableSet<>();
        assertThrows(UnsupportedOperationException.class, () -> set.add(new Object()));
    }

    @Test
    void anIteratorFailsFastAfterTheSetChangesAndRemovesOnlyOncePerNext() {
        UngrowableSet<Object> set = new UngrowableSet<>();
        Object a = new Object();
        set.addInternal(a);
        set.addInternal(new Object());
        Iterator<Object> it = set.iterator();
        it.next();
        assertThrows(IllegalStateException.class, () -> {
            it.remove();
            it.remove();
        });
        set.addInternal(new Object());
        assertThrows(ConcurrentModificationException.class, it::next);
        assertTrue(set.contains(set.iterator().next()));
        assertFalse(set.contains(a), "removed through the iterator");
    }

    /** Clearing and refilling at the working size allocates nothing (the selector does it at every select). */
    @Test
    void clearingAndRefillingAtTheWorkingSizeAllocatesNothing() {
        UngrowableSet<Object> set = new UngrowableSet<>();
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add(new Object());
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = 0;
        for (int round = 0; round < 20_000; round++) {
            if (round == 10_000) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            for (int i = 0; i < keys.size(); i++) {
                set.addInternal(keys.get(i));
            }
            set.remove(keys.get(round % keys.size()));
            set.clear();
        }
        assertEquals(0, threads.getCurrentThreadAllocatedBytes() - before);
    }
}
