package io.bypass.provider;

import io.bypass.stack.SocketEvents;
import io.bypass.stack.SocketListener;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpError;
import io.bypass.stack.tcp.TcpException;
import io.bypass.stack.tcp.TcpState;
import io.bypass.stack.wire.Ipv4Address;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Our {@link SocketChannel}. It decides late: options and blocking mode are recorded
 * until {@code bind} or {@code connect} picks a backend, either a stack socket (the
 * accelerated path) or a JDK channel from the delegate provider (the kernel fallback,
 * to which every call is then forwarded). Keys registered before the decision follow it.
 *
 * <p>Locks, as in {@code sun.nio.ch.SocketChannelImpl}: {@link #readLock} and
 * {@link #writeLock} serialize readers and writers, {@link #stateLock} guards the
 * connection state and backend fields; stack socket calls are made under the engine lock.
 * Blocking operations wait on this channel's own wait points ({@link #readable} for reads,
 * {@link #writable} for writes and connects), signalled by its stack callbacks (see
 * {@link StackEngine} for why no wakeup is lost), inside {@code begin}/{@code end}, so an
 * interrupt closes the channel with {@link ClosedByInterruptException} and a concurrent
 * close ends them with {@link AsynchronousCloseException}. Each blocking read, write and
 * connect first spins for {@code bypass.spin} (the latency profile) before it parks.
 *
 * <p>A client-side {@code bind} reserves its port with a bound, unconnected kernel socket
 * and defers the backend to {@code connect}: a kernel connect uses that very socket, a
 * stack connect uses its port and keeps it reserved until close.
 *
 * <p>Options on a stack socket: {@code TCP_NODELAY}, {@code SO_KEEPALIVE} (the stack's
 * keep-alive times), {@code SO_LINGER} (0 aborts with a RST at close), {@code SO_RCVBUF}
 * and {@code SO_SNDBUF} are applied; a buffer size set before connect also sizes the window
 * scale the SYN offers, and setting one turns the stack's auto-tuning off for that
 * direction, as on Linux. {@code IP_TOS} sets the DSCP of the connection's IPv4 headers (the
 * ECN bits stay the stack's, as Linux keeps them for TCP); set before connect, it applies
 * from the segment after the SYN. {@code SO_REUSEADDR} and {@code SO_REUSEPORT} are recorded
 * and reported (a client's bind is the kernel's, see below). On a kernel backend every
 * option is the kernel's.
 *
 * <p>Steady state: a non-blocking {@code read}/{@code write} of one buffer allocates
 * nothing (one-element arrays are kept per channel, used under the read or write lock).
 */
final class BypassSocketChannel extends SocketChannel implements BypassSelectable {
    private static final int ST_UNCONNECTED = 0;
    private static final int ST_PENDING = 1;
    private static final int ST_CONNECTED = 2;

    private final BypassSelectorProvider bypass;
    private final Object stateLock = new Object();
    private final Object keysLock = new Object();
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The one-buffer array of read(ByteBuffer); used under readLock. */
    private final ByteBuffer[] readOne = new ByteBuffer[1];
    /** The one-buffer array of write(ByteBuffer); used under writeLock. */
    private final ByteBuffer[] writeOne = new ByteBuffer[1];
    private final Options options;
    private final SocketListener events = this::onStackEvents;
    private volatile BypassSelectionKey[] keys = new BypassSelectionKey[0];
    // guarded by stateLock (written), read racily where a stale value is harmless
    private volatile int state = ST_UNCONNECTED;
    private volatile SocketChannel kernel;
    private volatile StackEngine engine;
    private volatile TcpConnection conn;
    /** Signalled when the socket may have become readable, closed or failed. */
    private volatile WaitPoint readable;
    /** Signalled when the socket may have become writable, connected, closed or failed. */
    private volatile WaitPoint writable;
    /**
     * The stack socket's readiness (SocketEvents) as of the end of the last section under the
     * engine lock or the last stack event, so that a select need not take the lock to look.
     */
    private volatile int stackEvents;
    /** A client-side bind's kernel socket: bound, never connected unless the kernel is chosen. */
    private volatile SocketChannel reservation;
    private volatile Socket adaptor;
    private volatile InetSocketAddress localAddress;
    private volatile InetSocketAddress remoteAddress;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

    BypassSocketChannel(BypassSelectorProvider provider) {
        super(provider);
        this.bypass = provider;
        this.options = new Options(Options.SOCKET, Map.of(StandardSocketOptions.SO_SNDBUF, provider.config().sndbufBytes(),
                StandardSocketOptions.SO_RCVBUF, provider.config().rcvbufBytes(), StandardSocketOptions.SO_KEEPALIVE, false,
                StandardSocketOptions.SO_REUSEADDR, false, StandardSocketOptions.SO_REUSEPORT, false,
                StandardSocketOptions.SO_LINGER, -1, StandardSocketOptions.TCP_NODELAY, false, StandardSocketOptions.IP_TOS, 0));
    }

    /** An accepted kernel connection. */
    BypassSocketChannel(BypassSelectorProvider provider, SocketChannel accepted) {
        this(provider);
        this.kernel = accepted;
        this.state = ST_CONNECTED;
    }

    /** An accepted stack connection. */
    BypassSocketChannel(BypassSelectorProvider provider, StackEngine engine, TcpConnection accepted,
                        InetSocketAddress local, InetSocketAddress remote) {
        this(provider);
        this.engine = engine;
        this.conn = accepted;
        this.readable = engine.newWaitPoint();
        this.writable = engine.newWaitPoint();
        this.localAddress = local;
        this.remoteAddress = remote;
        this.state = ST_CONNECTED;
        assert engine.lock.isHeldByCurrentThread() : "events from here on must reach the snapshot";
        accepted.listener(events);
        snapshotLocked();
    }

    // ------------------------------------------------------------------ selector side

    @Override
    public SelectableChannel kernelChannel() {
        return kernel;
    }

    @Override
    public StackEngine engine() {
        return engine;
    }

    /**
     * Ends every section of this channel under the engine lock: takes the readiness snapshot
     * that {@link #stackReadyOps} reads, then unlocks. Readiness changes only under that
     * lock: our own reads and writes (which end here) and stack events (which take it too).
     */
    private void unlockAndSnapshot(StackEngine e) {
        snapshotLocked();
        e.unlock();
    }

    /** Records the stack socket's readiness for selectors; caller holds the engine lock. */
    private void snapshotLocked() {
        TcpConnection c = conn;
        if (c != null) {
            stackEvents = c.readyOps();
        }
    }

    @Override
    public int stackReadyOps() {
        if (conn == null) {
            return 0;
        }
        int ev = stackEvents;
        int ops = 0;
        if (state == ST_PENDING) {
            if ((ev & SocketEvents.CONNECTED) != 0) {
                ops |= SelectionKey.OP_CONNECT;
            }
        } else if (state == ST_CONNECTED) {
            if ((ev & SocketEvents.READABLE) != 0 || inputShutdown) {
                ops |= SelectionKey.OP_READ;
            }
            if ((ev & SocketEvents.WRITABLE) != 0) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        return ops;
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

    /** Stack callback, under the engine lock: wake the waiters it concerns and queue our keys. */
    private void onStackEvents(int ev) {
        // Before the keys are queued: a selector that finds them queued sees this snapshot.
        snapshotLocked();
        if ((ev & (SocketEvents.READABLE | SocketEvents.CLOSED | SocketEvents.ERROR)) != 0) {
            readable.signalLocked();
        }
        if ((ev & (SocketEvents.WRITABLE | SocketEvents.CONNECTED | SocketEvents.CLOSED | SocketEvents.ERROR)) != 0) {
            writable.signalLocked();
        }
        BypassSelectionKey[] ks = keys;
        for (BypassSelectionKey k : ks) {
            ((BypassSelector) k.selector()).markEvent(k, opsOf(ev));
        }
    }

    /** @return the SelectionKey operations a stack event may have made ready */
    private static int opsOf(int ev) {
        if ((ev & (SocketEvents.CLOSED | SocketEvents.ERROR)) != 0) {
            return SelectionKey.OP_READ | SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT;
        }
        int ops = 0;
        if ((ev & SocketEvents.READABLE) != 0) {
            ops |= SelectionKey.OP_READ;
        }
        if ((ev & SocketEvents.WRITABLE) != 0) {
            ops |= SelectionKey.OP_WRITE;
        }
        if ((ev & SocketEvents.CONNECTED) != 0) {
            ops |= SelectionKey.OP_CONNECT;
        }
        return ops;
    }

    private void attachKernel(SocketChannel ch) throws IOException {
        options.replay(ch);
        synchronized (blockingLock()) {
            ch.configureBlocking(isBlocking());
            kernel = ch;
        }
        for (BypassSelectionKey k : keys) {
            k.attachKernel(ch);
        }
    }

    // ------------------------------------------------------------------ bind / connect

    @Override
    public SocketChannel bind(SocketAddress local) throws IOException {
        ensureOpen();
        synchronized (stateLock) {
            if (state == ST_PENDING) {
                throw new ConnectionPendingException();
            }
            if (reservation != null || kernel != null || conn != null || localAddress != null) {
                throw new java.nio.channels.AlreadyBoundException();
            }
            // The kernel gives bind its exact semantics (address checks, port choice, EADDRINUSE);
            // whether the socket then carries traffic is decided at connect.
            SocketChannel r = bypass.jdk().openSocketChannel();
            SocketAddress at = bypass.kernelReservation(local);
            try {
                options.replay(r);
                r.bind(at);
            } catch (IOException | RuntimeException e) {
                r.close();
                throw e;
            }
            reservation = r;
            InetSocketAddress reserved = (InetSocketAddress) r.getLocalAddress();
            // Bound to the link stack's own address, reserved on the wildcard: the channel says the former.
            localAddress = at == local ? reserved
                    : new InetSocketAddress(((InetSocketAddress) local).getAddress(), reserved.getPort());
        }
        return this;
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        InetSocketAddress isa = checkRemote(remote);
        if (!startConnect(isa)) {
            return kernelConnect(isa);
        }
        if (isBlocking()) {
            awaitConnected(false, 0);
            return true;
        }
        return finishConnect();
    }

    /**
     * The adaptor's connect: blocking, with an optional timeout after which the channel is
     * closed, as {@code Socket.connect(SocketAddress, int)} specifies.
     *
     * @param timeoutNs 0: no timeout
     */
    void blockingConnect(SocketAddress remote, long timeoutNs) throws IOException {
        if (!isBlocking()) {
            throw new java.nio.channels.IllegalBlockingModeException();
        }
        if (timeoutNs == 0) {
            connect(remote);
            return;
        }
        InetSocketAddress isa = checkRemote(remote);
        if (startConnect(isa)) {
            awaitConnected(true, StackEngine.nowNs() + timeoutNs);
            return;
        }
        // The kernel channel's own adaptor implements the timed connect (and closes it on timeout).
        try {
            kernel.socket().connect(isa, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNs)));
            state = ST_CONNECTED;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Picks the backend and, for the stack, sends the SYN.
     *
     * @return true for a stack connect (now pending), false when the kernel channel is attached
     */
    private boolean startConnect(InetSocketAddress isa) throws IOException {
        ensureOpen();
        synchronized (stateLock) {
            if (state == ST_CONNECTED) {
                throw new AlreadyConnectedException();
            }
            if (state == ST_PENDING) {
                throw new ConnectionPendingException();
            }
            if (kernel != null) {
                return false;
            }
            StackEngine e = bypass.connectEngine(isa);
            if (e == null) {
                SocketChannel r = reservation;
                reservation = null;
                attachKernel(r != null ? r : bypass.jdk().openSocketChannel());
                return false;
            }
            InetSocketAddress bound = localAddress;
            // On the loopback engine the client stack reaches the server stack's address; on a
            // link engine the real destination.
            int dstIp = e.isLoopback() ? e.server.config().ip() : Addresses.ipv4(isa.getAddress());
            e.lock();
            try {
                long now = StackEngine.nowNs();
                TcpConnection c = e.client.tcp().connect(Ipv4Address.ANY, bound == null ? 0 : bound.getPort(),
                        dstIp, isa.getPort(),
                        options.stackBufferBytes(StandardSocketOptions.SO_RCVBUF),
                        options.stackBufferBytes(StandardSocketOptions.SO_SNDBUF), now);
                engine = e;
                conn = c;
                readable = e.newWaitPoint();
                writable = e.newWaitPoint();
                c.listener(events);
                if (options.get(StandardSocketOptions.TCP_NODELAY)) {
                    c.setNoDelay(true);
                }
                if (options.get(StandardSocketOptions.SO_KEEPALIVE)) {
                    c.keepAlive(true, now);
                }
                c.ipTos(options.get(StandardSocketOptions.IP_TOS));
                remoteAddress = isa;
                localAddress = new InetSocketAddress(!e.isLoopback() ? Addresses.inet(e.client.config().ip())
                        : bound == null || bound.getAddress().isAnyLocalAddress() ? isa.getAddress()
                        : bound.getAddress(), c.localPort());
                state = ST_PENDING;
                e.pollLocked(now);
            } catch (TcpException ex) {
                throw Errors.of(ex);
            } finally {
                unlockAndSnapshot(e);
            }
        }
        for (BypassSelectionKey k : keys) {
            ((BypassSelector) k.selector()).markReady(k, true);
        }
        return true;
    }

    private boolean kernelConnect(InetSocketAddress isa) throws IOException {
        try {
            boolean done = kernel.connect(isa);
            state = done ? ST_CONNECTED : ST_PENDING;
            return done;
        } catch (ClosedByInterruptException e) {
            close();
            throw e;
        }
    }

    private static InetSocketAddress checkRemote(SocketAddress remote) {
        Objects.requireNonNull(remote, "remote");
        if (!(remote instanceof InetSocketAddress isa)) {
            throw new java.nio.channels.UnsupportedAddressTypeException();
        }
        if (isa.isUnresolved()) {
            throw new java.nio.channels.UnresolvedAddressException();
        }
        return isa;
    }

    private void awaitConnected(boolean timed, long deadlineNs) throws IOException {
        boolean completed = false;
        boolean timedOut = false;
        try {
            begin();
            StackEngine e = engine;
            long spinUntilNs = StackEngine.nowNs() + bypass.config().spinNs();
            e.lock();
            try {
                while (isOpen() && (conn.readyOps() & SocketEvents.CONNECTED) == 0) {
                    if (timed && deadlineNs - StackEngine.nowNs() <= 0) {
                        timedOut = true;
                        break;
                    }
                    if (!e.awaitLocked(writable, timed, deadlineNs, spinUntilNs)) {
                        break;
                    }
                }
            } finally {
                unlockAndSnapshot(e);
            }
            completed = timedOut || isOpen() && (conn.readyOps() & SocketEvents.CONNECTED) != 0;
        } finally {
            end(completed);
        }
        if (timedOut) {
            close();
            throw new java.net.SocketTimeoutException("Connect timed out");
        }
        completeConnect();
    }

    /** The connect finished (CONNECTED seen): succeed or fail as the connection did. */
    private void completeConnect() throws IOException {
        TcpError error = conn.error();
        if (error != TcpError.NONE || conn.state() == TcpState.CLOSED) {
            close();
            throw Errors.connect(error);
        }
        state = ST_CONNECTED;
    }

    @Override
    public boolean finishConnect() throws IOException {
        ensureOpen();
        if (state == ST_CONNECTED) {
            return true;
        }
        if (state != ST_PENDING) {
            throw new NoConnectionPendingException();
        }
        if (kernel != null) {
            try {
                boolean done = kernel.finishConnect();
                if (done) {
                    state = ST_CONNECTED;
                }
                return done;
            } catch (ClosedByInterruptException e) {
                close();
                throw e;
            }
        }
        if (isBlocking()) {
            awaitConnected(false, 0);
            return true;
        }
        StackEngine e = engine;
        boolean done;
        e.lock();
        try {
            e.pollLocked(StackEngine.nowNs());
            done = (conn.readyOps() & SocketEvents.CONNECTED) != 0;
        } finally {
            unlockAndSnapshot(e);
        }
        if (done) {
            completeConnect();
        }
        return done;
    }

    @Override
    public boolean isConnected() {
        return state == ST_CONNECTED;
    }

    @Override
    public boolean isConnectionPending() {
        return state == ST_PENDING;
    }

    // ------------------------------------------------------------------ data

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        readLock.lock();
        try {
            readOne[0] = dst;
            return (int) readLocked(readOne, 0, 1, false, 0);
        } finally {
            readOne[0] = null;
            readLock.unlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        readLock.lock();
        try {
            return readLocked(dsts, offset, length, false, 0);
        } finally {
            readLock.unlock();
        }
    }

    /**
     * The adaptor's read: blocking, with an optional timeout.
     *
     * @param timeoutNs 0: no timeout
     * @throws java.net.SocketTimeoutException when the timeout passes with nothing read
     */
    int blockingRead(ByteBuffer dst, long timeoutNs) throws IOException {
        readLock.lock();
        try {
            if (!isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            readOne[0] = dst;
            return (int) readLocked(readOne, 0, 1, timeoutNs != 0, StackEngine.nowNs() + timeoutNs);
        } finally {
            readOne[0] = null;
            readLock.unlock();
        }
    }

    /** @return the bytes a read could take now without blocking (the adaptor's {@code available}) */
    int available() throws IOException {
        ensureOpen();
        SocketChannel k = kernel;
        if (k != null) {
            return k.socket().getInputStream().available();
        }
        TcpConnection c = conn;
        if (c == null || inputShutdown) {
            return 0;
        }
        StackEngine e = engine;
        e.lock();
        try {
            return c.available();
        } finally {
            unlockAndSnapshot(e);
        }
    }

    private long readLocked(ByteBuffer[] dsts, int offset, int length, boolean timed, long deadlineNs)
            throws IOException {
        ensureOpen();
        if (state != ST_CONNECTED) {
            throw new NotYetConnectedException();
        }
        SocketChannel k = kernel;
        if (k != null) {
            return timed ? kernelTimedRead(k, dsts[offset], deadlineNs) : kernelRead(k, dsts, offset, length);
        }
        if (inputShutdown) {
            return -1;
        }
        boolean blocking = isBlocking();
        long total = 0;
        boolean eof = false;
        boolean completed = false;
        boolean timedOut = false;
        IOException failure = null;
        StackEngine e = engine;
        TcpConnection c = conn;
        long spinUntilNs = 0;
        boolean polled = false;
        try {
            if (blocking) {
                begin();
            }
            e.lockFor(c);
            try {
                for (;;) {
                    if (!isOpen()) {
                        break;
                    }
                    for (int i = offset; i < offset + length; i++) {
                        ByteBuffer b = dsts[i];
                        while (b.hasRemaining()) {
                            // The time only if the read needs it (a window update): mostly none.
                            int n = c.read(b, StackEngine.CLOCK);
                            if (n > 0) {
                                total += n;
                            } else {
                                eof = n < 0;
                                break;
                            }
                        }
                        if (b.hasRemaining()) {
                            break;
                        }
                    }
                    if (total > 0 || eof || inputShutdown || !hasRemaining(dsts, offset, length)) {
                        break;
                    }
                    long now = StackEngine.nowNs();
                    if (!blocking) {
                        // Nothing queued, but frames may wait on a link device: nothing of ours
                        // delivers them, and an application that calls read in a loop, without a
                        // selector, never waits where they are polled. So look once, as a
                        // spinning select does (its data then comes at its next read, not at the
                        // helper's next look, up to LINK_LOOK_WATCHED_NS later).
                        if (polled || !e.pollIfDueLocked(now)) {
                            break;
                        }
                        polled = true;
                        continue;
                    }
                    if (timed && deadlineNs - now <= 0) {
                        timedOut = true;
                        break;
                    }
                    if (spinUntilNs == 0) {
                        spinUntilNs = now + bypass.config().spinNs();
                    }
                    if (!e.awaitLocked(readable, timed, deadlineNs, spinUntilNs)) {
                        break;
                    }
                }
                if (total > 0) {
                    // The window opened: if the read queued a window update, the peer hears of it now.
                    e.pollAfterReadLocked(c);
                } else if (eof && c.error() != TcpError.NONE) {
                    failure = Errors.of(c.error());
                }
            } finally {
                unlockAndSnapshot(e);
            }
            completed = total > 0 || eof || timedOut || inputShutdown || !blocking || !hasRemaining(dsts, offset, length);
        } finally {
            if (blocking) {
                end(completed);
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (timedOut) {
            throw new java.net.SocketTimeoutException("Read timed out");
        }
        return total > 0 ? total : eof || inputShutdown ? -1 : 0;
    }

    private long kernelRead(SocketChannel k, ByteBuffer[] dsts, int offset, int length) throws IOException {
        try {
            return length == 1 ? k.read(dsts[offset]) : k.read(dsts, offset, length);
        } catch (ClosedByInterruptException e) {
            close();
            throw e;
        }
    }

    /** A timed read of a kernel channel, through its own adaptor (which implements SO_TIMEOUT). */
    private static int kernelTimedRead(SocketChannel k, ByteBuffer dst, long deadlineNs) throws IOException {
        Socket s = k.socket();
        long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - StackEngine.nowNs()));
        s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
        int n = s.getInputStream().read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    private static boolean hasRemaining(ByteBuffer[] bufs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (bufs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        writeLock.lock();
        try {
            writeOne[0] = src;
            return (int) writeLocked(writeOne, 0, 1);
        } finally {
            writeOne[0] = null;
            writeLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        writeLock.lock();
        try {
            return writeLocked(srcs, offset, length);
        } finally {
            writeLock.unlock();
        }
    }

    /** The adaptor's write: blocking, all of {@code src}. */
    void blockingWrite(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            if (!isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            writeOne[0] = src;
            while (src.hasRemaining()) {
                writeLocked(writeOne, 0, 1);
            }
        } finally {
            writeOne[0] = null;
            writeLock.unlock();
        }
    }

    private long writeLocked(ByteBuffer[] srcs, int offset, int length) throws IOException {
        ensureOpen();
        if (state != ST_CONNECTED) {
            throw new NotYetConnectedException();
        }
        SocketChannel k = kernel;
        if (k != null) {
            try {
                return length == 1 ? k.write(srcs[offset]) : k.write(srcs, offset, length);
            } catch (ClosedByInterruptException e) {
                close();
                throw e;
            }
        }
        if (outputShutdown) {
            throw new ClosedChannelException();
        }
        boolean blocking = isBlocking();
        long total = 0;
        boolean completed = false;
        IOException failure = null;
        StackEngine e = engine;
        TcpConnection c = conn;
        long spinUntilNs = 0;
        try {
            if (blocking) {
                begin();
            }
            e.lockFor(c);
            try {
                long now = StackEngine.nowNs();
                for (;;) {
                    if (!isOpen()) {
                        break;
                    }
                    boolean full = false;
                    for (int i = offset; i < offset + length && !full; i++) {
                        ByteBuffer b = srcs[i];
                        while (b.hasRemaining()) {
                            int n = c.write(b, now);
                            if (n == 0) {
                                full = true;
                                break;
                            }
                            total += n;
                        }
                    }
                    e.pollAfterWriteLocked(c, now);
                    if (c.error() != TcpError.NONE || !writable(c.state())) {
                        if (total == 0) {
                            failure = Errors.of(c.error());
                        }
                        break;
                    }
                    if (!hasRemaining(srcs, offset, length) || !blocking) {
                        break;
                    }
                    // Our own poll may have freed space (the peer acknowledged within it); that
                    // event found no waiter, so look before waiting rather than wait for the next.
                    if (spinUntilNs == 0) {
                        spinUntilNs = now + bypass.config().spinNs();
                    }
                    if ((c.readyOps() & SocketEvents.WRITABLE) == 0 && !e.awaitLocked(writable, false, 0, spinUntilNs)) {
                        break;
                    }
                    now = StackEngine.nowNs();
                }
            } finally {
                unlockAndSnapshot(e);
            }
            completed = failure != null || !blocking || !hasRemaining(srcs, offset, length);
        } finally {
            if (blocking) {
                end(completed);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return total;
    }

    private static boolean writable(TcpState s) {
        return s == TcpState.ESTABLISHED || s == TcpState.CLOSE_WAIT || s == TcpState.SYN_SENT
                || s == TcpState.SYN_RECEIVED;
    }

    // ------------------------------------------------------------------ shutdown, close

    @Override
    public SocketChannel shutdownInput() throws IOException {
        ensureOpen();
        if (state != ST_CONNECTED) {
            throw new NotYetConnectedException();
        }
        if (kernel != null) {
            kernel.shutdownInput();
        } else {
            inputShutdown = true;
            StackEngine e = engine;
            e.lock();
            try {
                onStackEvents(SocketEvents.READABLE);
            } finally {
                unlockAndSnapshot(e);
            }
        }
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        ensureOpen();
        if (state != ST_CONNECTED) {
            throw new NotYetConnectedException();
        }
        if (kernel != null) {
            kernel.shutdownOutput();
        } else if (!outputShutdown) {
            outputShutdown = true;
            StackEngine e = engine;
            e.lock();
            try {
                long now = StackEngine.nowNs();
                conn.shutdownOutput(now);
                e.pollLocked(now);
            } finally {
                unlockAndSnapshot(e);
            }
        }
        return this;
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        SocketChannel k = kernel;
        if (k != null) {
            k.close();
        }
        StackEngine e = engine;
        TcpConnection c = conn;
        if (e != null && c != null) {
            e.lock();
            try {
                long now = StackEngine.nowNs();
                c.listener(SocketListener.NONE);
                if (options.get(StandardSocketOptions.SO_LINGER) == 0) {
                    c.abort(now);
                } else {
                    c.close(now);
                }
                e.pollLocked(now);
                // Wake our blocked readers and writers: they see the channel closed.
                readable.signalLocked();
                writable.signalLocked();
            } finally {
                unlockAndSnapshot(e);
            }
        }
        SocketChannel r = reservation;
        if (r != null) {
            r.close();
        }
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        SocketChannel k = kernel;
        if (k != null) {
            k.configureBlocking(block);
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    // ------------------------------------------------------------------ addresses, options

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        SocketChannel k = kernel;
        return k != null ? k.getLocalAddress() : localAddress;
    }

    /** @return the local address without the open check (the adaptor's view), or null */
    InetSocketAddress localAddressOrNull() throws IOException {
        SocketChannel k = kernel;
        return k != null ? (InetSocketAddress) k.getLocalAddress() : localAddress;
    }

    /** @return the remote address without the open check (the adaptor's view), or null */
    InetSocketAddress remoteAddressOrNull() throws IOException {
        SocketChannel k = kernel;
        return k != null ? (InetSocketAddress) k.getRemoteAddress() : remoteAddress;
    }

    /** @return whether input was shut down */
    boolean isInputShutdown() {
        SocketChannel k = kernel;
        return k != null ? k.socket().isInputShutdown() : inputShutdown;
    }

    /** @return whether output was shut down */
    boolean isOutputShutdown() {
        SocketChannel k = kernel;
        return k != null ? k.socket().isOutputShutdown() : outputShutdown;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        SocketChannel k = kernel;
        return k != null ? k.getRemoteAddress() : remoteAddress;
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        SocketChannel k = kernel;
        if (k != null) {
            k.setOption(name, value);
            return this;
        }
        options.set(name, value);
        TcpConnection c = conn;
        if (c != null) {
            StackEngine e = engine;
            e.lock();
            try {
                applyToStack(c, name, value);
            } finally {
                unlockAndSnapshot(e);
            }
        }
        return this;
    }

    /** @return how often a blocking read, write or connect of this stack socket parked, 0 before connect (for tests) */
    long waitParks() {
        StackEngine e = engine;
        if (e == null) {
            return 0;
        }
        e.lock();
        try {
            return readable.parksLocked() + writable.parksLocked();
        } finally {
            unlockAndSnapshot(e);
        }
    }

    /** @return the stack connection behind this channel, or null on a kernel backend or before connect (for tests) */
    TcpConnection stackConnection() {
        return conn;
    }

    /** Applies an option the application set on a connected stack socket; the caller holds the stack lock. */
    private static void applyToStack(TcpConnection c, SocketOption<?> name, Object value) {
        if (name == StandardSocketOptions.TCP_NODELAY) {
            c.setNoDelay((Boolean) value);
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            c.keepAlive((Boolean) value, StackEngine.nowNs());
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            c.receiveBufferBytes(Options.clampBuffer((Integer) value));
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            c.sendBufferBytes(Options.clampBuffer((Integer) value));
        } else if (name == StandardSocketOptions.IP_TOS) {
            c.ipTos((Integer) value);
        }
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        ensureOpen();
        SocketChannel k = kernel;
        return k != null ? k.getOption(name) : options.get(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return options.supported();
    }

    @Override
    public Socket socket() {
        synchronized (stateLock) {
            if (adaptor == null) {
                try {
                    adaptor = new BypassSocketAdaptor(this);
                } catch (java.net.SocketException e) {
                    throw new InternalError(e);
                }
            }
            return adaptor;
        }
    }

    @Override
    public String toString() {
        return "BypassSocketChannel[" + (kernel != null ? "kernel " + kernel : conn != null ? "stack " + localAddress
                + " -> " + remoteAddress : "unbound") + (isOpen() ? "" : " closed") + "]";
    }
}
