package io.bypass.stack.time;

/**
 * A hashed timer wheel (Varghese and Lauck): timers hash by deadline tick into a
 * power-of-two number of slots, each an intrusive doubly linked list.
 *
 * <p>{@link #schedule} and {@link #cancel} are O(1). {@link #advance} visits the slots of
 * the ticks that passed and fires each timer whose deadline is due. Precision is not lost
 * to the tick: a timer fires at the first {@code advance(nowNs)} with {@code nowNs >= deadlineNs}.
 *
 * <p>Timers more than one revolution away (TIME-WAIT's 60 s, keep-alive's hours) wait in
 * a heap by deadline ({@link FarTimers}), not in the slots, and move into their slot when
 * {@link #advance} brings them within one revolution, earliest first. Why: {@link
 * #nextDeadlineNs} runs after every socket call, and with far timers in the slots it had
 * to walk each of them (10,000 connections in TIME-WAIT made every call O(connections));
 * the heap knows its earliest, so far timers cost O(log n) each when scheduled, cancelled
 * or brought in, and nothing in between. A timer that is nonetheless in a slot ahead of its
 * round (a long gap between advances) is checked by deadline, not by slot, and moved on
 * when its slot expires or {@link #nextDeadlineNs} meets it.
 *
 * <p>A bitmap of the slots holding active timers lets {@link #nextDeadlineNs} skip the
 * others 64 at a time. Not thread-safe: one wheel per stack, used under the stack lock.
 *
 * <p>Lazy cancelling and postponing, as Linux leaves its retransmission timer pending: a
 * connection exchanging requests and responses arms its retransmission and delayed-ACK
 * timers for every segment and cancels them at the answer, and unlinking and linking were
 * a tenth of the stack's work per round trip. So a timer cancelled while in a wheel slot
 * stays linked, inactive, until its slot comes round ({@link #expireSlot} drops it), and a
 * timer scheduled to a deadline not earlier than the one it is linked for (active or not)
 * only takes the new deadline. The invariant that keeps this exact: a linked timer sits in
 * the slot of a tick at or before its deadline's, so it is met in time; met early, it moves
 * on to its own slot. {@link #size}, {@link #nextDeadlineNs} and firing count active timers
 * only, so nothing outside the wheel can tell; the bitmap counts active timers only, so
 * that thousands of connections going idle at once (their timers cancelled, still linked)
 * do not make {@link #nextDeadlineNs} walk them. Far timers and those in the lists of a
 * slot being expired are unlinked at once.
 *
 * <p>The earliest deadline is remembered between lookups ({@link #earliestNs}): adding a timer
 * or moving one earlier can only lower it, and moving, cancelling or firing a timer that is not
 * the earliest leaves it as it is, so only a change to the earliest timer itself makes the
 * next {@link #nextDeadlineNs} walk the slots. The provider asks after every socket call, and
 * most calls change no timer or a later one (a read, a write that postpones the
 * retransmission timer while the delayed ACK is due first).
 */
public final class TimerWheel {
    private final long tickNs;
    private final int mask;
    private final Timer[] heads;
    private final long[] occupied;
    /** Active timers linked in each slot: the slot's bit in {@link #occupied} is set while this is positive. */
    private final int[] activeInSlot;
    /** Index in {@link #heads} of the list being expired (not a slot of the wheel). */
    private final int pending;
    /** Index in {@link #heads} of the not-yet-due timers of the slot being expired. */
    private final int kept;
    /** {@link Timer#slot} of a timer held in {@link #far} (no list of {@link #heads}). */
    private final int farSlot;
    /** The timers more than one revolution past the cursor. */
    private final FarTimers far = new FarTimers();
    /** The tick the wheel has processed up to, inclusive of timers due by {@link #lastNowNs}. */
    private long cursorTick;
    private long lastNowNs;
    private int scheduled;
    /** While {@link #earliestKnown}: the earliest deadline of all active timers (Long.MAX_VALUE: none). */
    private long earliestNs = Long.MAX_VALUE;
    /** Whether {@link #earliestNs} is exact; false once the timer holding it moved later, was cancelled or fired. */
    private boolean earliestKnown = true;

    /**
     * @param tickNs    width of one slot in nanoseconds
     * @param slotCount number of slots, a power of two (span = tickNs * slotCount)
     * @param startNs   the caller's time now
     */
    public TimerWheel(long tickNs, int slotCount, long startNs) {
        if (tickNs <= 0 || slotCount < 64 || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException("tickNs=" + tickNs + " slotCount=" + slotCount
                    + " (need tickNs > 0 and a power of two >= 64)");
        }
        this.tickNs = tickNs;
        this.mask = slotCount - 1;
        this.heads = new Timer[slotCount + 2];
        this.pending = slotCount;
        this.kept = slotCount + 1;
        this.farSlot = slotCount + 2;
        this.occupied = new long[slotCount / 64];
        this.activeInSlot = new int[slotCount];
        this.cursorTick = Math.floorDiv(startNs, tickNs);
        this.lastNowNs = startNs;
    }

