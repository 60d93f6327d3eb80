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
import java.util.concurrent.locks.Condition;
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
 * <p>Blocking: each channel has its own conditions of {@link #lock} (one per wait reason)
 * and its stack callbacks signal them. No wakeup is lost because of one invariant: every
 * change that can end a wait (a stack event, a close, a shutdown) happens with the lock
 * held and signals before the lock is released, and a waiter checks its condition and
 * starts waiting with the lock held ({@link java.util.concurrent.locks.Condition#await}
 * releases it atomically). So no polling guard is needed; virtual threads unmount while
 * they wait, since they park through {@code java.util.concurrent}.
 */
final class StackEngine {
    private static final long IDLE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int MAX_ROUNDS = 64;
    private static final int FRAMES_PER_PORT = 8192;
    private static final int LOOPBACK_MTU = 1500;

    final ReentrantLock lock = new ReentrantLock();
    final NetworkStack server;
    final NetworkStack client;
    /** The in-JVM loopback wire: frames never leave memory, so checksums are offloaded, as on Linux loopback. */
    private final InMemoryLink[] ports = InMemoryLink.pair(Arena.ofShared(), FRAMES_PER_PORT, LOOPBACK_MTU, true);
    private final InMemoryLink serverPort = ports[0];
    private final InMemoryLink clientPort = ports[1];
    private final ConcurrentHashMap<Integer, Boolean> listenerPorts = new ConcurrentHashMap<>();
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

    /** Runs both stacks until neither has anything left to do now. Caller holds the lock. */
    void pollLocked(long nowNs) {
        assert lock.isHeldByCurrentThread();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (client.poll(nowNs) + server.poll(nowNs) == 0) {
                return;
            }
        }
    }

    /** @return a new condition of the stack lock, for one channel's wait reason */
    Condition newCondition() {
        return lock.newCondition();
    }

    /**
     * Waits on {@code c} until it is signalled or, when {@code timed}, the deadline passes,
     * then polls. Caller holds the lock and re-checks its condition afterwards.
     *
     * @return false when the thread was interrupted (its status is kept)
     */
    boolean awaitLocked(Condition c, boolean timed, long deadlineNs) {
        try {
            if (!timed) {
                c.await();
            } else {
                long remainingNs = deadlineNs - nowNs();
                if (remainingNs > 0) {
                    c.awaitNanos(remainingNs);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        pollLocked(nowNs());
        return true;
    }

    /** Takes the lock; pair with {@link #unlock}. */
    void lock() {
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
     * Polls if there is work (frames on the wire, a timer due) and nobody else is polling; a
     * thread that fails to take the lock relies on the holder. The check reads no stack
     * state, so an idle select costs the same however many sockets the stacks hold.
     */
    void tryProgress() {
        if (serverPort.pending() == 0 && clientPort.pending() == 0 && nextPollNs - nowNs() > 0) {
            return;
        }
        if (lock.tryLock()) {
            try {
                pollLocked(nowNs());
            } finally {
                unlock();
            }
        }
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

    /** Records that an accelerated listener owns {@code port}. */
    void addListenerPort(int port) {
        listenerPorts.put(port, Boolean.TRUE);
    }

    /** Forgets {@code port}. */
    void removeListenerPort(int port) {
        listenerPorts.remove(port);
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
