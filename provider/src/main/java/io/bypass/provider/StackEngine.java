package io.bypass.provider;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.link.InMemoryLink;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.tcp.ProcessExit;
import io.bypass.stack.tcp.TcpConnection;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A progress engine: stacks that share one lock (the stack lock of DESIGN.md) and one
 * helper thread. The provider runs one engine per link: the in-JVM loopback pair
 * ({@link EngineFactory#loopback}) and, when {@code bypass.link} names a device, one stack on it
 * ({@link EngineFactory#onLink}); each engine has its own lock, so traffic on one never waits for the other.
 *
 * <p>The loopback engine is two full {@link NetworkStack}s wired back to back, one lock over
 * both. Why two stacks: the engine drops packets from and to its own address (RFC 1122
 * section 3.2.1.3), as a NIC-attached stack must, so a stack cannot talk to itself. The
 * "server" stack owns every accelerated listener; the "client" stack owns every
 * accelerated connect. The provider shows the application loopback addresses and
 * translates them to the stacks' own. One lock for both, because a frame sent by one is
 * processed by the other in the same progress step: a write is delivered, acknowledged
 * and signalled before the writer unlocks, which is what makes the loopback fast. A link
 * engine has one stack, which is both its {@link #server} and its {@link #client}, and
 * shows the application real addresses.
 *
 * <p>Progress: whoever needs it takes the lock, {@link #pollLocked} runs the stacks until
 * they are quiet, and unlocking re-arms the helper thread, which keeps timers (delayed
 * ACKs, retransmission, TIME-WAIT) moving when nobody else polls. Frames from another
 * process arrive with no thread of ours doing anything, so on a link engine somebody must
 * watch the device, in this order of preference:
 * <ol>
 * <li>threads spinning on the engine (a selector, or a blocking operation under
 *     {@code bypass.spin}; counted in {@link #spinners}): they look at the device's
 *     pending-frame hint at every turn and poll when it says frames wait, so a frame goes
 *     from the ring to the application with no wake-up at all. The helper then leaves them
 *     the frames, the lock and the CPU: it polls only for a due timer, and wakes at the
 *     polled-link intervals below to see whether they are still there. A thread that polled
 *     since its last look (every write does, and a read that finds nothing) counts as watching
 *     too, unless one of ours is parked; a look never waits for the lock;
 * <li>a blocked application thread asleep on the device's doorbell ({@link Link#awaitFrames},
 *     the shm link's futex word): the peer's transmit wakes it and it polls itself, one
 *     wake-up per frame. One thread at a time ({@link #bell}); others park on their wait
 *     points and its poll signals them. The helper polls then only for a due timer, as beside
 *     a spinner: its poll would take the sleeper's frames and wake it a second time;
 * <li>the helper asleep on the doorbell, when neither of the above has wanted it for
 *     {@link #LINK_POLL_MAX_NS}; a thread that blocks meanwhile asks for it back;
 * <li>on a device without a doorbell (TAP, DPDK), the helper's polls: at once again while
 *     frames keep coming, then at intervals that double from {@link #LINK_POLL_MIN_NS} to
 *     {@link #LINK_POLL_MAX_NS} while none do (interrupt moderation, done by hand), from
 *     {@link #LINK_POLL_MIN_NS} again whenever a thread parks ({@link #threadParks},
 *     {@link LinkPollBackoff}). Without that restart, DPDK {@code net_af_xdp} against a kernel
 *     peer had round trips of p99 0.41 ms and p99.9 1.2 ms where the kernel's own were 0.11
 *     and 0.20 ms.
 * </ol>
 * Between two waits of a thread nobody may be watching; a frame then waits for the thread's
 * next wait (which looks at the ring before it sleeps) or the helper's next look, at most
 * {@link #LINK_LOOK_WATCHED_NS} later while threads watch or poll the link (the helper backs
 * off that far then), {@link #LINK_POLL_MAX_NS} while one is parked ({@link #threadParks}).
 *
 * <p>Blocking: each channel has its own {@link WaitPoint}s (one per wait reason: a
 * condition of {@link #lock} and an event count) and its stack callbacks signal them. No
 * wakeup is lost because of one invariant: every change that can end a wait (a stack
 * event, a close, a shutdown) happens with the lock held and signals before the lock is
 * released, and a waiter checks its condition with the lock held and then either parks
 * ({@link java.util.concurrent.locks.Condition#await} releases the lock atomically) or, when
 * spinning, reads the wait point's event count before it releases the lock and stops when
 * the count moves. So no polling guard is needed; virtual threads unmount while they wait,
 * since they park through {@code java.util.concurrent}. A waiter asleep on a link's doorbell
 * instead counts itself on its wait point under the lock, and a signal rings the doorbell
 * from this side ({@link WaitPoint#signalLocked}); the doorbell's own invariant (see the shm
 * link's {@code Doorbell}: the sleeper announces its sleep and then looks at the ring, the
 * producer publishes and then looks at the announcement, a full fence between on each side,
 * and the futex sleeps only while the word still holds the announcement) covers the frames
 * from the other process. Virtual threads never sleep on a doorbell: the sleep is a system
 * call, which would pin their carrier; they park, and the doorbell's sleeper signals them.
 *
 * <p>Spinning ({@code bypass.spin}, as Onload's EF_POLL_USEC): every blocking wait and every
 * select first spins without the lock, watching volatile words only (an event count, the
 * links' pending-frame hints, the next timer), and takes the lock only when there is work,
 * so that two spinning threads do not queue on the lock. On the loopback engine a writer's
 * progress step delivers the frame to the peer stack and signals there, so the peer's
 * spinner needs no lock and no unpark to see the data. A device is polled, not interrupt
 * driven: nothing of ours delivers its frames, so a spinner on a link engine takes the lock
 * and polls the device whenever {@link Link#pending()} says frames wait, or cannot tell (-1,
 * then at every turn); the helper's backed-off polling alone would add up to
 * {@link #LINK_POLL_MAX_NS} to every wait.
 *
 * <p>Who delivers on the loopback engine ({@link #pollAfterWriteLocked}): while a thread
 * spins on the engine, a writer only puts its segments on the wire and leaves their
 * receipt to the spinner, which polls the wire anyway. Each stack's state then stays in
 * the cache of the CPU whose thread uses it: when the writer also ran the peer stack's
 * receive path, every one-way trip moved both stacks' connection, queue and timer lines
 * between the two CPUs (measured: the write of a 64-byte ping-pong took 1.4 us with two
 * pinned spinners, 0.7 us without the peer's receive path). No frame is stranded, because
 * of a Dekker pair: a writer puts the frames on the wire, fences, then reads the spinner
 * count; a spinner that stops counts itself out (an atomic decrement, a full fence), then
 * looks at the wire and polls what it finds ({@link #spinEnded}). At least one of the two
 * sees the other's write, so the frames are delivered by the writer or by the spinner.
 */
final class StackEngine {
    private static final long IDLE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A link engine's helper polls the link this soon after it last found it quiet... */
    static final long LINK_POLL_MIN_NS = TimeUnit.MICROSECONDS.toNanos(50);
    /** ...and at least this often however long it stays quiet... */
    static final long LINK_POLL_MAX_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * ...or this often while other threads watch or poll the link and none is parked: its look
     * is then only for a watcher that stopped between two waits without blocking (one that
     * blocks sleeps on the doorbell, or counts itself parked and has the helper back, see
     * {@link #threadParks}), and each wake-up of the helper preempts a spinning thread when
     * they fill the CPUs (two pinned ping-pong JVMs on two CPUs: round trips over 10 us came
     * 1.7-2.1 times a millisecond with looks a millisecond apart, 0.7-1.2 with looks 10-20 ms
     * apart).
     */
    static final long LINK_LOOK_WATCHED_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int MAX_ROUNDS = 64;
    /** The {@link #touched} mask of every stack. */
    private static final int ALL_STACKS = -1;
    /** How often {@link #closeAtExit} polls while it lingers (the peers' ACKs come from another process or host). */
    private static final long EXIT_POLL_NS = TimeUnit.MICROSECONDS.toNanos(100);
    /** How long {@link #lock} waits on the CPU for a busy lock before it parks. */
    private static final long LOCK_SPIN_NS = 2_000;

    final ReentrantLock lock = new ReentrantLock();
    /** The stack that owns accelerated listeners. */
    final NetworkStack server;
    /** The stack that owns accelerated connects; the same as {@link #server} on a link engine. */
    final NetworkStack client;
    /** Every stack of this engine, polled in this order. */
    private final NetworkStack[] stacks;
    /** The links the stacks poll, for the pending-frames hint and the counters. */
    private final Link[] links;
    /**
     * The loopback engine's two ports (empty on a link engine): the wire inside the engine, and
     * the frame-leak count; {@code ports[i]} is the port {@code stacks[i]} receives from.
     */
    private final InMemoryLink[] ports;
    /** Whether the stacks' addresses are shown to the application as loopback ones. */
    private final boolean loopback;
    /** Accelerated listeners per port (more than one: an SO_REUSEPORT group). */
    private final ConcurrentHashMap<Integer, Integer> listenerPorts = new ConcurrentHashMap<>();
    private final Thread helper;
    /** Who sleeps on the device's doorbell, when a link engine's device has one ({@link Link#canAwaitFrames}); null otherwise. */
    private final LinkBell bell;
    /**
     * Threads spinning on this engine (blocking operations under bypass.spin, selectors): they
     * poll the link, so the helper need not; on the loopback engine writers leave the receipt
     * of their frames to them (see the class comment on who delivers).
     */
    private final AtomicInteger spinners = new AtomicInteger();
    /**
     * Threads blocked on this link engine's events that neither spin nor sleep on its doorbell
     * (parked on a wait point, a selector parked or in its inner kernel selector): nothing of
     * theirs watches the device, so the helper polls it for them ({@link #threadParks}).
     */
    private final AtomicInteger parkedThreads = new AtomicInteger();
    /** Parks of threads on a link engine without a doorbell, counted so that the helper's backoff starts again at each. */
    private final AtomicInteger parks = new AtomicInteger();
    private volatile long helperWakeNs;
    /** The stacks' earliest poll time as of the last unlock (Long.MAX_VALUE: none). */
    private volatile long nextPollNs = Long.MAX_VALUE;
    private volatile boolean running = true;
    /**
     * Bit i: {@code stacks[i]} may have changed its timers or transmit queue in the current
     * lock session, so {@link #unlock} refreshes its entry of {@link #stackPollAtNs}. Every
     * session starts with all bits ({@link #lock}) but those of the hot paths ({@link #lockFor},
     * {@link #tryProgress}), which name what they touch: reading another stack's timer lines
     * at every unlock would pull them from the CPU of the thread that owns that stack.
     * Guarded by the lock.
     */
    private int touched = ALL_STACKS;
    /** Each stack's {@link NetworkStack#pollAtNs} as of the last session that touched it; guarded by the lock. */
    private final long[] stackPollAtNs;
    /** Set under the lock when a link engine's device is closed; nothing polls it afterwards. */
    private boolean closed;
    /** Calls of {@link #pollLocked}, by any thread; guarded by the lock. The helper compares it with its own count. */
    private long polls;
    /** When the last of {@link #polls} ran; guarded by the lock. */
    private long lastPollNs;
    /** {@link #tryProgress} polls (by selecting and spinning threads) that found work; guarded by the lock. */
    private long progressPollsWithWork;
    /** Waits of blocking operations that parked (their spin, if any, did not suffice); guarded by the lock. */
    private long waitParks;
    /** The helper's polls that found work; written by the helper only (read racily for the stats line). */
    private volatile long helperPollsWithWork;
    /** The helper's {@link Thread#yield}s and its timed sleeps; written by the helper only. */
    private volatile long helperYields;
    private volatile long helperSleeps;

    /**
     * @param ports    the loopback wire's ports in the order of {@code stacks} (client first), or none on a link engine
     * @param loopback whether the stacks' addresses are shown to the application as loopback ones
     * @param name     the helper thread's name
     */
    StackEngine(NetworkStack server, NetworkStack client, Link[] links, InMemoryLink[] ports,
                boolean loopback, String name) {
        this.server = server;
        this.client = client;
        this.stacks = server == client ? new NetworkStack[] {server} : new NetworkStack[] {client, server};
        this.links = links;
        this.ports = ports;
        this.loopback = loopback;
        this.bell = !loopback && links.length == 1 && links[0].canAwaitFrames() ? new LinkBell(links[0], this::running) : null;
        this.stackPollAtNs = new long[stacks.length];
        Arrays.fill(stackPollAtNs, Long.MAX_VALUE);
        helper = Thread.ofPlatform().daemon().name(name).unstarted(this::helperLoop);
        helper.start();
    }

    /** @return whether this is the in-JVM loopback engine (addresses shown as loopback) */
    boolean isLoopback() {
        return loopback;
    }

    /** @return the current time for the stacks */
    static long nowNs() {
        return System.nanoTime();
    }

    /** {@link #nowNs} as a clock, for stack calls that read the time only when they need it. */
    static final LongSupplier CLOCK = StackEngine::nowNs;

    /**
     * Runs the stacks until none has anything left to do now, including the frames the
     * last poll flushed onto the loopback wire: a frame the server stack sends in its poll
     * arrives at the client's port after the client's poll of the same round, and must be
     * received in this step, not left for the peer thread's next poll. (A device link's
     * frames leave the engine; what comes back is the helper's or a spinner's to poll.)
     * Caller holds the lock.
     *
     * @return the work done (frames and timers handled), 0 when there was none
     */
    int pollLocked(long nowNs) {
        assert lock.isHeldByCurrentThread();
        if (closed) {
            return 0;
        }
        countPoll(nowNs);
        touched = ALL_STACKS;
        int total = 0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int work = 0;
            for (NetworkStack s : stacks) {
                work += s.poll(nowNs);
            }
            total += work;
            // Another round for what this one left: frames it put on the loopback wire, or
            // frames that reached the device meanwhile or did not fit one receive burst.
            boolean more = ports.length == 0 ? work > 0 && framesMayWait() : work > 0 || portsPending();
            if (!more) {
                break;
            }
        }
        return total;
    }

    /**
     * The progress step after a write of {@code c}: its segments go onto the wire now. On the
     * loopback engine, while another thread spins on the engine, the peer stack's receipt is
     * left to it (the class comment says why, and why no frame is stranded); otherwise the
     * whole engine runs until quiet ({@link #pollLocked}). Caller holds the lock.
     */
    void pollAfterWriteLocked(TcpConnection c, long nowNs) {
        int own = stackIndexOf(c);
        // The write's segments leave first: the poll's receipt, timers and the peer stack's
        // turn need not delay them (on the shm link the peer is spinning on this publish).
        stacks[own].flush();
        if (stacks.length == 1 || spinners.get() == 0) {
            // Nobody to leave the receipt to (a spinner counted after this read finds no frame of ours).
            pollLocked(nowNs);
            return;
        }
        touched |= 1 << own;
        stacks[own].poll(nowNs);
        countPoll(nowNs);
        // Dekker with spinEnded: the frames are on the wire before the spinner count is read again.
        VarHandle.fullFence();
        if (spinners.get() == 0) {
            pollLocked(nowNs);
        }
    }

    /**
     * The progress step after a read of {@code c}: a window update the read queued goes out (and
     * frames a long burst left for {@code c}'s stack are taken), as {@link #pollAfterWriteLocked};
     * nothing happens, and no clock is read, when there is nothing to send or take. Due timers
     * are not this step's: the spinner or the helper runs them. Caller holds the lock.
     */
    void pollAfterReadLocked(TcpConnection c) {
        int own = stackIndexOf(c);
        boolean arrived = stacks.length == 1 ? framesMayWait() : ports[own].pending() != 0;
        if (stacks[own].transmitPending() || arrived) {
            pollAfterWriteLocked(c, nowNs());
        }
    }

    /**
     * Takes the lock for an operation on {@code c} alone (a read or a write): of the stacks'
     * timers, the unlock refreshes only those of {@code c}'s stack (see {@link #touched}).
     * Pair with {@link #unlock}.
     */
    void lockFor(TcpConnection c) {
        acquire();
        touched = stacks.length == 1 ? ALL_STACKS : 1 << stackIndexOf(c);
    }

    /** @return the index in {@link #stacks} of the stack that holds {@code c}: on the loopback engine the server stack owns the engine's own address */
    private int stackIndexOf(TcpConnection c) {
        return stacks.length == 1 || c.localIp() != server.config().ip() ? 0 : 1;
    }

    /**
     * A thread starts spinning for events of this engine: it polls the link, so the helper need
     * not, and loopback writers may leave the peer stack's receipt of their frames to it. Pair
     * with {@link #spinEnded} (or, under the lock, {@link #spinEndedLocked}).
     */
    void spinStarted() {
        spinners.incrementAndGet();
        if (bell != null) {
            // If the helper sleeps on the bell, it wakes and leaves the frames to the spinner.
            bell.wakeHelper();
        }
    }

    /**
     * The thread stopped spinning; it delivers what a loopback writer may have left on the wire
     * for it (the Dekker pair of the class comment: the decrement is a full fence before the
     * look). Caller does not hold the lock.
     */
    void spinEnded() {
        spinners.decrementAndGet();
        if (portsPending()) {
            lock();
            try {
                pollLocked(nowNs());
            } finally {
                unlock();
            }
        }
    }

    /**
     * {@link #spinEnded} for a thread that holds the lock again: writers check the count under
     * the lock, so none can have left frames after this; the caller polls what waits.
     */
    private void spinEndedLocked() {
        spinners.decrementAndGet();
    }

    /** @return whether frames wait on the loopback wire (exact, not a hint; false on a link engine) */
    private boolean portsPending() {
        for (InMemoryLink p : ports) {
            if (p.pending() != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refreshes the poll times of the stacks touched in this lock session ({@link #touched}).
     * Caller holds the lock.
     *
     * @return the earliest time any stack needs a poll (Long.MAX_VALUE: none)
     */
    private long refreshPollAtLocked() {
        int t = touched;
        touched = 0;
        long next = Long.MAX_VALUE;
        for (int i = 0; i < stacks.length; i++) {
            if ((t & (1 << i)) != 0) {
                stackPollAtNs[i] = stacks[i].pollAtNs();
            }
            next = Math.min(next, stackPollAtNs[i]);
        }
        return next;
    }

    /** @return the earliest time any stack needs a poll (Long.MAX_VALUE: none) */
    private long stacksPollAtNs() {
        long next = Long.MAX_VALUE;
        for (NetworkStack s : stacks) {
            next = Math.min(next, s.pollAtNs());
        }
        return next;
    }

    /**
     * @return whether a link may hold received frames (a hint; true when a link cannot tell,
     *         {@link Link#pending()} of -1, so that a device that is polled, not interrupt
     *         driven, is polled by whoever waits for it)
     */
    private boolean framesMayWait() {
        for (Link l : links) {
            if (l.pending() != 0) {
                return true;
            }
        }
        return false;
    }

    private void countPoll(long nowNs) {
        polls++;
        lastPollNs = nowNs;
    }

    /**
     * Polls only when there is something to do: a stack has frames to send, frames wait on
     * the wire, or a timer is due (a read that found nothing looks once this way). Caller
     * holds the lock.
     *
     * @return whether it polled
     */
    boolean pollIfDueLocked(long nowNs) {
        if (stacksPollAtNs() - nowNs <= 0 || framesMayWait()) {
            pollLocked(nowNs);
            return true;
        }
        return false;
    }

    /** @return a new wait point on the stack lock, for one channel's wait reason */
    WaitPoint newWaitPoint() {
        return new WaitPoint(lock.newCondition(), bell);
    }

    /**
     * Waits for the next event of {@code w}: first, until {@code spinUntilNs}, by spinning
     * without the lock (driving the stacks when they have work), then by parking until it is
     * signalled or, when {@code timed}, the deadline passes. Caller holds the lock, holds it
     * again on return, and re-checks its condition: a return says only that it may hold.
     *
     * @param spinUntilNs the end of this blocking operation's spin time (in the past: no spin)
     * @return false when the thread was interrupted (its status is kept)
     */
    boolean awaitLocked(WaitPoint w, boolean timed, long deadlineNs, long spinUntilNs) {
        long nowNs = nowNs();
        if (spinUntilNs - nowNs > 0 && (!timed || deadlineNs - nowNs > 0)) {
            spinUnlocked(w, timed ? (deadlineNs - spinUntilNs < 0 ? deadlineNs : spinUntilNs) : spinUntilNs);
            if (hasWork(nowNs())) {
                pollLocked(nowNs());
            }
            return !Thread.currentThread().isInterrupted();
        }
        if (bell != null && bell.takeForThread()) {
            return sleepOnBellLocked(w, timed, deadlineNs);
        }
        try {
            waitParks++;
            threadParks();
            try {
                w.parkLocked(timed, deadlineNs);
            } finally {
                threadUnparked();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        pollLocked(nowNs());
        return true;
    }

    /**
     * The blocked thread itself sleeps on the link's doorbell, so that a frame from the peer
     * costs one wake-up (of this thread, which then polls) instead of two (the helper's, then
     * this thread's unpark). No wake-up is lost: the peer's transmit rings the bell after it
     * publishes (the Dekker pair of {@code Doorbell}); an event of {@code w} from this process
     * (a close, the helper's timer poll) is signalled under the lock, where {@link WaitPoint}
     * sees {@link WaitPoint#bellSleepersLocked} and rings the bell from this side, which makes
     * the sleep return or not start. Caller holds the lock and the bell ({@link LinkBell#takeForThread}).
     *
     * @return false when the thread was interrupted
     */
    private boolean sleepOnBellLocked(WaitPoint w, boolean timed, long deadlineNs) {
        int seen = w.events();
        w.bellSleeperLocked(1);
        unlock();
        try {
            long sleepNs = timed ? deadlineNs - nowNs() : Long.MAX_VALUE;
            if (sleepNs > 0 && w.events() == seen) {
                bell.sleepAsThread(sleepNs);
            }
        } finally {
            bell.releaseByThread();
            lock();
            w.bellSleeperLocked(-1);
        }
        pollLocked(nowNs());
        return !Thread.currentThread().isInterrupted();
    }

    /** @return the doorbell of this link engine's device, or null when it has none (a selector about to block sleeps on it) */
    LinkBell bell() {
        return bell;
    }

    private boolean running() {
        return running;
    }

    /**
     * Spins with the lock released until {@code w} has an event, {@code untilNs} passes or the
     * thread is interrupted. Reads only volatile words while there is nothing to do; takes
     * the lock (by {@link #tryProgress}) only when frames wait on a link (or a link cannot
     * tell: a device is then polled at every turn) or a timer is due.
     */
    private void spinUnlocked(WaitPoint w, long untilNs) {
        assert lock.getHoldCount() == 1 : "a spinning waiter must release the stack lock";
        // Read before unlocking: an event signalled after this read moves the count.
        int seen = w.events();
        spinStarted();
        unlock();
        try {
            Thread self = Thread.currentThread();
            for (int spins = 0; !self.isInterrupted(); spins++) {
                if (w.events() != seen) {
                    if (spins > 0) {
                        w.spinPause.ended();
                    }
                    return;
                }
                long nowNs = nowNs();
                if (nowNs - untilNs >= 0) {
                    return;
                }
                tryProgress(nowNs);
                if (w.events() != seen) {
                    // This poll delivered what we wait for: return now, not after another pause.
                    w.spinPause.ended();
                    return;
                }
                w.spinPause.pause(spins);
            }
        } finally {
            lock();
            spinEndedLocked();
        }
    }

    /**
     * Takes the lock; pair with {@link #unlock}. A thread that finds it held waits on the CPU
     * for a while before it parks: the holder is almost always in a progress step of well
     * under a microsecond (a peer's write delivering to us), and parking would cost us a
     * wake-up and the holder an unpark, the convoy two spinning threads otherwise form.
     */
    void lock() {
        acquire();
        touched = ALL_STACKS;
    }

    private void acquire() {
        if (lock.tryLock()) {
            return;
        }
        long untilNs = nowNs() + LOCK_SPIN_NS;
        do {
            Thread.onSpinWait();
            if (!lock.isLocked() && lock.tryLock()) {
                return;
            }
        } while (nowNs() - untilNs < 0);
        lock.lock();
    }

    /** Releases the lock and wakes the helper if a timer is now due earlier than it planned. */
    void unlock() {
        long next = refreshPollAtLocked();
        if (next != nextPollNs) {
            nextPollNs = next;
        }
        lock.unlock();
        if (next != Long.MAX_VALUE && next - helperWakeNs < 0) {
            wakeHelper();
        }
    }

    /**
     * Ends the helper's wait, a park or a sleep on the doorbell. The helper re-reads
     * {@link #nextPollNs} after it takes the bell, and this reads the bell after the caller
     * wrote {@link #nextPollNs}: one of the two sees the other.
     */
    private void wakeHelper() {
        LockSupport.unpark(helper);
        if (bell != null) {
            bell.wakeHelper();
        }
    }

    /**
     * Polls if there is work (frames on the wire, a timer due as of {@code nowNs}) and nobody else is polling; a
     * thread that fails to take the lock relies on the holder. The check reads no stack
     * state, so an idle select costs the same however many sockets the stacks hold.
     *
     * @return whether this poll handled frames or timers (the engine is active: a spinning
     *         select keeps spinning, see {@code BypassSelector#doSelect})
     */
    boolean tryProgress(long nowNs) {
        if (hasWork(nowNs) && lock.tryLock()) {
            touched = 0;
            try {
                int work = stacks.length == 1 || nextPollNs - nowNs <= 0 ? pollLocked(nowNs) : pollArrivalsLocked(nowNs);
                if (work > 0) {
                    progressPollsWithWork++;
                    return true;
                }
            } finally {
                unlock();
            }
        }
        return false;
    }

    /**
     * Polls, in rounds, only the loopback stacks whose port holds frames: a spinner takes what
     * a writer left for it (see {@link #pollAfterWriteLocked}) without touching the writer's
     * stack, whose state then stays in the writer's CPU cache. Caller holds the lock.
     *
     * @return the work done
     */
    private int pollArrivalsLocked(long nowNs) {
        if (closed) {
            return 0;
        }
        countPoll(nowNs);
        int total = 0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int work = 0;
            for (int i = 0; i < stacks.length; i++) {
                if (ports[i].pending() != 0) {
                    touched |= 1 << i;
                    work += stacks[i].poll(nowNs);
                }
            }
            if (work == 0) {
                break;
            }
            total += work;
        }
        return total;
    }

    /**
     * @return whether frames wait on the wire or a timer is due; reads volatile words only,
     *         so any thread may ask without the lock (a hint: the answer may be stale)
     */
    boolean hasWork(long nowNs) {
        return framesMayWait() || nextPollNs - nowNs <= 0;
    }

    private void helperLoop() {
        LinkPollBackoff backoff = new LinkPollBackoff();
        long pollsAfterMine = 0;
        int parksSeen = parks.get();
        while (running) {
            long now = nowNs();
            int parksNow = parks.get();
            boolean threadParked = parksNow != parksSeen;
            parksSeen = parksNow;
            // Threads that watch the device themselves: spinners poll it, and a blocked thread
            // asleep on its doorbell is woken by the peer's transmit and polls what woke it
            // (sleepOnBellLocked, a select's next round). A poll of the helper's beside them only
            // takes their frames and then wakes the sleeper a second time (the signal rings the
            // bell from this side): two wake-ups for one frame, and on a loaded machine the
            // helper's own wake-up is late, so the frame waited for its timed poll. No frame is
            // left behind by leaving it: a frame that comes while the sleeper holds the bell ends
            // its sleep (the Doorbell's Dekker pair) and is polled by it; one that comes after
            // the sleeper gave the bell back waits for that thread's next wait or the helper's
            // next look, as between any two waits (the class comment), since the helper keeps
            // its paced wake-ups.
            boolean othersWatch = !loopback && (spinners.get() > 0 || bell != null && bell.heldByThread());
            int work = 0;
            boolean othersPolled = true;
            // Watching, inside the engine (the lock is taken), or polling lately, with none of ours
            // parked: application threads take the frames themselves (see othersActiveLocked).
            boolean noneParked = parkedThreads.get() == 0;
            boolean othersActive = othersWatch && noneParked;
            long next = nextPollNs;
            boolean due = next - now <= 0;
            if (!othersWatch || due) {
                if (!lockForLook(due)) {
                    othersActive = noneParked;
                } else {
                    try {
                        othersPolled = polls != pollsAfterMine;
                        othersActive = noneParked && othersActiveLocked(othersPolled, now);
                        if (due || !othersActive) {
                            now = nowNs();
                            work = pollLocked(now);
                            if (work > 0) {
                                helperPollsWithWork++;
                            }
                            next = refreshPollAtLocked();
                            nextPollNs = next;
                        }
                        pollsAfterMine = polls;
                    } finally {
                        lock.unlock();
                    }
                }
            }
            // else: threads spinning on this engine poll the link and due timers themselves
            // (tryProgress), a doorbell sleeper the link; the helper leaves them the frames, the
            // lock and the CPU.
            long waitNs = next == Long.MAX_VALUE ? IDLE_NS : Math.max(0, Math.min(IDLE_NS, next - now));
            helperWakeNs = now + waitNs;
            if (!othersWatch && !othersActive && bell != null && bell.takeForHelper(now)) {
                sleepOnBellAsHelper(waitNs);
                continue;
            }
            if (!loopback) {
                // Frames from the other side arrive unannounced and no doorbell is ours to sleep on
                // (the link has none, or a thread of ours just wanted it): poll again at once while
                // they come, then back off (see the class comment). While other threads watch the
                // link or poll it, they take the frames: polling beside them would only take their
                // CPU and their lock, so the helper only looks in at longer paced intervals.
                waitNs = Math.min(waitNs,
                        backoff.afterLook(work > 0, othersPolled || othersWatch, othersActive, threadParked));
                helperWakeNs = now + waitNs;
            }
            if (waitNs > 0) {
                helperSleeps++;
                LockSupport.parkNanos(this, waitNs);
            } else if (!loopback) {
                helperYields++;
                Thread.yield(); // a selecting or reading thread sharing this CPU takes the frames first
            }
        }
    }

    /**
     * Whether application threads poll a link engine's device themselves, so that the helper
     * leaves it to them: one polled since the helper's last look, and within
     * {@link #LINK_POLL_MAX_NS} (between two selects of a ping-pong nobody spins, for a
     * microsecond, but every write polls, and every read that finds nothing). A poll beside
     * them would take their frames, and their CPU and lock; a sleep of the helper's on the
     * doorbell would have every transmit of the peer wake it. (The caller also asks that none
     * of ours is parked, {@link #threadParks}: the one that polled may be it.) Caller holds the
     * lock.
     */
    private boolean othersActiveLocked(boolean othersPolled, long nowNs) {
        return !loopback && othersPolled && nowNs - lastPollNs < LINK_POLL_MAX_NS;
    }

    /**
     * A thread is about to block on this link engine's events without spinning or sleeping on
     * its doorbell (a wait point's park, a selector's): the helper polls the device for it
     * again, at least every {@link #LINK_POLL_MAX_NS}, and is woken now if it had planned its
     * next look further off ({@link #LINK_LOOK_WATCHED_NS}, while others watched). On a device
     * without a doorbell the helper's backoff starts again at {@link #LINK_POLL_MIN_NS}, and it
     * is woken unless it looks within that (see the class comment). Pair with
     * {@link #threadUnparked}. Nothing on the loopback engine, whose writers deliver.
     */
    void threadParks() {
        if (!loopback) {
            parkedThreads.incrementAndGet();
            long lookWithinNs = LINK_POLL_MAX_NS;
            if (bell == null) {
                parks.incrementAndGet();
                lookWithinNs = LINK_POLL_MIN_NS;
            }
            if (helperWakeNs - nowNs() > lookWithinNs) {
                wakeHelper();
            }
        }
    }

    /** The thread of {@link #threadParks} runs again. */
    void threadUnparked() {
        if (!loopback) {
            parkedThreads.decrementAndGet();
        }
    }

    /**
     * Takes the lock for a look of the helper's: waits for it when a timer is due or on the
     * loopback engine; on a link engine only tries, since a thread holding it is using the
     * engine, and its write (or empty read) polls the link. Waiting there was a priority
     * inversion on a machine whose CPUs spinning threads fill: the helper's wake-up preempted
     * such a thread, often inside its read or write, then parked on the lock it held, and its
     * unlock had to wake the helper again (two pinned ping-pong JVMs on two CPUs: ~2,300
     * switches to the helpers a second).
     *
     * @return whether the caller holds the lock
     */
    private boolean lockForLook(boolean due) {
        if (due || loopback) {
            lock.lock();
            return true;
        }
        return lock.tryLock();
    }

    /**
     * The JVM is exiting: does for this engine's sockets what the kernel does for an exiting
     * process ({@link ProcessExit}): closes every listener and connection, keeps the stacks
     * going until the peers have acknowledged the data and FINs left behind or {@code lingerNs}
     * has passed, resets what is still owed, and {@link #shutdown shuts down}. Without it an
     * application that writes its last reply and exits would lose the reply's tail (still in
     * our send buffer), and its peer would wait for a FIN that never comes.
     */
    void closeAtExit(long lingerNs) {
        long deadlineNs = nowNs() + lingerNs;
        int undelivered = exitStep(true, false);
        while (undelivered > 0 && nowNs() - deadlineNs < 0) {
            LockSupport.parkNanos(this, EXIT_POLL_NS);
            undelivered = exitStep(false, false);
        }
        if (undelivered > 0) {
            exitStep(false, true);
        }
        shutdown();
    }

    /** One step of {@link #closeAtExit}: close all first, or reset what is left last; then poll. @return connections still owing data or a FIN */
    private int exitStep(boolean closeAll, boolean abortRest) {
        lock.lock();
        try {
            if (closed) {
                return 0;
            }
            long now = nowNs();
            int undelivered = 0;
            for (NetworkStack s : stacks) {
                if (closeAll) {
                    ProcessExit.closeAll(s.tcp(), now);
                } else if (abortRest) {
                    ProcessExit.abortUndelivered(s.tcp(), now);
                }
            }
            pollLocked(now);
            for (NetworkStack s : stacks) {
                undelivered += ProcessExit.undelivered(s.tcp());
            }
            return undelivered;
        } finally {
            unlock();
        }
    }

    /**
     * The helper, holding the doorbell, sleeps on it until the peer transmits, a timer is due, a
     * thread starts spinning here ({@link #spinStarted}) or the engine shuts down; then gives it
     * back and polls. Re-reads {@link #nextPollNs} after taking the bell (see {@link #wakeHelper}).
     */
    private void sleepOnBellAsHelper(long waitNs) {
        try {
            long next = nextPollNs;
            long sleepNs = next == Long.MAX_VALUE ? waitNs : Math.min(waitNs, next - nowNs());
            // Read after taking the bell: a spinner that started before the take is seen here,
            // one that starts after it finds the helper on the bell and wakes it (spinStarted).
            if (sleepNs > 0 && spinners.get() == 0) {
                helperSleeps++;
                bell.sleepAsHelper(sleepNs);
            }
        } finally {
            bell.release();
        }
    }

    /**
     * Stops the helper thread and closes a link engine's device; channels of this engine stop
     * making progress (tests, embedding).
     */
    void shutdown() {
        running = false;
        wakeHelper();
        if (loopback) {
            return;
        }
        try {
            helper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A thread asleep on the doorbell holds the link's memory (its futex word): wake it and let
        // it leave before the link unmaps. The bell refuses new takes once running is false.
        if (bell != null) {
            bell.awaitFree();
        }
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                for (Link l : links) {
                    l.close();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records that an accelerated listener owns {@code port} (one more, with SO_REUSEPORT). */
    void addListenerPort(int port) {
        listenerPorts.merge(port, 1, Integer::sum);
    }

    /** Forgets one listener of {@code port}; the port stays owned while another listens there. */
    void removeListenerPort(int port) {
        listenerPorts.computeIfPresent(port, (p, n) -> n == 1 ? null : n - 1);
    }

    /** @return whether an accelerated listener owns {@code port} */
    boolean ownsPort(int port) {
        return listenerPorts.containsKey(port);
    }

    /** @return frames of the loopback ports' pools in use (held by a stack or in flight); 0 on a link engine */
    int framesInUse() {
        lock.lock();
        try {
            int n = 0;
            for (InMemoryLink p : ports) {
                n += p.transmitFramesInUse() + p.receiveFramesInUse();
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return how many polls by selecting or spinning threads ({@link #tryProgress}) found
     *         frames or timers to handle, as opposed to the helper's and operations' own (for tests)
     */
    long progressPollsWithWork() {
        lock.lock();
        try {
            return progressPollsWithWork;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends who made progress, for the stats line: polls that found work by the helper and
     * by selecting or spinning threads, the helper's yields and sleeps, and blocking waits
     * that parked; what tells whether frames were taken by a spinner at once or waited for
     * the helper (README, Performance).
     */
    void appendProgressStats(StringBuilder b) {
        long spinnerPolls;
        long parks;
        lock.lock();
        try {
            spinnerPolls = progressPollsWithWork;
            parks = waitParks;
        } finally {
            lock.unlock();
        }
        b.append(" ENGINE_HELPER_POLLS_WITH_WORK=").append(helperPollsWithWork)
                .append(" ENGINE_SPINNER_POLLS_WITH_WORK=").append(spinnerPolls)
                .append(" ENGINE_HELPER_YIELDS=").append(helperYields)
                .append(" ENGINE_HELPER_SLEEPS=").append(helperSleeps)
                .append(" ENGINE_WAIT_PARKS=").append(parks)
                .append(" ENGINE_WAIT_BELL_SLEEPS=").append(waitBellSleeps());
    }

    /** @return whether threads with nothing to do sleep on the device's doorbell ({@link Link#canAwaitFrames}; for tests) */
    boolean hasDoorbell() {
        return bell != null;
    }

    /** @return doorbell sleeps of blocked application threads so far (for tests) */
    long waitBellSleeps() {
        return bell == null ? 0 : bell.threadSleeps();
    }

    /** @return the helper's timed sleeps so far, one per look it paced (for tests) */
    long helperSleeps() {
        return helperSleeps;
    }

    /** @return the helper's polls that found work so far (for tests) */
    long helperPollsWithWork() {
        return helperPollsWithWork;
    }

    /** @return the counter summed over this engine's stacks */
    long counter(Counter c) {
        lock.lock();
        try {
            long v = 0;
            for (NetworkStack st : stacks) {
                v += st.counters().get(c);
            }
            return v;
        } finally {
            lock.unlock();
        }
    }

    /** @return the counter of a link engine's device (0 on the loopback engine, whose wire is internal) */
    long linkCounter(LinkCounter c) {
        if (loopback) {
            return 0;
        }
        long v = 0;
        for (Link l : links) {
            v += l.stats().get(c);
        }
        return v;
    }

}
