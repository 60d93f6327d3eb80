package io.bypass.stack.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The far timers' heap against a sorted-set model: random adds and removals of any timer, earliest checked at every step. */
class FarTimersTest {
    @Test
    void earliestAgreesWithASortedModelThroughRandomAddsAndRemovals() {
        Random random = new Random(7);
        FarTimers far = new FarTimers();
        Timer[] timers = new Timer[300];
        // Ties broken by identity: timers may share a deadline, and any of them may be the earliest.
        TreeSet<Timer> model = new TreeSet<>(Comparator.comparingLong((Timer t) -> t.deadlineNs)
                .thenComparingInt(System::identityHashCode));
        for (int i = 0; i < timers.length; i++) {
            timers[i] = new Timer(nowNs -> { });
        }
        for (int step = 0; step < 100_000; step++) {
            Timer t = timers[random.nextInt(timers.length)];
            if (t.heapIndex >= 0) {
                far.remove(t);
                model.remove(t);
                assertEquals(-1, t.heapIndex);
            } else {
                // A narrow range, so that deadlines tie; some negative, as System.nanoTime may be.
                t.deadlineNs = random.nextLong(-50, 50);
                far.add(t);
                model.add(t);
            }
            assertEquals(model.size(), far.size());
            if (model.isEmpty()) {
                assertNull(far.earliest());
            } else {
                assertEquals(model.first().deadlineNs, far.earliest().deadlineNs, "step " + step);
            }
        }
    }

    @Test
    void takingTheEarliestInTurnGivesTheDeadlinesInOrder() {
        FarTimers far = new FarTimers();
        Random random = new Random(3);
        for (int i = 0; i < 1_000; i++) {
            Timer t = new Timer(nowNs -> { });
            t.deadlineNs = random.nextLong(1_000_000);
            far.add(t);
        }
        long last = Long.MIN_VALUE;
        while (far.size() > 0) {
            Timer t = far.earliest();
            far.remove(t);
            assertTrue(t.deadlineNs >= last, t.deadlineNs + " after " + last);
            last = t.deadlineNs;
        }
        assertNull(far.earliest());
    }

    @Test
    void removingTheOnlyTimerEmptiesTheHeap() {
        FarTimers far = new FarTimers();
        Timer t = new Timer(nowNs -> { });
        far.add(t);
        assertSame(t, far.earliest());
        far.remove(t);
        assertEquals(0, far.size());
        assertNull(far.earliest());
    }
}
