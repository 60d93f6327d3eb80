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

/**
 * Our {@link SocketChannel}. It decides late: options and blocking mode are recorded
 * until {@code bind} or {@code connect} picks a backend, either a stack socket (the
 * accelerated path) or a JDK channel from the delegate provider (the kernel fallback,
 * to which every call is then forwarded). Keys registered before the decision follow it.
 *
 * <p>Locks: {@link #stateLock} guards the connection state and backend fields; stack
 * socket calls are made under the engine lock. Blocking operations wait on the engine's
 * condition inside {@code begin}/{@code end}, so an interrupt closes the channel with
 * {@link ClosedByInterruptException} and a concurrent close ends them with
 * {@link AsynchronousCloseException}, as {@code sun.nio.ch.SocketChannelImpl} does.
 */
final class BypassSocketChannel extends SocketChannel implements BypassSelectable {
    private static final int ST_UNCONNECTED = 0;
    private static final int ST_PENDING = 1;
    private static final int ST_CONNECTED = 2;
    /** Bounds a wait so that a missed signal costs at most this much, never a hang. */
    private static final long WAIT_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final BypassSelectorProvider bypass;
    private final Object stateLock = new Object();
    private final Object keysLock = new Object();
    private final Options options;
    private final SocketListener events = this::onStackEvents;
    private volatile BypassSelectionKey[] keys = new BypassSelectionKey[0];
    // guarded by stateLock (written), read racily where a stale value is harmless
    private volatile int state = ST_UNCONNECTED;
    private volatile SocketChannel kernel;
    private volatile StackEngine engine;
    private volatile TcpConnection conn;
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
        this.localAddress = local;
        this.remoteAddress = remote;
        this.state = ST_CONNECTED;
        accepted.listener(events);
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

