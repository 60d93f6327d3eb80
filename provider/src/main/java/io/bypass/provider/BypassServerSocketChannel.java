package io.bypass.provider;

import io.bypass.stack.SocketEvents;
import io.bypass.stack.SocketListener;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpException;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.wire.Ipv4Address;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Our {@link ServerSocketChannel}: at {@code bind} the rules decide between a stack
 * listener (the accelerated path) and a JDK channel (the kernel fallback, to which every
 * call is then forwarded). A stack listener also holds a bound, non-listening kernel
 * socket on its port: that reserves the port number, so that another process cannot
 * take it and {@code bind(...:0)} gets a port the kernel considers free.
 *
 * <p>{@code SO_REUSEPORT} set before bind makes the stack listener a member of a group on
 * its port, as on Linux: several listeners in this JVM bind the same port, and each new
 * connection goes to one of them by a hash of its 4-tuple. {@code SO_REUSEADDR} is
 * recorded (the reservation's bind is the kernel's, where it matters for TIME-WAIT ports).
 *
 * <p>A wildcard bind with an external link listens on two engines, the loopback engine
 * (first: its key's engine, and its lock is taken first where both are held) and the link
 * engine; accept takes from either. A blocking accept then cannot wait on one engine's
 * wait point, so it waits on {@link #acceptWaitLock}'s condition: every listener event of
 * either engine, and close, bump {@link #acceptEvents} under that lock, and the waiter
 * re-checks both listeners whenever the count moved since it last looked, so no event is
 * lost. Before it parks it spins for {@code bypass.spin}, watching that count and driving
 * both engines (the link engine's device is polled, not interrupt driven).
 *
 * <p>Selectors read the listeners' readiness from {@link #acceptableListeners}, a snapshot
 * taken under each engine's lock at every listener event and accept, so a select takes no
 * stack lock.
 */
final class BypassServerSocketChannel extends ServerSocketChannel implements BypassSelectable {
    private final BypassSelectorProvider bypass;
    private final Object stateLock = new Object();
    private final Object keysLock = new Object();
    private final Options options;
    private volatile BypassSelectionKey[] keys = new BypassSelectionKey[0];
    private volatile ServerSocketChannel kernel;
    /** The first of {@link #engines}: the engine the selector locks for this channel's key. */
    private volatile StackEngine engine;
    /** The first of {@link #listeners}. */
    private volatile TcpListener listener;
    /** The engines listened on, loopback first; set once at bind. */
    private volatile StackEngine[] engines;
    /** One listener per engine, same order. */
    private volatile TcpListener[] listeners;
    /** One wait point per engine, of that engine's lock, signalled by its listener's events and by close. */
    private volatile WaitPoint[] acceptables;
    /**
     * Bit i set: listener i had a connection to accept as of its last event or accept. Each
     * bit is written under its own engine's lock, so bits of different engines change
     * concurrently (hence atomic updates); selectors read it without any lock.
     */
    private final AtomicInteger acceptableListeners = new AtomicInteger();
    private volatile SocketChannel reservation;
    /** The lock a blocking accept over several engines waits with; see the class comment. */
    private final ReentrantLock acceptWaitLock = new ReentrantLock();
    private final Condition acceptEvent = acceptWaitLock.newCondition();
    /** Listener events and closes so far; written under acceptWaitLock, read by a spinning accept without it. */
    private volatile int acceptEvents;
    /** How a blocking accept over several engines pauses while it spins; confined to that accept's thread. */
    private final SpinPause acceptSpinPause = new SpinPause();
    private volatile ServerSocket adaptor;
    private volatile InetSocketAddress localAddress;

    BypassServerSocketChannel(BypassSelectorProvider provider) {
        super(provider);
        this.bypass = provider;
        this.options = new Options(Options.SERVER, Map.of(StandardSocketOptions.SO_RCVBUF,
                provider.config().rcvbufBytes(), StandardSocketOptions.SO_REUSEADDR, true,
                StandardSocketOptions.SO_REUSEPORT, false));
    }

    @Override
    public SelectableChannel kernelChannel() {
        return kernel;
    }

    @Override
    public StackEngine engine() {
        return engine;
    }

    @Override
    public int stackReadyOps() {
        return acceptableListeners.get() != 0 ? SelectionKey.OP_ACCEPT : 0;
    }

    /** Records listener {@code i}'s readiness for selectors; caller holds engine {@code i}'s lock. */
    private void snapshotLocked(int i, TcpListener l) {
        int bit = 1 << i;
        boolean ready = (l.readyOps() & SocketEvents.ACCEPTABLE) != 0;
        for (;;) {
            int was = acceptableListeners.get();
            int now = ready ? was | bit : was & ~bit;
            if (was == now || acceptableListeners.compareAndSet(was, now)) {
                return;
            }
        }
    }

    @Override
    public void addKey(BypassSelectionKey key) {
        synchronized (keysLock) {
            BypassSelectionKey[] k = java.util.Arrays.copyOf(keys, keys.length + 1);
            k[k.length - 1] = key;
            keys = k;
        }
    }

    @Override
    public void removeKey(BypassSelectionKey key) {
        synchronized (keysLock) {
            keys = java.util.Arrays.stream(keys).filter(k -> k != key).toArray(BypassSelectionKey[]::new);
        }
    }

    /** Stack callback of engine {@code i}'s listener {@code l}, under that engine's lock. */
    private void onStackEvents(int i, TcpListener l) {
        // Before the keys are queued: a selector that finds them queued sees this snapshot.
        snapshotLocked(i, l);
        acceptables[i].signalLocked();
        if (acceptables.length > 1) {
            bumpAcceptEvents();
        }
        for (BypassSelectionKey k : keys) {
            ((BypassSelector) k.selector()).markEvent(k, SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        ensureOpen();
        InetSocketAddress isa;
        if (local == null) {
            isa = new InetSocketAddress(0);
        } else if (local instanceof InetSocketAddress a) {
            if (a.isUnresolved()) {
                throw new java.nio.channels.UnresolvedAddressException();
            }
            isa = a;
        } else {
            throw new java.nio.channels.UnsupportedAddressTypeException();
        }
        synchronized (stateLock) {
            if (localAddress != null) {
                throw new AlreadyBoundException();
            }
            StackEngine[] chosen = bypass.bindEngines(isa);
            if (chosen.length > 0) {
                bindStack(isa, backlog, chosen);
            } else {
                ServerSocketChannel k = bypass.jdk().openServerSocketChannel();
                options.replay(k);
                synchronized (blockingLock()) {
                    k.configureBlocking(isBlocking());
                    kernel = k;
                }
                k.bind(isa, backlog);
                localAddress = (InetSocketAddress) k.getLocalAddress();
                for (BypassSelectionKey key : keys) {
                    key.attachKernel(k);
                }
            }
        }
        return this;
    }

    private void bindStack(InetSocketAddress isa, int backlog, StackEngine[] chosen) throws IOException {
        boolean reusePort = options.get(StandardSocketOptions.SO_REUSEPORT);
        SocketChannel reserve = bypass.jdk().openSocketChannel();
        try {
            // SO_REUSEPORT on the reservation too: the kernel then lets every member of the
            // group reserve the port (and still refuses anyone who did not opt in).
            if (reusePort) {
                reserve.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            reserve.bind(bypass.kernelReservation(isa));
        } catch (IOException e) {
            reserve.close();
            throw e;
        }
        int port = ((InetSocketAddress) reserve.getLocalAddress()).getPort();
        TcpListener[] ls = new TcpListener[chosen.length];
        WaitPoint[] waitPoints = new WaitPoint[chosen.length];
        // Set before any listener can fire: its callback signals these.
        acceptables = waitPoints;
        for (int i = 0; i < chosen.length; i++) {
            StackEngine e = chosen[i];
            e.lock();
            try {
                TcpListener l = e.server.tcp().listen(Ipv4Address.ANY, port, backlog, reusePort);
                // As on Linux, accepted sockets inherit the listener's SO_RCVBUF (and with it the
                // window scale their SYN-ACK offers).
                int receiveBufferBytes = options.stackBufferBytes(StandardSocketOptions.SO_RCVBUF);
                if (receiveBufferBytes > 0) {
                    l.receiveBufferBytes(receiveBufferBytes);
                }
                waitPoints[i] = e.newWaitPoint();
                int index = i;
                l.listener(ev -> onStackEvents(index, l));
                ls[i] = l;
                snapshotLocked(i, l);
            } catch (TcpException ex) {
                e.unlock();
                closeListeners(chosen, ls);
                reserve.close();
                throw Errors.of(ex);
            }
            e.unlock();
            e.addListenerPort(port);
        }
        engines = chosen;
        listeners = ls;
        engine = chosen[0];
        listener = ls[0];
        reservation = reserve;
        localAddress = new InetSocketAddress(isa.getAddress(), port);
        for (BypassSelectionKey k : keys) {
            ((BypassSelector) k.selector()).markReady(k, true);
        }
    }

    /** Closes the listeners made so far (a failed bind, or close), each under its engine's lock. */
    private void closeListeners(StackEngine[] es, TcpListener[] ls) {
        for (int i = 0; i < es.length; i++) {
            TcpListener l = ls[i];
            if (l == null) {
                continue;
            }
            StackEngine e = es[i];
            e.removeListenerPort(l.localPort());
            e.lock();
            try {
                long now = StackEngine.nowNs();
                l.listener(SocketListener.NONE);
                l.close(now);
                e.pollLocked(now);
                snapshotLocked(i, l);
                acceptables[i].signalLocked();
            } finally {
                e.unlock();
            }
        }
    }

    private void bumpAcceptEvents() {
        acceptWaitLock.lock();
        try {
            acceptEvents++;
            acceptEvent.signalAll();
        } finally {
            acceptWaitLock.unlock();
        }
    }

    @Override
    public SocketChannel accept() throws IOException {
        return accept(false, 0);
    }

    /**
     * The adaptor's accept: blocking, with a timeout.
     *
     * @throws java.net.SocketTimeoutException when the timeout passes first
     */
    SocketChannel blockingAccept(long timeoutNs) throws IOException {
        if (!isBlocking()) {
            throw new java.nio.channels.IllegalBlockingModeException();
        }
        ServerSocketChannel k = kernel;
        if (k != null) {
            // The kernel channel's own adaptor implements the timed accept.
            k.socket().setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNs)));
            return new BypassSocketChannel(bypass, k.socket().accept().getChannel());
        }
        SocketChannel c = accept(true, StackEngine.nowNs() + timeoutNs);
        if (c == null) {
            throw new java.net.SocketTimeoutException("Accept timed out");
        }
        return c;
    }

    private SocketChannel accept(boolean timed, long deadlineNs) throws IOException {
        ensureOpen();
        if (localAddress == null) {
            throw new NotYetBoundException();
        }
        ServerSocketChannel k = kernel;
        if (k != null) {
            try {
                SocketChannel c = k.accept();
                return c == null ? null : new BypassSocketChannel(bypass, c);
            } catch (ClosedByInterruptException ex) {
                close();
                throw ex;
            }
        }
        if (engines.length > 1) {
            return acceptAny(timed, deadlineNs);
        }
        boolean blocking = isBlocking();
        TcpConnection c = null;
        SocketChannel accepted = null;
        boolean completed = false;
        StackEngine e = engine;
        TcpListener l = listener;
        WaitPoint acceptable = acceptables[0];
        long spinUntilNs = StackEngine.nowNs() + bypass.config().spinNs();
        try {
            begin();
            e.lock();
            try {
                e.pollLocked(StackEngine.nowNs());
                while (isOpen()) {
                    c = l.accept();
                    if (c != null || !blocking || timed && deadlineNs - StackEngine.nowNs() <= 0
                            || !e.awaitLocked(acceptable, timed, deadlineNs, spinUntilNs)) {
                        break;
                    }
                }
                if (c != null) {
                    // Under the lock, so that the new channel hears every event of its connection.
                    accepted = accepted(e, c);
                }
                snapshotLocked(0, l);
            } finally {
                e.unlock();
            }
            completed = c != null || !blocking || timed && isOpen() && !Thread.currentThread().isInterrupted();
        } finally {
            end(completed);
        }
        return accepted;
    }

    /**
     * Accept over several engines: takes from whichever listener has a connection, and when
     * blocking waits for an event of any (see the class comment).
     */
    private SocketChannel acceptAny(boolean timed, long deadlineNs) throws IOException {
        boolean blocking = isBlocking();
        StackEngine[] es = engines;
        TcpListener[] ls = listeners;
        SocketChannel accepted = null;
        boolean completed = false;
        long spinUntilNs = StackEngine.nowNs() + bypass.config().spinNs();
        try {
            begin();
            while (isOpen()) {
                // Read before looking: an event after this read moves the count (acceptEvents is
                // volatile and bumped after the listener changed, under its engine's lock).
                int seen = acceptEvents;
                for (int i = 0; i < es.length && accepted == null; i++) {
                    es[i].lock();
                    try {
                        es[i].pollLocked(StackEngine.nowNs());
                        TcpConnection c = ls[i].accept();
                        if (c != null) {
                            // Under the lock, so that the new channel hears every event of its connection.
                            accepted = accepted(es[i], c);
                        }
                        snapshotLocked(i, ls[i]);
                    } finally {
                        es[i].unlock();
                    }
                }
                if (accepted != null || !blocking || timed && deadlineNs - StackEngine.nowNs() <= 0
                        || !awaitAcceptEvent(seen, timed, deadlineNs, spinUntilNs)) {
                    break;
                }
            }
            completed = accepted != null || !blocking || timed && isOpen() && !Thread.currentThread().isInterrupted();
        } finally {
            end(completed);
        }
        return accepted;
    }

    /**
     * Waits until {@link #acceptEvents} moves from {@code seen}: first, until {@code spinUntilNs},
     * on the CPU with no lock held, driving every engine that has work (a link engine's device
     * is polled, not interrupt driven, so nothing else would deliver its SYNs that soon); then
     * parked on {@link #acceptEvent}.
     *
     * @return false when interrupted (status kept); true when an event came, the spin or the
     *         deadline passed, or it is closed (the caller looks again in every case)
     */
    private boolean awaitAcceptEvent(int seen, boolean timed, long deadlineNs, long spinUntilNs) {
        long nowNs = StackEngine.nowNs();
        if (spinUntilNs - nowNs > 0) {
            long untilNs = timed && deadlineNs - spinUntilNs < 0 ? deadlineNs : spinUntilNs;
            StackEngine[] es = engines;
            Thread self = Thread.currentThread();
            for (int spins = 0; !self.isInterrupted() && isOpen(); spins++) {
                if (acceptEvents != seen) {
                    if (spins > 0) {
                        acceptSpinPause.ended();
                    }
                    return true;
                }
                nowNs = StackEngine.nowNs();
                if (nowNs - untilNs >= 0) {
                    return true;
                }
                for (StackEngine e : es) {
                    e.tryProgress(nowNs);
                }
                acceptSpinPause.pause(spins);
            }
            return !self.isInterrupted();
        }
        acceptWaitLock.lock();
        try {
            while (acceptEvents == seen && isOpen()) {
                if (!timed) {
                    acceptEvent.await();
                } else {
                    long remainingNs = deadlineNs - StackEngine.nowNs();
                    if (remainingNs <= 0) {
                        return true;
                    }
                    acceptEvent.awaitNanos(remainingNs);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            acceptWaitLock.unlock();
        }
    }

    /**
     * @return the channel of an accepted stack connection: on the loopback engine with loopback
     *         addresses (the stacks' own are translated), on a link engine with the real ones;
     *         caller holds {@code e}'s lock
     */
    private SocketChannel accepted(StackEngine e, TcpConnection c) throws IOException {
        if (!e.isLoopback()) {
            return new BypassSocketChannel(bypass, e, c, new InetSocketAddress(Addresses.inet(c.localIp()),
                    c.localPort()), new InetSocketAddress(Addresses.inet(c.remoteIp()), c.remotePort()));
        }
        InetAddress loopback = InetAddress.getLoopbackAddress();
        InetAddress localIp = localAddress.getAddress().isAnyLocalAddress() ? loopback : localAddress.getAddress();
        return new BypassSocketChannel(bypass, e, c, new InetSocketAddress(localIp, c.localPort()),
                new InetSocketAddress(loopback, c.remotePort()));
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        ServerSocketChannel k = kernel;
        if (k != null) {
            k.close();
        }
        StackEngine[] es = engines;
        if (es != null) {
            closeListeners(es, listeners);
            bumpAcceptEvents();
        }
        SocketChannel r = reservation;
        if (r != null) {
            r.close();
        }
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        ServerSocketChannel k = kernel;
        if (k != null) {
            k.configureBlocking(block);
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return localAddress;
    }

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        ServerSocketChannel k = kernel;
        if (k != null) {
            k.setOption(name, value);
            return this;
        }
        options.set(name, value);
        TcpListener[] ls = listeners;
        if (ls != null && name == StandardSocketOptions.SO_RCVBUF) {
            StackEngine[] es = engines;
            for (int i = 0; i < ls.length; i++) {
                es[i].lock();
                try {
                    ls[i].receiveBufferBytes(Options.clampBuffer((Integer) value));
                } finally {
                    es[i].unlock();
                }
            }
        }
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        ensureOpen();
        ServerSocketChannel k = kernel;
        return k != null ? k.getOption(name) : options.get(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return options.supported();
    }

    @Override
    public ServerSocket socket() {
        synchronized (stateLock) {
            if (adaptor == null) {
                adaptor = new BypassServerSocketAdaptor(this);
            }
            return adaptor;
        }
    }

    /** @return how often a blocking accept on this channel's first stack listener parked, 0 before bind (for tests) */
    long waitParks() {
        StackEngine e = engine;
        if (e == null) {
            return 0;
        }
        e.lock();
        try {
            return acceptables[0].parksLocked();
        } finally {
            e.unlock();
        }
    }

    /** @return the bound address without the open check (the adaptor's view), or null */
    InetSocketAddress localAddressOrNull() {
        return localAddress;
    }

    @Override
    public String toString() {
        return "BypassServerSocketChannel[" + (kernel != null ? "kernel " + kernel : listener != null ? "stack "
                + localAddress : "unbound") + (isOpen() ? "" : " closed") + "]";
    }
}
