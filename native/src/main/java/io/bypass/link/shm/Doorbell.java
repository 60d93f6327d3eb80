package io.bypass.link.shm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.BooleanSupplier;

/**
 * The interrupt of a shared-memory ring, as memif and virtio do it: a word in the shared
 * header that the ring's consumer sets before it sleeps on a futex, and that the producer
 * reads after every published burst, waking the consumer only when it sleeps.
 *
 * <p>The word holds {@link #AWAKE}, {@link #SLEEPING} or {@link #WAKE_PENDING}. The lost-wake-up
 * invariant is Dekker's: the consumer stores {@code SLEEPING} and then loads the ring's
 * tail; the producer stores the tail and then loads the word; a full fence sits between
 * the store and the load on each side. So at least one of them sees the other's store:
 * either the consumer sees the new frames and does not sleep, or the producer sees
 * {@code SLEEPING} and wakes it. And the sleep itself cannot miss the wake: {@code
 * FUTEX_WAIT} queues the sleeper only if the word still holds {@code SLEEPING}, atomically
 * with the kernel's compare, and a waker sets the word to something else before it calls
 * {@code FUTEX_WAKE}. {@code WAKE_PENDING} is the same for a wake from this process that
 * comes before the sleep (like {@link java.util.concurrent.locks.LockSupport#unpark}'s
 * permit): the next {@link #await} returns at once.
 *
 * <p>Roles: one consumer thread calls {@link #await} (the thread waiting for frames, not
 * necessarily the link's holder); {@link #ring} is the producer's, called by the thread that
 * transmits into the ring; {@link #wake} any thread of the consumer's process may call.
 */
final class Doorbell {
    /** The consumer is not asleep, nor about to be: producers need not ring. */
    static final int AWAKE = 0;
    /** The consumer is asleep on the word, or about to look at the ring one last time and sleep. */
    static final int SLEEPING = 1;
    /** A wake came while the consumer was not asleep: its next sleep returns at once. */
    static final int WAKE_PENDING = 2;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment word;
    private final Futex futex;
    /** The relative timeout of FUTEX_WAIT; only the awaiting thread writes it. */
    private final MemorySegment timespec;

    /**
     * @param word  the 4-byte doorbell word in the shared mapping, 4-byte aligned
     * @param futex the futex binding
     * @param arena where the timeout's native memory lives
     */
    Doorbell(MemorySegment word, Futex futex, Arena arena) {
        this.word = word;
        this.futex = futex;
        this.timespec = arena.allocate(16, 8);
    }

    /**
     * Consumer: sleeps until the producer rings, {@link #wake} is called, or {@code timeoutNs}
     * passes, unless {@code framesWaiting} says there is already something to do.
     *
     * @param timeoutNs     the longest sleep
     * @param framesWaiting looks at the ring (an acquire load of its tail)
     * @return {@code framesWaiting} as of the return
     */
    boolean await(long timeoutNs, BooleanSupplier framesWaiting) {
        int was = (int) INT.compareAndExchange(word, 0L, AWAKE, SLEEPING);
        if (was == WAKE_PENDING) {
            INT.setVolatile(word, 0L, AWAKE);
            return framesWaiting.getAsBoolean();
        }
        // StoreLoad: the SLEEPING store is visible before we read the tail (the Dekker pair of ring()'s fence).
        VarHandle.fullFence();
        if (!framesWaiting.getAsBoolean() && timeoutNs > 0) {
            futex.await(word, SLEEPING, timeoutNs, timespec);
        }
        // Woken, timed out, interrupted or never slept: a producer that saw SLEEPING has set AWAKE already.
        INT.setVolatile(word, 0L, AWAKE);
        return framesWaiting.getAsBoolean();
    }

    /**
     * Producer, after publishing a burst: wakes the consumer if it sleeps. Costs a fence and
     * one load of the word when it does not.
     */
    void ring() {
        // StoreLoad: the tail just published is visible before we read the word (see the class comment).
        VarHandle.fullFence();
        if ((int) INT.getVolatile(word, 0L) == SLEEPING && INT.compareAndSet(word, 0L, SLEEPING, AWAKE)) {
            futex.wake(word, 1);
        }
    }

    /** The consumer, when it takes over a side: forgets what a dead predecessor left in the word. */
    void reset() {
        INT.setVolatile(word, 0L, AWAKE);
    }

    /** Any thread of the consumer's process: makes the consumer's current or next {@link #await} return. */
    void wake() {
        while (true) {
            int was = (int) INT.getVolatile(word, 0L);
            if (was == WAKE_PENDING) {
                return;
            }
            if (INT.compareAndSet(word, 0L, was, WAKE_PENDING)) {
                if (was == SLEEPING) {
                    futex.wake(word, 1);
                }
                return;
            }
        }
    }
}
