package io.bypass.provider;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@code getOutputStream()} of a {@link BypassSocketAdaptor}: blocking writes of the whole
 * array ({@code sun.nio.ch.SocketOutputStream}).
 */
final class AdaptorOutputStream extends OutputStream {
    private final BypassSocketChannel sc;

    AdaptorOutputStream(BypassSocketChannel sc) {
        this.sc = sc;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        sc.blockingWrite(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void close() throws IOException {
        sc.close();
    }
}
