package io.bypass.provider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@code getInputStream()} of a {@link BypassSocketAdaptor}: blocking reads of the channel
 * that honour the adaptor's {@code SO_TIMEOUT} ({@code sun.nio.ch.SocketInputStream}).
 */
final class AdaptorInputStream extends InputStream {
    private final BypassSocketChannel sc;
    private final BypassSocketAdaptor socket;

    AdaptorInputStream(BypassSocketChannel sc, BypassSocketAdaptor socket) {
        this.sc = sc;
        this.socket = socket;
    }

    @Override
    public int read() throws IOException {
        byte[] a = new byte[1];
        int n = read(a, 0, 1);
        return n > 0 ? a[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        // As the JDK's stream: the channel's exceptions pass through (closed, async close, timeout).
        return sc.blockingRead(ByteBuffer.wrap(b, off, len), socket.timeoutNs());
    }

    @Override
    public int available() throws IOException {
        return sc.available();
    }

    @Override
    public void close() throws IOException {
        sc.close();
    }
}