    /**
     * Schedules {@code timer} for {@code deadlineNs}, moving it if it was already
     * scheduled. A deadline in the past fires at the next {@link #advance}.
     */
    public void schedule(Timer timer, long deadlineNs) {
        if (timer.active && timer.deadlineNs == earliestNs && deadlineNs > earliestNs) {
            // The earliest timer moves later: another may be first now.
            earliestKnown = false;
        } else if (deadlineNs < earliestNs) {
            earliestNs = deadlineNs;
        }
        if (inWheelSlot(timer.slot) && deadlineNs - timer.deadlineNs >= 0) {
            // Linked in a slot at or before the new deadline's tick: it stays (see the class comment).
            timer.deadlineNs = deadlineNs;
            setActive(timer, true);
            return;
        }
        if (timer.slot >= 0) {
            unlink(timer);
        }
        setActive(timer, true);
        place(timer, deadlineNs);
    }

    /** Marks a timer scheduled or not, counting it in {@link #scheduled} and, when linked in a wheel slot, in that slot's active count. */
    private void setActive(Timer timer, boolean active) {
        if (timer.active != active) {
            if (!active && timer.deadlineNs == earliestNs) {
                // Cancelled or fired: it may have been the earliest.
                earliestKnown = false;
            }
            timer.active = active;
            int delta = active ? 1 : -1;
            scheduled += delta;
            if (inWheelSlot(timer.slot)) {
                countActive(timer.slot, delta);
            }
        }
    }

    /** @return whether {@code slot} is one of the wheel's slots (not far, not an expiry list, not -1) */
    private boolean inWheelSlot(int slot) {
        return slot >= 0 && slot < pending;
    }

    private void countActive(int slot, int delta) {
        if ((activeInSlot[slot] += delta) > 0) {
            occupied[slot >>> 6] |= 1L << (slot & 63);
        } else {
            occupied[slot >>> 6] &= ~(1L << (slot & 63));
        }
    }

    /** Links an unlinked timer into the slot of its deadline's tick (or holds it far). */
    private void place(Timer timer, long deadlineNs) {
        timer.deadlineNs = deadlineNs;
        long tick = Math.max(Math.floorDiv(deadlineNs, tickNs), cursorTick);
        if (tick - cursorTick > mask) {
            timer.slot = farSlot;
            far.add(timer);
        } else {
            link(timer, (int) (tick & mask));
        }
    }

    /** Cancels {@code timer}; nothing happens if it is not scheduled. */
    public void cancel(Timer timer) {
        setActive(timer, false);
        if (timer.slot >= pending) {
            // Far, or in a list of the slot being expired: unlinked at once.
            unlink(timer);
        }
    }

    /**
     * Cancels {@code timer} and unlinks it at once, from whatever list holds it: for an owner
     * done with it for good (a connection that closed), so that the wheel no longer reaches
     * the owner. A timer {@link #cancel}led in a slot stays linked until the slot comes round,
     * up to a revolution later: at 100,000 connections a second, tens of thousands of closed
     * connections (about 2 KB each) stayed reachable that way, and every young collection
     * copied them.
     */
    public void release(Timer timer) {
        setActive(timer, false);
        if (timer.slot >= 0) {
            unlink(timer);
        }
    }

    /** @return how many timers are scheduled */
    public int size() {
        return scheduled;
    }

    /**
     * Fires every timer due at {@code nowNs}. Handlers may schedule and cancel timers,
     * including themselves; a timer they schedule that is already due fires in this call.
     *
     * @param nowNs the caller's current time; time never goes back (a smaller value is
     *              treated as the last one)
     * @return how many timers fired
     */
    public int advance(long nowNs) {
        if (nowNs < lastNowNs) {
            nowNs = lastNowNs;
        }
        lastNowNs = nowNs;
        if (nowNs < (cursorTick + 1) * tickNs && nowNs < nextDeadlineNs()) {
            // Still in the cursor's tick and nothing due: the walk would fire nothing and move
            // nothing (the cursor stays, so no far timer comes within a revolution). The
            // provider advances after every socket call, and nextDeadlineNs is mostly
            // remembered, so this is the common case.
            return 0;
        }
        long nowTick = Math.floorDiv(nowNs, tickNs);
        promoteFar(nowTick);
        long lastTick = Math.min(nowTick, cursorTick + mask);
        int fired = 0;
        for (long tick = cursorTick; tick <= lastTick; tick++) {
            // Moving the cursor with the walk makes a due timer scheduled by a handler land
            // in this slot or one still ahead, so it fires in this call.
            cursorTick = tick;
            fired += expireSlot((int) (tick & mask), nowNs);
        }
        cursorTick = nowTick;
        return fired;
    }