    @Override
    public int stackReadyOps() {
        TcpConnection c = conn;
        if (c == null) {
            return 0;
        }
        int ev = c.readyOps();
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

    /** Stack callback, under the engine lock: wake waiters and queue our keys. */
    private void onStackEvents(int ev) {
        engine.changed.signalAll();
        BypassSelectionKey[] ks = keys;
        for (BypassSelectionKey k : ks) {
            ((BypassSelector) k.selector()).markReady(k, true);
        }
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
            if (kernel != null || conn != null || localAddress != null) {
                if (kernel != null && kernel.getLocalAddress() == null) {
                    return kernel.bind(local);
                }
                throw new java.nio.channels.AlreadyBoundException();
            }
            if (state == ST_PENDING) {
                throw new ConnectionPendingException();
            }
            // A bound client socket goes to the kernel: the loopback link has no client-side
            // binding yet, and the kernel gives exactly the JDK's semantics.
            SocketChannel k = bypass.jdk().openSocketChannel();
            attachKernel(k);
            bypass.decided("bind (client socket)", local, false, "client-side bind");
            k.bind(local);
        }
        return this;
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        ensureOpen();
        InetSocketAddress isa = checkRemote(remote);
        synchronized (stateLock) {
            if (state == ST_CONNECTED) {
                throw new AlreadyConnectedException();
            }
            if (state == ST_PENDING) {
                throw new ConnectionPendingException();
            }
            if (kernel == null && bypass.accelerateConnect(isa)) {
                StackEngine e = bypass.engine();
                e.lock();
                try {
                    long now = StackEngine.nowNs();
                    TcpConnection c = e.client.tcp().connect(Ipv4Address.ANY, 0, e.server.config().ip(), isa.getPort(), now);
                    engine = e;
                    conn = c;
                    c.listener(events);
                    if (options.get(StandardSocketOptions.TCP_NODELAY)) {
                        c.setNoDelay(true);
                    }
                    remoteAddress = isa;
                    localAddress = new InetSocketAddress(isa.getAddress(), c.localPort());
                    state = ST_PENDING;
                    e.pollLocked(now);
                } catch (TcpException ex) {
                    throw Errors.of(ex);
                } finally {
                    e.unlock();
                }
                for (BypassSelectionKey k : keys) {
                    ((BypassSelector) k.selector()).markReady(k, true);
                }
            } else if (kernel == null) {
                attachKernel(bypass.jdk().openSocketChannel());
            }
        }
        if (kernel != null) {
            return kernelConnect(isa);
        }
        if (isBlocking()) {
            awaitConnected();
            return true;
        }
        return finishConnect();
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

    private void awaitConnected() throws IOException {
        boolean completed = false;
        try {
            begin();
            StackEngine e = engine;
            e.lock();
            try {
                while (isOpen() && (conn.readyOps() & SocketEvents.CONNECTED) == 0) {
                    if (!await(e)) {
                        break;
                    }
                }
            } finally {
                e.unlock();
            }
            completed = isOpen() && (conn.readyOps() & SocketEvents.CONNECTED) != 0;
        } finally {
            end(completed);
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
            awaitConnected();
            return true;
        }
        StackEngine e = engine;
        boolean done;
        e.lock();
        try {
            e.pollLocked(StackEngine.nowNs());
            done = (conn.readyOps() & SocketEvents.CONNECTED) != 0;
        } finally {
            e.unlock();
        }
        if (done) {
            completeConnect();
        }
        return done;
    }

    /** Waits for the engine's condition; false when interrupted (status kept). Caller holds the lock. */
    static boolean await(StackEngine e) {
        try {
            e.changed.awaitNanos(WAIT_NS);
            e.pollLocked(StackEngine.nowNs());
            return !Thread.currentThread().isInterrupted();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        }
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
        return (int) read(new ByteBuffer[] {dst}, 0, 1);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        ensureOpen();
        if (state != ST_CONNECTED) {
            throw new NotYetConnectedException();
        }
        if (kernel != null) {
            try {
                return kernel.read(dsts, offset, length);
            } catch (ClosedByInterruptException e) {
                close();
                throw e;
            }
        }
        if (inputShutdown) {
            return -1;
        }
        boolean blocking = isBlocking();
        long total = 0;
        boolean eof = false;
        boolean completed = false;
        IOException failure = null;
        StackEngine e = engine;
        try {
            begin();
            e.lock();
            try {
                long now = StackEngine.nowNs();
                for (;;) {
                    if (!isOpen()) {
                        break;
                    }
                    for (int i = offset; i < offset + length; i++) {
                        ByteBuffer b = dsts[i];
                        while (b.hasRemaining()) {
                            int n = conn.read(b, now);
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
                    if (total > 0 || eof || !blocking || !hasRemaining(dsts, offset, length)) {
                        break;
                    }
                    if (!await(e)) {
                        break;
                    }
                    now = StackEngine.nowNs();
                }
                if (total > 0) {
                    e.pollLocked(now);
                } else if (eof && conn.error() != TcpError.NONE) {
                    failure = Errors.of(conn.error());
                }
            } finally {
                e.unlock();
            }
            completed = total > 0 || eof || !blocking || !hasRemaining(dsts, offset, length);
        } finally {
            end(completed);
        }
        if (failure != null) {
            throw failure;
        }
        return total > 0 ? total : eof ? -1 : 0;
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
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        ensureOpen();
        if (state != ST_CONNECTED) {
            throw new NotYetConnectedException();
        }
        if (kernel != null) {
            try {
                return kernel.write(srcs, offset, length);
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
        try {
            begin();
            e.lock();
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
                            int n = conn.write(b, now);
                            if (n == 0) {
                                full = true;
                                break;
                            }
                            total += n;
                        }
                    }
                    e.pollLocked(now);
                    if (conn.error() != TcpError.NONE || !writable(conn.state())) {
                        if (total == 0) {
                            failure = Errors.of(conn.error());
                        }
                        break;
                    }
                    if (!hasRemaining(srcs, offset, length) || !blocking) {
                        break;
                    }
                    if (!await(e)) {
                        break;
                    }
                    now = StackEngine.nowNs();
                }
            } finally {
                e.unlock();
            }
            completed = failure != null || !blocking || !hasRemaining(srcs, offset, length);
        } finally {
            end(completed || total > 0 && !blocking);
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
                e.changed.signalAll();
                onStackEvents(SocketEvents.READABLE);
            } finally {
                e.unlock();
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
                e.unlock();
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
                e.changed.signalAll();
            } finally {
                e.unlock();
            }
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
        if (c != null && name == StandardSocketOptions.TCP_NODELAY) {
            StackEngine e = engine;
            e.lock();
            try {
                c.setNoDelay((Boolean) value);
            } finally {
                e.unlock();
            }
        }
        return this;
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
        throw new UnsupportedOperationException("socket() adaptor not supported yet by Bypass");
    }

    @Override
    public String toString() {
        return "BypassSocketChannel[" + (kernel != null ? "kernel " + kernel : conn != null ? "stack " + localAddress
                + " -> " + remoteAddress : "unbound") + (isOpen() ? "" : " closed") + "]";
    }
}
