package io.bypass.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code socket()} of a {@link BypassSocketChannel}: a {@link Socket} view of the channel, as
 * {@code sun.nio.ch.SocketAdaptor} is for the JDK's. Every method of {@link Socket} is
 * overridden (in the order {@code Socket} declares them) and goes to the channel, so the
 * superclass never gets a {@code SocketImpl} and no kernel socket is ever created behind
 * the adaptor. Reads and accepts honour {@code SO_TIMEOUT}; the streams need blocking mode.
 */
final class BypassSocketAdaptor extends Socket {
    private final BypassSocketChannel sc;
    private volatile int timeoutMs;

    /** @throws SocketException never: Socket's constructor declares it for a non-null impl */
    BypassSocketAdaptor(BypassSocketChannel sc) throws SocketException {
        super(noImpl());
        this.sc = sc;
    }

    /** A null impl: {@code Socket(SocketImpl)} then creates nothing. */
    private static SocketImpl noImpl() {
        return null;
    }

    private InetSocketAddress local() {
        try {
            return sc.localAddressOrNull();
        } catch (IOException e) {
            return null;
        }
    }

    private InetSocketAddress remote() {
        try {
            return sc.remoteAddressOrNull();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void connect(SocketAddress remote) throws IOException {
        connect(remote, 0);
    }

    @Override
    public void connect(SocketAddress remote, int timeout) throws IOException {
        if (remote == null) {
            throw new IllegalArgumentException("connect: The address can't be null");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        if (remote instanceof InetSocketAddress isa && isa.isUnresolved()) {
            if (!sc.isOpen()) {
                throw new SocketException("Socket is closed");
            }
            if (sc.isConnected()) {
                throw new SocketException("Already connected");
            }
            close();
            throw new UnknownHostException(isa.getHostName());
        }
        try {
            sc.blockingConnect(remote, TimeUnit.MILLISECONDS.toNanos(timeout));
        } catch (RuntimeException e) {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        try {
            sc.bind(local);
        } catch (RuntimeException e) {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress r = remote();
        return r == null ? null : r.getAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        InetSocketAddress l = sc.isOpen() ? local() : null;
        return l != null ? l.getAddress() : new InetSocketAddress(0).getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress r = remote();
        return r == null ? 0 : r.getPort();
    }

    @Override
    public int getLocalPort() {
        InetSocketAddress l = local();
        return l == null ? -1 : l.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local();
    }

    @Override
    public SocketChannel getChannel() {
        return sc;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        checkStreamable();
        if (sc.isInputShutdown()) {
            throw new SocketException("Socket input is shutdown");
        }
        return new AdaptorInputStream(sc, this);
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        checkStreamable();
        if (sc.isOutputShutdown()) {
            throw new SocketException("Socket output is shutdown");
        }
        return new AdaptorOutputStream(sc);
    }

    private void checkStreamable() throws SocketException {
        if (!sc.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        if (!sc.isConnected()) {
            throw new SocketException("Socket is not connected");
        }
    }

    /** @return SO_TIMEOUT in nanoseconds, 0 for none */
    long timeoutNs() {
        return TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    }

    private <T> void set(SocketOption<T> name, T value) throws SocketException {
        try {
            sc.setOption(name, value);
        } catch (IOException e) {
            throw SocketExceptions.socket(e);
        }
    }

    private <T> T get(SocketOption<T> name) throws SocketException {
        try {
            return sc.getOption(name);
        } catch (IOException e) {
            throw SocketExceptions.socket(e);
        }
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        set(StandardSocketOptions.TCP_NODELAY, on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return get(StandardSocketOptions.TCP_NODELAY);
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        set(StandardSocketOptions.SO_LINGER, on ? linger : -1);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return get(StandardSocketOptions.SO_LINGER);
    }

    /** Urgent data: the kernel channel's adaptor sends it; the stack has no urgent pointer. */
    @Override
    public void sendUrgentData(int data) throws IOException {
        SocketChannel k = (SocketChannel) sc.kernelChannel();
        if (k == null) {
            throw new SocketException("Urgent data not supported by the Bypass stack");
        }
        k.socket().sendUrgentData(data);
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        SocketChannel k = (SocketChannel) sc.kernelChannel();
        if (k != null) {
            k.socket().setOOBInline(on);
        } else if (on) {
            throw new SocketException("SO_OOBINLINE not supported by the Bypass stack");
        }
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        SocketChannel k = (SocketChannel) sc.kernelChannel();
        return k != null && k.socket().getOOBInline();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (!sc.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        timeoutMs = timeout;
    }

    @Override
    public int getSoTimeout() throws SocketException {
        if (!sc.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        return timeoutMs;
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid send size");
        }
        set(StandardSocketOptions.SO_SNDBUF, size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_SNDBUF);
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("Invalid receive size");
        }
        set(StandardSocketOptions.SO_RCVBUF, size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_KEEPALIVE, on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return get(StandardSocketOptions.SO_KEEPALIVE);
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        set(StandardSocketOptions.IP_TOS, tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return get(StandardSocketOptions.IP_TOS);
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return get(StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void close() throws IOException {
        sc.close();
    }

    @Override
    public void shutdownInput() throws IOException {
        try {
            sc.shutdownInput();
        } catch (RuntimeException e) {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        try {
            sc.shutdownOutput();
        } catch (RuntimeException e) {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public String toString() {
        if (sc.isConnected()) {
            return "Socket[addr=" + getInetAddress() + ",port=" + getPort() + ",localport=" + getLocalPort() + "]";
        }
        return "Socket[unconnected]";
    }

    @Override
    public boolean isConnected() {
        return sc.isConnected();
    }

    @Override
    public boolean isBound() {
        return local() != null;
    }

    @Override
    public boolean isClosed() {
        return !sc.isOpen();
    }

    @Override
    public boolean isInputShutdown() {
        return sc.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return sc.isOutputShutdown();
    }

    /** Ignored, as by the JDK's sockets. */
    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        // Nothing: neither the JDK nor the stack has a use for these preferences.
    }

    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
        sc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return sc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return sc.supportedOptions();
    }
}