    /**
     * When the wheel next needs {@link #advance}: the earliest deadline of all scheduled
     * timers, as remembered (see the class comment) unless the earliest timer changed since.
     * Then it walks the occupied slots in order from the cursor; the first slot holding a
     * timer of its own tick (or an earlier one) answers, since a timer linked in a later slot
     * is due no earlier than that slot's tick. A timer met in a slot before its deadline's tick
     * (postponed while linked, or ahead of its round) is moved on to its own slot or among the
     * far timers as the walk meets it, so a timer postponed at every segment is moved once
     * per tick its deadline crosses, and the next lookup answers at its slot; the far timers
     * answer with their earliest.
     *
     * @return that time, or {@link Long#MAX_VALUE} when nothing is scheduled
     */
    public long nextDeadlineNs() {
        if (!earliestKnown) {
            long near = nextSlotDeadlineNs();
            Timer first = far.earliest();
            earliestNs = first == null ? near : Math.min(first.deadlineNs, near);
            earliestKnown = true;
        }
        return earliestNs;
    }

    private long nextSlotDeadlineNs() {
        if (scheduled == far.size()) {
            return Long.MAX_VALUE;
        }
        int start = (int) (cursorTick & mask);
        int distance = 0;
        while (distance <= mask && scheduled != far.size()) {
            int slot = nextOccupied((start + distance) & mask);
            int slotDistance = (slot - start) & mask;
            if (slotDistance < distance) {
                break;
            }
            long slotTick = cursorTick + slotDistance;
            // A timer due after this slot's tick has a deadline at or past the next tick's start
            // (floorDiv(deadline, tick) > slotTick, without a division per timer).
            long nextTickStartNs = (slotTick + 1) * tickNs;
            long earliest = Long.MAX_VALUE;
            Timer t = heads[slot];
            while (t != null) {
                Timer next = t.next;
                if (t.active) {
                    if (t.deadlineNs >= nextTickStartNs) {
                        // Always to a slot further on (or far): the walk meets it again there.
                        unlink(t);
                        place(t, t.deadlineNs);
                    } else {
                        earliest = Math.min(earliest, t.deadlineNs);
                    }
                }
                t = next;
            }
            if (earliest != Long.MAX_VALUE) {
                return earliest;
            }
            distance = slotDistance + 1;
        }
        return Long.MAX_VALUE;
    }

    /**
     * Fires the due timers of one slot. The slot's list is moved to {@link #pending} first,
     * so handlers can schedule into the slot or cancel any timer (pending or kept) while we
     * walk; timers not yet due wait in {@link #kept} and go back when the slot is done.
     */
    private int expireSlot(int slot, long nowNs) {
        int fired = 0;
        while (heads[slot] != null) {
            moveAll(slot, pending);
            while (heads[pending] != null) {
                Timer t = heads[pending];
                unlink(t);
                if (!t.active) {
                    // Cancelled while linked (lazily): dropped here.
                    continue;
                }
                if (t.deadlineNs - nowNs <= 0) {
                    setActive(t, false);
                    t.handler.onTimer(nowNs);
                    fired++;
                } else if (Math.floorDiv(t.deadlineNs, tickNs) <= cursorTick) {
                    link(t, kept);
                } else {
                    // Postponed while linked (lazily), or ahead of its round: on to its own slot.
                    place(t, t.deadlineNs);
                }
            }
        }
        moveAll(kept, slot);
        return fired;
    }

    /** Moves the far timers within one revolution of {@code nowTick} into their slots, earliest first. */
    private void promoteFar(long nowTick) {
        for (Timer t = far.earliest(); t != null; t = far.earliest()) {
            long tick = Math.floorDiv(t.deadlineNs, tickNs);
            if (tick - nowTick > mask) {
                return;
            }
            unlink(t);
            // Before the cursor moves: a slot the coming walk visits keeps the timer by
            // its deadline (expireSlot), so it waits there for its tick.
            link(t, (int) (Math.max(tick, cursorTick) & mask));
        }
    }

    private void moveAll(int from, int to) {
        while (heads[from] != null) {
            Timer t = heads[from];
            unlink(t);
            link(t, to);
        }
    }

    private int nextOccupied(int start) {
        int words = occupied.length;
        int word = start >>> 6;
        long bits = occupied[word] & (-1L << (start & 63));
        for (int i = 0; i <= words; i++) {
            if (bits != 0) {
                return (word << 6) + Long.numberOfTrailingZeros(bits);
            }
            // words is a power of two, as the slot count is.
            word = (word + 1) & (words - 1);
            bits = occupied[word];
        }
        throw new IllegalStateException("scheduled=" + scheduled + " but no slot occupied");
    }

    private void link(Timer timer, int slot) {
        Timer head = heads[slot];
        timer.previous = null;
        timer.next = head;
        if (head != null) {
            head.previous = timer;
        }
        heads[slot] = timer;
        timer.slot = slot;
        if (slot < pending && timer.active) {
            countActive(slot, 1);
        }
    }

    private void unlink(Timer timer) {
        int slot = timer.slot;
        timer.slot = -1;
        if (slot == farSlot) {
            far.remove(timer);
            return;
        }
        if (timer.previous != null) {
            timer.previous.next = timer.next;
        } else {
            heads[slot] = timer.next;
        }
        if (timer.next != null) {
            timer.next.previous = timer.previous;
        }
        if (slot < pending && timer.active) {
            countActive(slot, -1);
        }
        timer.previous = null;
        timer.next = null;
    }
}
