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
 */
final class BypassServerSocketChannel extends ServerSocketChannel implements BypassSelectable {
    private final BypassSelectorProvider bypass;
    private final Object stateLock = new Object();
    private final Object keysLock = new Object();
    private final Options options;
    private final SocketListener events = this::onStackEvents;
    private volatile BypassSelectionKey[] keys = new BypassSelectionKey[0];
    private volatile ServerSocketChannel kernel;
    private volatile StackEngine engine;
    private volatile TcpListener listener;
    private volatile SocketChannel reservation;
    /** The listener's readiness (SocketEvents) as of its last event or accept, read by selectors without the lock. */
    private volatile int listenerEvents;
    /** Signalled (under the engine lock) by every listener event and by close. */
    private volatile WaitPoint acceptable;
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
        return (listenerEvents & SocketEvents.ACCEPTABLE) != 0 ? SelectionKey.OP_ACCEPT : 0;
    }

    /** Records the listener's readiness for selectors; caller holds the engine lock. */
    private void snapshotLocked() {
        TcpListener l = listener;
        listenerEvents = l != null ? l.readyOps() : 0;
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

    private void onStackEvents(int ev) {
        snapshotLocked();
        acceptable.signalLocked();
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
            if (bypass.accelerateBind(isa)) {
                bindStack(isa, backlog);
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

    private void bindStack(InetSocketAddress isa, int backlog) throws IOException {
        boolean reusePort = options.get(StandardSocketOptions.SO_REUSEPORT);
        SocketChannel reserve = bypass.jdk().openSocketChannel();
        try {
            // SO_REUSEPORT on the reservation too: the kernel then lets every member of the
            // group reserve the port (and still refuses anyone who did not opt in).
            if (reusePort) {
                reserve.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            reserve.bind(isa);
        } catch (IOException e) {
            reserve.close();
            throw e;
        }
        int port = ((InetSocketAddress) reserve.getLocalAddress()).getPort();
        StackEngine e = bypass.engine();
        e.lock();
        try {
            TcpListener l = e.server.tcp().listen(Ipv4Address.ANY, port, backlog, reusePort);
            // As on Linux, accepted sockets inherit the listener's SO_RCVBUF (and with it the
            // window scale their SYN-ACK offers).
            int receiveBufferBytes = options.stackBufferBytes(StandardSocketOptions.SO_RCVBUF);
            if (receiveBufferBytes > 0) {
                l.receiveBufferBytes(receiveBufferBytes);
            }
            acceptable = e.newWaitPoint();
            l.listener(events);
            engine = e;
            listener = l;
            snapshotLocked();
        } catch (TcpException ex) {
            reserve.close();
            throw Errors.of(ex);
        } finally {
            e.unlock();
        }
        e.addListenerPort(port);
        reservation = reserve;
        localAddress = new InetSocketAddress(isa.getAddress(), port);
        for (BypassSelectionKey k : keys) {
            ((BypassSelector) k.selector()).markReady(k, true);
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
        boolean blocking = isBlocking();
        TcpConnection c = null;
        BypassSocketChannel accepted = null;
        boolean completed = false;
        StackEngine e = engine;
        long spinUntilNs = StackEngine.nowNs() + bypass.config().spinNs();
        try {
            begin();
            e.lock();
            try {
                e.pollLocked(StackEngine.nowNs());
                while (isOpen()) {
                    c = listener.accept();
                    if (c != null || !blocking || timed && deadlineNs - StackEngine.nowNs() <= 0
                            || !e.awaitLocked(acceptable, timed, deadlineNs, spinUntilNs)) {
                        break;
                    }
                }
                if (c != null) {
                    // Under the lock, so that the new channel hears every event of its connection.
                    InetAddress loopback = InetAddress.getLoopbackAddress();
                    InetAddress localIp = localAddress.getAddress().isAnyLocalAddress() ? loopback
                            : localAddress.getAddress();
                    accepted = new BypassSocketChannel(bypass, e, c, new InetSocketAddress(localIp, c.localPort()),
                            new InetSocketAddress(loopback, c.remotePort()));
                }
                snapshotLocked();
            } finally {
                e.unlock();
            }
            completed = c != null || !blocking || timed && isOpen() && !Thread.currentThread().isInterrupted();
        } finally {
            end(completed);
        }
        return accepted;
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        ServerSocketChannel k = kernel;
        if (k != null) {
            k.close();
        }
        StackEngine e = engine;
        TcpListener l = listener;
        if (e != null && l != null) {
            e.removeListenerPort(l.localPort());
            e.lock();
            try {
                long now = StackEngine.nowNs();
                l.listener(SocketListener.NONE);
                l.close(now);
                e.pollLocked(now);
                acceptable.signalLocked();
            } finally {
                e.unlock();
            }
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
        TcpListener l = listener;
        if (l != null && name == StandardSocketOptions.SO_RCVBUF) {
            StackEngine e = engine;
            e.lock();
            try {
                l.receiveBufferBytes(Options.clampBuffer((Integer) value));
            } finally {
                e.unlock();
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

    /** @return how often a blocking accept of this stack listener parked, 0 before bind (for tests) */
    long waitParks() {
        StackEngine e = engine;
        if (e == null) {
            return 0;
        }
        e.lock();
        try {
            return acceptable.parksLocked();
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
