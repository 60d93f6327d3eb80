package io.bypass.stack.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    private static final long MS = 1_000_000L;
    private final List<String> fired = new ArrayList<>();

    private Timer timer(String name) {
        return new Timer(nowNs -> fired.add(name + "@" + nowNs / MS));
    }

    @Test
    void timerFiresAtFirstAdvancePastItsDeadlineNotBefore() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer t = timer("a");
        wheel.schedule(t, 5 * MS + 1);
        assertEquals(0, wheel.advance(5 * MS));
        assertTrue(t.isScheduled());
        assertEquals(1, wheel.advance(5 * MS + 1));
        assertEquals(List.of("a@5"), fired);
        assertFalse(t.isScheduled());
    }

    @Test
    void cancelledTimerNeverFires() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer t = timer("a");
        wheel.schedule(t, 3 * MS);
        wheel.cancel(t);
        wheel.advance(10 * MS);
        assertTrue(fired.isEmpty());
        assertEquals(0, wheel.size());
        assertEquals(Long.MAX_VALUE, wheel.nextDeadlineNs());
    }

    @Test
    void rescheduleMovesTheTimer() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer t = timer("a");
        wheel.schedule(t, 3 * MS);
        wheel.schedule(t, 7 * MS);
        assertEquals(1, wheel.size());
        wheel.advance(5 * MS);
        assertTrue(fired.isEmpty());
        wheel.advance(7 * MS);
        assertEquals(List.of("a@7"), fired);
    }

    @Test
    void cancelledThenRescheduledTimerFiresOnceAtItsNewDeadline() {
        // A cancelled timer stays linked (lazily): scheduling it again must not fire it twice or early.
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer t = timer("a");
        wheel.schedule(t, 3 * MS);
        wheel.cancel(t);
        assertFalse(t.isScheduled());
        assertEquals(0, wheel.size());
        wheel.schedule(t, 7 * MS);
        assertEquals(1, wheel.size());
        assertEquals(7 * MS, wheel.nextDeadlineNs());
        assertEquals(0, wheel.advance(5 * MS));
        assertEquals(1, wheel.advance(7 * MS));
        assertEquals(0, wheel.advance(20 * MS));
        assertEquals(List.of("a@7"), fired);
    }

    @Test
    void postponedTimerIsTheNextDeadlineBeforeALaterTimer() {
        // "a" stays linked in the 3 ms slot with its deadline moved to 10 ms; "b" waits in the 20 ms slot.
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        wheel.schedule(timer("b"), 20 * MS);
        Timer a = timer("a");
        wheel.schedule(a, 3 * MS);
        wheel.schedule(a, 10 * MS);
        assertEquals(10 * MS, wheel.nextDeadlineNs());
        wheel.advance(3 * MS);
        assertEquals(10 * MS, wheel.nextDeadlineNs());
        wheel.advance(10 * MS);
        assertEquals(List.of("a@10"), fired);
        assertEquals(20 * MS, wheel.nextDeadlineNs());
    }

    @Test
    void timerPostponedBeyondOneRevolutionFiresAtItsNewDeadlineNotAtItsSlot() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer t = timer("a");
        wheel.schedule(t, 3 * MS);
        wheel.schedule(t, 203 * MS);
        assertEquals(203 * MS, wheel.nextDeadlineNs());
        for (long ms = 1; ms < 203; ms++) {
            wheel.advance(ms * MS);
        }
        assertTrue(fired.isEmpty());
        assertEquals(203 * MS, wheel.nextDeadlineNs());
        wheel.advance(203 * MS);
        assertEquals(List.of("a@203"), fired);
    }

    @Test
    void timerBeyondOneRevolutionWaitsForItsRound() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer t = timer("far");
        wheel.schedule(t, 200 * MS);
        for (long ms = 1; ms < 200; ms++) {
            wheel.advance(ms * MS);
        }
        assertTrue(fired.isEmpty());
        wheel.advance(200 * MS);
        assertEquals(List.of("far@200"), fired);
    }

    @Test
    void pastDeadlineFiresOnNextAdvance() {
        TimerWheel wheel = new TimerWheel(MS, 64, 50 * MS);
        Timer t = timer("late");
        wheel.schedule(t, 10 * MS);
        assertEquals(1, wheel.advance(50 * MS));
    }

    @Test
    void handlerReschedulingADueTimerFiresItInTheSameAdvance() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer second = timer("second");
        Timer first = new Timer(nowNs -> wheel.schedule(second, nowNs - 1));
        wheel.schedule(first, 2 * MS);
        assertEquals(2, wheel.advance(9 * MS));
        assertEquals(List.of("second@9"), fired);
    }

    @Test
    void handlerMayCancelAnotherTimerOfTheSameSlot() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        Timer victim = timer("victim");
        Timer killer = new Timer(nowNs -> wheel.cancel(victim));
        wheel.schedule(victim, 2 * MS + 500);
        wheel.schedule(killer, 2 * MS + 100);
        wheel.advance(3 * MS);
        // Either order is allowed within a slot, but the victim fires at most once and the
        // wheel stays consistent.
        assertTrue(fired.size() <= 1);
        assertEquals(0, wheel.size());
    }

    @Test
    void nextDeadlineIsTheEarliestDeadline() {
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        wheel.schedule(timer("a"), 7 * MS + 3);
        wheel.schedule(timer("b"), 9 * MS);
        assertEquals(7 * MS + 3, wheel.nextDeadlineNs());
    }

    @Test
    void nextDeadlineLooksPastTimersOfLaterRevolutions() {
        // A timer a revolution away shares the cursor's slot; answering "now" for it would
        // make the caller spin without anything ever firing.
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        wheel.schedule(timer("far"), 64 * MS + 10);
        wheel.schedule(timer("later"), 200 * MS);
        assertEquals(64 * MS + 10, wheel.nextDeadlineNs());
        wheel.advance(1 * MS);
        wheel.schedule(timer("near"), 30 * MS);
        assertEquals(30 * MS, wheel.nextDeadlineNs());
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void cancelledTimersDoNotSlowNextDeadline() {
        // Many connections going idle at once: their timers are cancelled but stay linked
        // (lazily) until their slots come round; the next deadline must not walk them.
        TimerWheel wheel = new TimerWheel(MS, 4096, 0);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            // Spread over 4 s, so over nearly every slot.
            Timer idle = timer("idle" + i);
            wheel.schedule(idle, 1 + i * 40_000L);
            wheel.cancel(idle);
        }
        assertEquals(0, wheel.size());
        assertEquals(Long.MAX_VALUE, wheel.nextDeadlineNs());
        // A timer in one of the last slots, behind every slot of cancelled timers.
        rescheduleAndLookUp(wheel, 4_000, 50, n);
        wheel.advance(5_000 * MS);
        assertTrue(fired.isEmpty());
    }

    /**
     * 100,000 connections in TIME-WAIT (60 s, far beyond the 4 s span of a stack's wheel)
     * and a poll after each socket call: with far timers in the slots each call walked all
     * of them (10^10 steps here, minutes); in the overflow list they cost nothing.
     */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void farTimersDoNotSlowNextDeadline() {
        TimerWheel wheel = new TimerWheel(MS, 4096, 0);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            // Spread over 4.1 s, so over every slot, as connections closing over time are.
            wheel.schedule(timer("tw" + i), 60_000 * MS + i * 41_000L);
        }
        // A timer of this revolution, behind most slots' far timers.
        rescheduleAndLookUp(wheel, 3_000, 100, n);
        assertEquals(60_000 * MS, wheel.nextDeadlineNs());
        wheel.advance(60_000 * MS);
        assertEquals(List.of("tw0@60000"), fired);
        assertEquals(60_000 * MS + 41_000, wheel.nextDeadlineNs());
    }

    /**
     * A client that reuses the 4-tuples of connections in TIME-WAIT (RFC 6191) ends the
     * oldest with every new connection, which goes into TIME-WAIT in its turn: each step
     * cancels the earliest far timer and schedules a new one, with an advance and a lookup
     * after it. With the far timers in a list, taking out the earliest walked all the others
     * for the next (10^10 steps here, minutes; the in-JVM connection rate halved).
     */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void endingTheEarliestFarTimerIsNotAWalkOfTheOthers() {
        TimerWheel wheel = new TimerWheel(MS, 4096, 0);
        int n = 100_000;
        Timer[] timeWait = new Timer[2 * n];
        long stepNs = 100_000;
        for (int i = 0; i < n; i++) {
            timeWait[i] = timer("tw" + i);
            wheel.schedule(timeWait[i], 60_000 * MS + i * stepNs);
        }
        for (int i = 0; i < n; i++) {
            long nowNs = (n + i) * stepNs;
            wheel.cancel(timeWait[i]);
            timeWait[n + i] = timer("tw" + (n + i));
            wheel.schedule(timeWait[n + i], nowNs + 60_000 * MS);
            wheel.advance(nowNs);
            assertEquals(60_000 * MS + (i + 1) * stepNs, wheel.nextDeadlineNs());
        }
        assertEquals(n, wheel.size());
        assertTrue(fired.isEmpty());
        wheel.advance(2 * n * stepNs + 60_000 * MS);
        assertEquals(n, fired.size());
    }

    /**
     * A retransmission timer rescheduled {@code n} times over {@code spreadMs} deadlines from
     * {@code firstMs} on, as a socket call after each segment does, each time followed by the
     * lookup the provider makes at its unlock, which must answer it; then cancelled.
     */
    private void rescheduleAndLookUp(TimerWheel wheel, long firstMs, int spreadMs, int n) {
        Timer retransmit = timer("retransmit");
        for (int i = 0; i < n; i++) {
            long deadlineNs = (firstMs + i % spreadMs) * MS;
            wheel.schedule(retransmit, deadlineNs);
            assertEquals(deadlineNs, wheel.nextDeadlineNs());
        }
        wheel.cancel(retransmit);
    }

    @Test
    void lookupMovesPostponedTimersToTheirOwnSlotsOnce() {
        // Connections exchanging requests postpone their retransmission timers at every
        // segment; lazily, each stays linked in the slot of its first deadline. The lookup
        // that meets one moves it to its deadline's slot, so the next lookups stop there.
        TimerWheel wheel = new TimerWheel(MS, 4096, 0);
        Timer[] timers = new Timer[1_000];
        for (int i = 0; i < timers.length; i++) {
            timers[i] = timer("rto" + i);
            wheel.schedule(timers[i], (1 + i) * MS);
            wheel.schedule(timers[i], 3_000 * MS + i);
            assertEquals(1 + i, timers[i].slot, "postponed in place");
        }
        assertEquals(3_000 * MS, wheel.nextDeadlineNs());
        for (Timer t : timers) {
            assertEquals(3_000, t.slot);
        }
        assertEquals(timers.length, wheel.size());
        wheel.advance(3_000 * MS + timers.length);
        assertEquals(timers.length, fired.size());
    }

    @Test
    void randomScheduleCancelAgreesWithAPriorityQueueModel() {
        agreesWithAPriorityQueueModel(false);
    }

    @Test
    void randomScheduleCancelReleaseAgreesWithAPriorityQueueModel() {
        agreesWithAPriorityQueueModel(true);
    }

    @Test
    void aReleasedTimerIsNoLongerReachableFromTheWheel() throws InterruptedException {
        // A cancelled timer stays linked until its slot comes round; a released one is unlinked
        // at once, so the wheel no longer keeps its owner (a closed connection) alive.
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        java.lang.ref.WeakReference<Object> owner = scheduledAndReleased(wheel);
        for (int i = 0; i < 20 && owner.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertTrue(owner.get() == null, "the wheel still reaches the released timer's owner");
        assertEquals(0, wheel.size());
        wheel.advance(100 * MS);
        assertTrue(fired.isEmpty());
    }

    private java.lang.ref.WeakReference<Object> scheduledAndReleased(TimerWheel wheel) {
        Object owner = new Object();
        Timer t = new Timer(nowNs -> fired.add("owner " + owner.hashCode()));
        wheel.schedule(t, 30 * MS);
        wheel.release(t);
        assertFalse(t.isScheduled());
        return new java.lang.ref.WeakReference<>(owner);
    }

    /**
     * Property: the wheel fires exactly the timers a simple model says are due, at the first
     * advance past their deadline; with {@code release}, half the cancels are releases.
     */
    private void agreesWithAPriorityQueueModel(boolean release) {
        Random random = new Random(42);
        TimerWheel wheel = new TimerWheel(MS, 64, 0);
        int n = 500;
        long[] deadline = new long[n];
        long[] firedAt = new long[n];
        Timer[] timers = new Timer[n];
        long[] now = {0};
        for (int i = 0; i < n; i++) {
            int id = i;
            timers[i] = new Timer(nowNs -> firedAt[id] = nowNs);
            firedAt[i] = -1;
            deadline[i] = -1;
        }
        for (int step = 0; step < 20_000; step++) {
            int i = random.nextInt(n);
            switch (random.nextInt(3)) {
                case 0 -> {
                    deadline[i] = now[0] + random.nextLong(300 * MS);
                    firedAt[i] = -1;
                    wheel.schedule(timers[i], deadline[i]);
                }
                case 1 -> {
                    if (release && random.nextBoolean()) {
                        wheel.release(timers[i]);
                    } else {
                        wheel.cancel(timers[i]);
                    }
                    deadline[i] = -1;
                }
                default -> {
                    // Now and then a gap longer than the wheel's span (64 ms).
                    now[0] += random.nextInt(50) == 0 ? random.nextLong(400 * MS) : random.nextLong(3 * MS);
                    wheel.advance(now[0]);
                    for (int k = 0; k < n; k++) {
                        if (deadline[k] >= 0 && deadline[k] <= now[0]) {
                            assertTrue(firedAt[k] >= deadline[k], "timer " + k + " not fired by " + now[0]);
                            assertTrue(firedAt[k] <= now[0]);
                            deadline[k] = -1;
                        } else if (deadline[k] > now[0]) {
                            assertTrue(timers[k].isScheduled(), "timer " + k + " fired early");
                        }
                    }
                }
            }
            // After every step, not only after advancing: the wheel remembers the earliest
            // deadline across schedules and cancels.
            long earliest = Long.MAX_VALUE;
            for (int k = 0; k < n; k++) {
                if (deadline[k] >= 0) {
                    earliest = Math.min(earliest, deadline[k]);
                }
            }
            assertEquals(earliest, wheel.nextDeadlineNs(), "next deadline at step " + step + ", now " + now[0]);
        }
    }
}
