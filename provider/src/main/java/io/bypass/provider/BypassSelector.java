package io.bypass.provider;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The epoll equivalent: stack sockets queue their keys on a readiness list when they
 * report an event, so a select looks at the keys that may be ready and nothing else
 * (O(ready keys)). Level-triggered: a key found ready is kept by the selecting thread and
 * checked again by the next select, which drops it once its condition no longer holds;
 * edge-triggered keys ({@link BypassKeys}) are not kept.
 * Kernel-side channels (kernel-fallback channels, and raw JDK channels such as pipes)
 * live in an inner JDK selector that is polled with the list and blocked in when it
 * holds any key, so that either side can wake the other.
 *
 * <p>Locks, as in {@code sun.nio.ch.SelectorImpl}: a select holds this selector, then
 * the selected-key set; {@link #readyLock} guards the readiness list and is taken from
 * stack callbacks, so nothing is called while holding it.
 */
final class BypassSelector extends AbstractSelector {
    private static final int RUNNING = 0;
    private static final int PARKED = 1;
    private static final int IN_INNER = 2;
    /** Blocked asleep on a link engine's doorbell ({@link #sleepingOn}). */
    private static final int IN_BELL = 3;

    private final BypassSelectorProvider bypass;
    private final Selector inner;
    private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    private final UngrowableSet<SelectionKey> selectedKeys = new UngrowableSet<>();
    private final AtomicInteger innerKeyCount = new AtomicInteger();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Object readyLock = new Object();
    /** Keys that may be ready; guarded by readyLock. */
    private ArrayList<BypassSelectionKey> ready = new ArrayList<>();
    /** How the selecting thread pauses while it spins; confined to selecting threads. */
    private final SpinPause spinPause = new SpinPause();
    /**
     * When the current select stops spinning and blocks: {@code bypass.spin} after its start or
     * after its last poll that found work, whichever is later ({@link #progressed}); confined to
     * selecting threads.
     */
    private long spinUntilNs;
    /** Whether {@link #ready} is non-empty; written under readyLock, read by a spinning select without it. */
    private volatile boolean readyPending;
    /** The readiness list being looked at by the selecting thread; confined to selecting threads. */
    private ArrayList<BypassSelectionKey> scratch = new ArrayList<>();
    /**
     * Level-triggered keys the last select found ready, looked at again by the next one
     * whether or not their sockets report anything meanwhile; confined to selecting threads,
     * so keeping a key costs no lock.
     */
    private final ArrayList<BypassSelectionKey> recheck = new ArrayList<>();
    /** Counts collects; a key looked at in this one carries its number ({@link BypassSelectionKey#lookedAt}). */
    private long collectRound;
    private final ArrayList<BypassSelectionKey> found = new ArrayList<>();
    private int[] foundOps = new int[16];
    private volatile int blockState = RUNNING;
    private volatile Thread selecting;
    /** The doorbell the selecting thread sleeps on while {@link #blockState} is IN_BELL. */
    private volatile LinkBell sleepingOn;
    private boolean inAction;
    /** Selects that blocked so far; written by selecting threads only (under this selector's monitor). */
    private volatile long blocks;
    /** The thread this selector pinned to {@code bypass.pin} (tried once per thread); confined to selecting threads. */
    private Thread pinned;

    BypassSelector(BypassSelectorProvider provider, SelectorProvider jdk) throws IOException {
        super(provider);
        this.bypass = provider;
        this.inner = jdk.openSelector();
    }

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        BypassSelectionKey k = new BypassSelectionKey(this, ch, ops);
        k.attach(att);
        keys.add(k);
        try {
            if (ch instanceof BypassSelectable b) {
                SelectableChannel kernel = b.kernelChannel();
                b.addKey(k);
                if (kernel != null) {
                    k.attachKernel(kernel);
                } else {
                    markReady(k, false);
                }
            } else if (ch.provider() == bypass.jdk()) {
                // A raw JDK channel (a pipe, a datagram channel): the inner selector selects it.
                k.attachKernel(ch);
            } else {
                throw new IllegalSelectorException();
            }
        } catch (ClosedChannelException e) {
            keys.remove(k);
            k.cancel();
        }
        return k;
    }

    SelectionKey registerInner(SelectableChannel kernel, int ops, BypassSelectionKey outer)
            throws ClosedChannelException {
        SelectionKey k = kernel.register(inner, ops, outer);
        innerKeyCount.incrementAndGet();
        wakeBlocked();
        return k;
    }

    /**
     * Queues a key whose socket reported an event (or whose interest changed). Called under
     * the stack lock by stack callbacks: records and wakes, nothing more.
     */
    void markReady(BypassSelectionKey k, boolean wake) {
        synchronized (readyLock) {
            if (!k.queued) {
                k.queued = true;
                ready.add(k);
                readyPending = true;
            }
        }
        if (wake) {
            wakeBlocked();
        }
    }

    /**
     * A socket reported {@code events} (SocketEvents bits, as SelectionKey operations in
     * {@code ops}; all operations for a close or failure). A level-triggered key is queued for
     * any event, since its readiness is re-checked anyway; an edge-triggered key only for an
     * edge of one of its interest operations, so that another operation's event is no edge.
     * Called under the stack lock.
     */
    void markEvent(BypassSelectionKey k, int ops) {
        if (!k.edgeTriggered() || (ops & k.rawInterestOps()) != 0) {
            markReady(k, true);
        }
    }

    private void wakeBlocked() {
        int s = blockState;
        if (s == PARKED) {
            LockSupport.unpark(selecting);
        } else if (s == IN_INNER) {
            inner.wakeup();
        } else if (s == IN_BELL) {
            sleepingOn.wakeSleeper();
        }
    }

    private boolean readyListEmpty() {
        return !readyPending;
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return selectedKeys;
    }

    private void ensureOpen() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    @Override
    public int selectNow() throws IOException {
        return lockAndDoSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndDoSelect(null, timeout == 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(timeout));
    }

    @Override
    public int select() throws IOException {
        return lockAndDoSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndDoSelect(java.util.Objects.requireNonNull(action),
                timeout == 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(timeout));
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        return lockAndDoSelect(java.util.Objects.requireNonNull(action), -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        return lockAndDoSelect(java.util.Objects.requireNonNull(action), 0);
    }

    private int lockAndDoSelect(Consumer<SelectionKey> action, long timeoutNs) throws IOException {
        synchronized (this) {
            ensureOpen();
            if (inAction) {
                throw new IllegalStateException("select(Consumer) called from its own action");
            }
            synchronized (selectedKeys) {
                return doSelect(action, timeoutNs);
            }
        }
    }

    /** @param timeoutNs 0: do not block; negative: block until something happens */
    private int doSelect(Consumer<SelectionKey> action, long timeoutNs) throws IOException {
        processCancelled();
        boolean blocking = timeoutNs != 0;
        long startNs = System.nanoTime();
        spinUntilNs = startNs + bypass.config().spinNs();
        if (blocking) {
            begin();
        }
        // The engines this select spins on: counted as spinners there while it does, so that
        // their helpers leave the link's frames to it (StackEngine#spinStarted).
        StackEngine[] spunOn = null;
        try {
            int spins = 0;
            boolean first = true;
            for (;;) {
                // A spin that saw keys queued has just run the engines itself: collect them now.
                if (spins == 0 || !readyPending) {
                    // The select's first round runs at its start time: one clock read, not two.
                    long progressNs = first ? startNs : System.nanoTime();
                    first = false;
                    boolean progressed = false;
                    for (StackEngine engine : bypass.engines()) {
                        progressed |= engine.tryProgress(progressNs);
                    }
                    if (progressed) {
                        progressed();
                    }
                }
                int updated = collect(action);
                // Read before the exchange: a locked instruction costs more than the rare wakeup.
                boolean woken = wakeupPending.get() && wakeupPending.getAndSet(false);
                if (updated >= 0 || woken || !blocking || Thread.currentThread().isInterrupted()) {
                    processCancelled();
                    return Math.max(updated, 0);
                }
                long now = System.nanoTime();
                long remainingNs = timeoutNs < 0 ? Long.MAX_VALUE : startNs + timeoutNs - now;
                if (remainingNs <= 0) {
                    processCancelled();
                    return 0;
                }
                if (now - spinUntilNs < 0) {
                    if (spunOn == null) {
                        spunOn = spinStarted();
                    }
                    pinOnce();
                    spins = spinUntilReady(remainingNs < spinUntilNs - now ? now + remainingNs : spinUntilNs, spins);
                    continue;
                }
                if (spunOn != null) {
                    spinEnded(spunOn);
                    spunOn = null;
                }
                block(remainingNs);
            }
        } finally {
            if (spunOn != null) {
                spinEnded(spunOn);
            }
            if (blocking) {
                end();
            }
        }
    }

    private StackEngine[] spinStarted() {
        StackEngine[] es = bypass.engines();
        for (StackEngine e : es) {
            e.spinStarted();
        }
        return es;
    }

    private static void spinEnded(StackEngine[] es) {
        for (StackEngine e : es) {
            e.spinEnded();
        }
    }

    /**
     * The cheap part of a spinning select: watches volatile words only (the readiness list's
     * flag, a pending wakeup, the interrupt status, each engine's work hint) until one of them
     * says a full round of {@link #doSelect} has something to find, a poll found work (the spin
     * then goes on from now, {@link #progressed}), or {@code untilNs} passes.
     * An engine's stack lock is taken only to drive its stacks when they have work (frames on
     * a link, a due timer): a peer's write in the same JVM leaves its frames on the loopback
     * wire for a spinning thread to take (StackEngine#pollAfterWriteLocked), and a device
     * link's frames are delivered by nobody unless polled, so a link engine whose device cannot tell whether frames wait is polled
     * at every turn ({@link StackEngine#hasWork}). With kernel-side keys the inner selector
     * must be polled, so it returns after one pause.
     *
     * @param spins pauses of this select so far
     * @return pauses of this select after this call
     */
    private int spinUntilReady(long untilNs, int spins) {
        Thread self = Thread.currentThread();
        for (;;) {
            spinPause.pause(spins++);
            if (readyPending) {
                spinPause.ended();
                return spins;
            }
            if (wakeupPending.get() || self.isInterrupted() || innerKeyCount.get() > 0) {
                return spins;
            }
            long nowNs = System.nanoTime();
            if (nowNs - untilNs >= 0) {
                return spins;
            }
            // Read each turn: an engine that starts during the spin joins at once (the array is
            // replaced, never changed, so this reads no lock and allocates nothing).
            boolean progressed = false;
            for (StackEngine engine : bypass.engines()) {
                progressed |= engine.tryProgress(nowNs);
            }
            // A poll that delivered frames has queued their keys: return now, not after another pause.
            if (readyPending) {
                spinPause.ended();
                return spins;
            }
            if (progressed) {
                // The spin goes on from now ({@link #progressed}); doSelect bounds it by the timeout.
                progressed();
                return spins;
            }
        }
    }

    /**
     * A poll of this select found work (frames, timers) but may have made no key ready: a SYN
     * answered, the ACK of a FIN, a window update. The exchange it belongs to goes on (the next
     * step of a handshake or close comes within a round trip), so the select spins for another
     * {@code bypass.spin} from now rather than block: {@code bypass.spin} is how long a select
     * spins with nothing to do, as Onload's EF_POLL_USEC, not how long a select may spin in all.
     * Spinning only from the select's start, a server's select that slept on the doorbell until
     * a SYN came, answered it and found no key ready went straight back to sleep, and the
     * handshake's ACK then cost a second wake-up: one per connection step, each a scheduler's
     * wake-up latency on a loaded machine (README, Performance). From the end of the poll, not
     * its start: a poll that was preempted would otherwise have used up the spin it grants.
     * No wake-up is at stake: a longer spin only postpones the block, which announces itself
     * (PARKED, IN_BELL) before it looks at the ready list, as before.
     */
    private void progressed() {
        long untilNs = System.nanoTime() + bypass.config().spinNs();
        if (untilNs - spinUntilNs > 0) {
            spinUntilNs = untilNs;
        }
    }

    /** Under the latency profile the spinning thread may be pinned (bypass.pin); tried once per thread. */
    private void pinOnce() {
        java.util.List<Integer> cpus = bypass.config().pinCpus();
        Thread t = Thread.currentThread();
        if (!cpus.isEmpty() && pinned != t) {
            pinned = t;
            CpuPinning.pinCurrentThread(bypass.nextPinCpu());
        }
    }

    /** @return how often a select of this selector blocked (parked or waited in the inner selector), for tests */
    long blocks() {
        return blocks;
    }

    private void block(long remainingNs) throws IOException {
        blocks++;
        if (innerKeyCount.get() > 0) {
            blockState = IN_INNER;
            StackEngine[] parkedOn = threadParks();
            try {
                if (readyListEmpty() && !wakeupPending.get()) {
                    long ms = remainingNs == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNs + 999_999));
                    inner.select(ms);
                }
            } finally {
                threadUnparked(parkedOn);
                blockState = RUNNING;
            }
        } else if (!blockOnBell(remainingNs)) {
            selecting = Thread.currentThread();
            blockState = PARKED;
            StackEngine[] parkedOn = threadParks();
            try {
                if (readyListEmpty() && !wakeupPending.get()) {
                    if (remainingNs == Long.MAX_VALUE) {
                        LockSupport.park(this);
                    } else {
                        LockSupport.parkNanos(this, remainingNs);
                    }
                }
            } finally {
                threadUnparked(parkedOn);
                blockState = RUNNING;
            }
        }
    }

    /** This select blocks without watching any link: each engine's helper polls for it meanwhile ({@link StackEngine#threadParks}). */
    private StackEngine[] threadParks() {
        StackEngine[] es = bypass.engines();
        for (StackEngine e : es) {
            e.threadParks();
        }
        return es;
    }

    private static void threadUnparked(StackEngine[] es) {
        for (StackEngine e : es) {
            e.threadUnparked();
        }
    }

    /**
     * Blocks asleep on a link engine's doorbell when one is free: frames from the other process
     * then wake this thread, which polls the engine in its next round, instead of the engine's
     * helper, which would poll and then unpark this thread (one wake-up per frame, not two).
     * Events from this process (a key queued, a wakeup, an interrupt) ring the doorbell through
     * {@link #wakeBlocked}: IN_BELL is stored before the ready list is looked at, as PARKED is.
     *
     * @return false when no engine's doorbell was free (the caller parks)
     */
    private boolean blockOnBell(long remainingNs) {
        for (StackEngine engine : bypass.engines()) {
            LinkBell bell = engine.bell();
            if (bell != null && bell.takeForThread()) {
                sleepingOn = bell;
                blockState = IN_BELL;
                try {
                    if (readyListEmpty() && !wakeupPending.get()) {
                        try {
                            bell.sleepAsThread(remainingNs);
                        } finally {
                            bell.releaseByThread();
                        }
                    } else {
                        bell.release();
                    }
                } finally {
                    blockState = RUNNING;
                }
                return true;
            }
        }
        return false;
    }

    /**
     * Looks at the keys that may be ready and hands the ready ones over.
     *
     * @return keys updated, or -1 when no key was ready at all (a ready key already in the
     *         selected set with nothing new counts as ready with 0 updated, as in the JDK)
     */
    private int collect(Consumer<SelectionKey> action) throws IOException {
        if (readyPending) {
            synchronized (readyLock) {
                ArrayList<BypassSelectionKey> t = ready;
                ready = scratch;
                scratch = t;
                readyPending = false;
                for (int i = 0; i < scratch.size(); i++) {
                    scratch.get(i).queued = false;
                }
            }
        }
        collectRound++;
        int n = lookAt(scratch, 0);
        n = lookAt(recheck, n);
        scratch.clear();
        recheck.clear();
        int updated = -1;
        for (int i = 0; i < n; i++) {
            BypassSelectionKey k = found.get(i);
            // Level-triggered: look again at the next select; edge-triggered: wait for the next edge.
            if (!k.edgeTriggered()) {
                recheck.add(k);
            }
            updated = Math.max(updated, 0) + report(k, foundOps[i], action);
        }
        found.clear();
        if (innerKeyCount.get() > 0) {
            inner.selectNow();
            Set<SelectionKey> innerSelected = inner.selectedKeys();
            for (SelectionKey ik : innerSelected) {
                if (!ik.isValid()) {
                    continue;
                }
                BypassSelectionKey k = (BypassSelectionKey) ik.attachment();
                int ops = ik.readyOps() & k.rawInterestOps();
                if (ops != 0 && k.isValid()) {
                    updated = Math.max(updated, 0) + report(k, ops, action);
                }
            }
            innerSelected.clear();
        }
        return updated;
    }

    /**
     * Adds the keys of {@code keys} whose socket is ready for one of their interest operations
     * to {@link #found}, each key once per collect.
     *
     * @param n keys found so far
     * @return keys found now
     */
    private int lookAt(ArrayList<BypassSelectionKey> keys, int n) {
        // The channels' readiness snapshots need no stack lock: a select does not queue behind
        // a peer's progress step, and takes no lock the peer then waits for.
        for (int i = 0; i < keys.size(); i++) {
            BypassSelectionKey k = keys.get(i);
            if (k.lookedAt == collectRound || !k.isValid() || !(k.channel() instanceof BypassSelectable b)
                    || b.engine() == null) {
                continue;
            }
            k.lookedAt = collectRound;
            int ops = b.stackReadyOps() & k.rawInterestOps();
            if (ops != 0) {
                if (n == foundOps.length) {
                    foundOps = java.util.Arrays.copyOf(foundOps, n * 2);
                }
                found.add(k);
                foundOps[n++] = ops;
            }
        }
        return n;
    }

    private int report(BypassSelectionKey k, int ops, Consumer<SelectionKey> action) {
        if (action != null) {
            k.readyOps(ops);
            inAction = true;
            try {
                action.accept(k);
            } finally {
                inAction = false;
            }
            return 1;
        }
        if (selectedKeys.contains(k)) {
            int old = k.rawReadyOps();
            if ((old | ops) != old) {
                k.readyOps(old | ops);
                return 1;
            }
            return 0;
        }
        k.readyOps(ops);
        selectedKeys.addInternal(k);
        return 1;
    }

    private void processCancelled() {
        Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled) {
            if (cancelled.isEmpty()) {
                return;
            }
            for (SelectionKey sk : cancelled) {
                BypassSelectionKey k = (BypassSelectionKey) sk;
                keys.remove(k);
                selectedKeys.remove(k);
                SelectionKey ik = k.innerKey();
                if (ik != null) {
                    ik.cancel();
                    innerKeyCount.decrementAndGet();
                }
                if (k.channel() instanceof BypassSelectable b) {
                    b.removeKey(k);
                }
                deregister(k);
            }
            cancelled.clear();
        }
    }

    @Override
    public Selector wakeup() {
        if (wakeupPending.compareAndSet(false, true)) {
            wakeBlocked();
        }
        return this;
    }

    @Override
    protected void implCloseSelector() throws IOException {
        wakeup();
        synchronized (this) {
            synchronized (selectedKeys) {
                for (SelectionKey k : keys) {
                    k.cancel();
                }
                processCancelled();
                inner.close();
            }
        }
    }
}
