package io.bypass.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * The {@link SocketImpl} our server socket adaptor hands its superclass, which insists on
 * one ({@code sun.nio.ch.DummySocketImpl}). It owns no file descriptor and every operation
 * fails, so nothing reaches the kernel through it; the adaptor overrides every method
 * anyway, so none is ever called.
 */
final class NoSocketImpl extends SocketImpl {
    private static SocketException unsupported() {
        return new SocketException("no kernel socket behind a Bypass adaptor");
    }

    @Override
    protected void create(boolean stream) throws IOException {
        throw unsupported();
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        throw unsupported();
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        throw unsupported();
    }

    @Override
    protected void connect(SocketAddress address, int timeout) throws IOException {
        throw unsupported();
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        throw unsupported();
    }

    @Override
    protected void listen(int backlog) throws IOException {
        throw unsupported();
    }

    @Override
    protected void accept(SocketImpl s) throws IOException {
        throw unsupported();
    }

    @Override
    protected InputStream getInputStream() throws IOException {
        throw unsupported();
    }

    @Override
    protected OutputStream getOutputStream() throws IOException {
        throw unsupported();
    }

    @Override
    protected int available() throws IOException {
        throw unsupported();
    }

    @Override
    protected void close() {
        // Nothing to close: there is no descriptor.
    }

    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw unsupported();
    }

    @Override
    public void setOption(int optID, Object value) throws SocketException {
        throw unsupported();
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        throw unsupported();
    }
}
