package io.bypass.provider;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.InMemoryLink;
import io.bypass.stack.tcp.TcpConfig;
import java.lang.foreign.Arena;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-JVM loopback link and its progress engine: two full {@link NetworkStack}s wired
 * back to back, one lock over both (the stack lock of DESIGN.md).
 *
 * <p>Why two stacks: the engine drops packets from and to its own address (RFC 1122
 * section 3.2.1.3), as a NIC-attached stack must, so a stack cannot talk to itself. The
 * "server" stack owns every accelerated listener; the "client" stack owns every
 * accelerated connect. The provider shows the application loopback addresses and
 * translates them to the stacks' own. One lock for both, because a frame sent by one is
 * processed by the other in the same progress step: a write is delivered, acknowledged
 * and signalled before the writer unlocks, which is what makes the loopback fast.
 *
 * <p>Progress: whoever needs it takes the lock, {@link #pollLocked} runs both stacks until
 * they are quiet, and unlocking re-arms the helper thread, which keeps timers (delayed
 * ACKs, retransmission, TIME-WAIT) moving when nobody else polls.
 *
 * <p>Blocking: each channel has its own {@link WaitPoint}s (one per wait reason: a
 * condition of {@link #lock} and an event count) and its stack callbacks signal them. No
 * wakeup is lost because of one invariant: every change that can end a wait (a stack
 * event, a close, a shutdown) happens with the lock held and signals before the lock is
 * released, and a waiter checks its condition with the lock held and then either parks
 * ({@link java.util.concurrent.locks.Condition#await} releases the lock atomically) or, when
 * spinning, reads the wait point's event count before it releases the lock and stops when
 * the count moves. So no polling guard is needed; virtual threads unmount while they wait,
 * since they park through {@code java.util.concurrent}.
 *
 * <p>Spinning ({@code bypass.spin}, as Onload's EF_POLL_USEC): every blocking wait and every
 * select first spins without the lock, watching volatile words only (an event count, the
 * link's pending-frame hint, the next timer), and takes the lock only when there is work,
 * so that two spinning threads do not queue on the lock; a writer's progress step delivers
 * the frame to the peer stack and signals there, so the peer's spinner needs no lock and no
 * unpark to see the data.
 */
final class StackEngine {
    private static final long IDLE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int MAX_ROUNDS = 64;
    /** How long {@link #lock} waits on the CPU for a busy lock before it parks. */
    private static final long LOCK_SPIN_NS = 2_000;
    private static final int FRAMES_PER_PORT = 8192;
    private static final int LOOPBACK_MTU = 1500;

    final ReentrantLock lock = new ReentrantLock();
    final NetworkStack server;
    final NetworkStack client;
    /** The in-JVM loopback wire: frames never leave memory, so checksums are offloaded, as on Linux loopback. */
    private final InMemoryLink[] ports = InMemoryLink.pair(Arena.ofShared(), FRAMES_PER_PORT, LOOPBACK_MTU, true);
    private final InMemoryLink serverPort = ports[0];
    private final InMemoryLink clientPort = ports[1];
    /** Accelerated listeners per port (more than one: an SO_REUSEPORT group). */
    private final ConcurrentHashMap<Integer, Integer> listenerPorts = new ConcurrentHashMap<>();
    private final Thread helper;
    private volatile long helperWakeNs;
    /** The stacks' earliest poll time as of the last unlock (Long.MAX_VALUE: none). */
    private volatile long nextPollNs = Long.MAX_VALUE;
    private volatile boolean running = true;

    StackEngine(BypassConfig config) {
        SecureRandom random = new SecureRandom();
        TcpConfig tcp = TcpConfig.defaults().toBuilder()
                .receiveBufferBytes(config.rcvbufBytes())
                .sendBufferBytes(config.sndbufBytes())
                .isnSecret(random.nextLong(), random.nextLong())
                .portSeed(random.nextLong())
                .build();
        long now = System.nanoTime();
        server = new NetworkStack(StackConfig.builder().mac(config.mac()).ip(config.ip())
                .prefixLength(config.prefix()).tcp(tcp).build(), serverPort, now);
        client = new NetworkStack(StackConfig.builder().mac(config.mac() + 1).ip(config.ip() + 1)
                .prefixLength(config.prefix()).tcp(tcp).build(), clientPort, now);
        helper = Thread.ofPlatform().daemon().name("bypass-progress").unstarted(this::helperLoop);
        helper.start();
    }

    /** @return the current time for the stacks */
    static long nowNs() {
        return System.nanoTime();
    }

    /**
     * Runs both stacks until neither has anything left to do now, including the frames the
     * last poll flushed onto the wire: a frame the server stack sends in its poll arrives
     * at the client's port after the client's poll of the same round, and must be received
     * in this step, not left for the peer thread's next poll. Caller holds the lock.
     */
    void pollLocked(long nowNs) {
        assert lock.isHeldByCurrentThread();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (client.poll(nowNs) + server.poll(nowNs) == 0 && clientPort.pending() == 0
                    && serverPort.pending() == 0) {
                return;
            }
        }
    }

    /**
     * Polls only when there is something to do: a stack has frames to send (a window
     * update after a read), frames wait on the wire, or a timer is due. Caller holds the lock.
     */
    void pollIfDueLocked(long nowNs) {
        if (server.pollAtNs() - nowNs <= 0 || client.pollAtNs() - nowNs <= 0 || clientPort.pending() != 0
                || serverPort.pending() != 0) {
            pollLocked(nowNs);
        }
    }

    /** @return a new wait point on the stack lock, for one channel's wait reason */
    WaitPoint newWaitPoint() {
        return new WaitPoint(lock.newCondition());
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
        try {
            w.parkLocked(timed, deadlineNs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        pollLocked(nowNs());
        return true;
    }

    /**
     * Spins with the lock released until {@code w} has an event, {@code untilNs} passes or the
     * thread is interrupted. Reads only volatile words while there is nothing to do; takes
     * the lock (by {@link #tryProgress}) only when frames wait on the wire or a timer is due.
     */
    private void spinUnlocked(WaitPoint w, long untilNs) {
        assert lock.getHoldCount() == 1 : "a spinning waiter must release the stack lock";
        // Read before unlocking: an event signalled after this read moves the count.
        int seen = w.events();
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
                w.spinPause.pause(spins);
            }
        } finally {
            lock();
        }
    }

    /**
     * Takes the lock; pair with {@link #unlock}. A thread that finds it held waits on the CPU
     * for a while before it parks: the holder is almost always in a progress step of well
     * under a microsecond (a peer's write delivering to us), and parking would cost us a
     * wake-up and the holder an unpark, the convoy two spinning threads otherwise form.
     */
    void lock() {
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
        long next = Math.min(server.pollAtNs(), client.pollAtNs());
        nextPollNs = next;
        lock.unlock();
        if (next != Long.MAX_VALUE && next - helperWakeNs < 0) {
            LockSupport.unpark(helper);
        }
    }

    /**
     * Polls if there is work (frames on the wire, a timer due as of {@code nowNs}) and nobody else is polling; a
     * thread that fails to take the lock relies on the holder. The check reads no stack
     * state, so an idle select costs the same however many sockets the stacks hold.
     */
    void tryProgress(long nowNs) {
        if (hasWork(nowNs) && lock.tryLock()) {
            try {
                pollLocked(nowNs);
            } finally {
                unlock();
            }
        }
    }

    /**
     * @return whether frames wait on the wire or a timer is due; reads volatile words only,
     *         so any thread may ask without the lock (a hint: the answer may be stale)
     */
    boolean hasWork(long nowNs) {
        return serverPort.pending() != 0 || clientPort.pending() != 0 || nextPollNs - nowNs <= 0;
    }

    private void helperLoop() {
        while (running) {
            long now;
            long next;
            lock.lock();
            try {
                now = nowNs();
                pollLocked(now);
                next = Math.min(server.pollAtNs(), client.pollAtNs());
                nextPollNs = next;
            } finally {
                lock.unlock();
            }
            long waitNs = next == Long.MAX_VALUE ? IDLE_NS : Math.max(0, Math.min(IDLE_NS, next - now));
            helperWakeNs = now + waitNs;
            if (waitNs > 0) {
                LockSupport.parkNanos(this, waitNs);
            }
        }
    }

    /** Stops the helper thread (tests). */
    void shutdown() {
        running = false;
        LockSupport.unpark(helper);
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

    /** @return frames of both ports' pools in use (held by a stack or in flight) */
    int framesInUse() {
        lock.lock();
        try {
            return serverPort.transmitFramesInUse() + serverPort.receiveFramesInUse()
                    + clientPort.transmitFramesInUse() + clientPort.receiveFramesInUse();
        } finally {
            lock.unlock();
        }
    }

    /** @return the counter summed over both stacks */
    long counter(Counter c) {
        lock.lock();
        try {
            return server.counters().get(c) + client.counters().get(c);
        } finally {
            lock.unlock();
        }
    }
}
