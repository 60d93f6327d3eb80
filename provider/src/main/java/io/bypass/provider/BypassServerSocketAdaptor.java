package io.bypass.provider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code socket()} of a {@link BypassServerSocketChannel}: a {@link ServerSocket} view of the
 * channel, as {@code sun.nio.ch.ServerSocketAdaptor} is for the JDK's. Every method of
 * {@link ServerSocket} is overridden and goes to the channel; the superclass holds a
 * {@link NoSocketImpl}, so no kernel socket is ever created behind the adaptor.
 * {@code accept} honours {@code SO_TIMEOUT}.
 */
final class BypassServerSocketAdaptor extends ServerSocket {
    private final BypassServerSocketChannel ssc;
    private volatile int timeoutMs;

    BypassServerSocketAdaptor(BypassServerSocketChannel ssc) {
        super(new NoSocketImpl());
        this.ssc = ssc;
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        bind(local, 50);
    }

    @Override
    public void bind(SocketAddress local, int backlog) throws IOException {
        try {
            ssc.bind(local == null ? new InetSocketAddress(0) : local, backlog);
        } catch (RuntimeException e) {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress l = ssc.localAddressOrNull();
        return l == null ? null : l.getAddress();
    }

    @Override
    public int getLocalPort() {
        InetSocketAddress l = ssc.localAddressOrNull();
        return l == null ? -1 : l.getPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ssc.localAddressOrNull();
    }

    @Override
    public Socket accept() throws IOException {
        SocketChannel sc;
        try {
            int timeout = timeoutMs;
            if (timeout > 0) {
                sc = ssc.blockingAccept(TimeUnit.MILLISECONDS.toNanos(timeout));
            } else {
                // As the JDK's adaptor: a non-blocking channel still accepts a connection that is ready.
                sc = ssc.accept();
                if (sc == null) {
                    throw new IllegalBlockingModeException();
                }
            }
        } catch (java.nio.channels.NotYetBoundException e) {
            throw SocketExceptions.translate(e);
        }
        return sc.socket();
    }

    @Override
    public void close() throws IOException {
        ssc.close();
    }

    @Override
    public ServerSocketChannel getChannel() {
        return ssc;
    }

    @Override
    public boolean isBound() {
        return ssc.localAddressOrNull() != null;
    }

    @Override
    public boolean isClosed() {
        return !ssc.isOpen();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (!ssc.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        timeoutMs = timeout;
    }

    @Override
    public int getSoTimeout() throws SocketException {
        if (!ssc.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        return timeoutMs;
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        try {
            ssc.setOption(StandardSocketOptions.SO_REUSEADDR, on);
        } catch (IOException e) {
            throw SocketExceptions.socket(e);
        }
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        try {
            return ssc.getOption(StandardSocketOptions.SO_REUSEADDR);
        } catch (IOException e) {
            throw SocketExceptions.socket(e);
        }
    }

    @Override
    public String toString() {
        return isBound() ? "ServerSocket[addr=" + getInetAddress() + ",localport=" + getLocalPort() + "]"
                : "ServerSocket[unbound]";
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("size cannot be 0 or negative");
        }
        try {
            ssc.setOption(StandardSocketOptions.SO_RCVBUF, size);
        } catch (IOException e) {
            throw SocketExceptions.socket(e);
        }
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        try {
            return ssc.getOption(StandardSocketOptions.SO_RCVBUF);
        } catch (IOException e) {
            throw SocketExceptions.socket(e);
        }
    }

    /** Ignored, as by the JDK's server sockets. */
    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        // Nothing: neither the JDK nor the stack has a use for these preferences.
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        ssc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ssc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ssc.supportedOptions();
    }
}
