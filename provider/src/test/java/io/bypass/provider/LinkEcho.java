package io.bypass.provider;

import io.bypass.stack.wire.Ipv4Address;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * What the link tests share: a provider on one end of a link, a connection between two such
 * providers, an echo on it (blocking, or selector-driven) and the client's ping-pong of
 * fixed-size messages.
 *
 * @param listener the server provider's listener
 * @param client   the client provider's end
 * @param server   the accepted end
 */
record LinkEcho(ServerSocketChannel listener, SocketChannel client, SocketChannel server) implements AutoCloseable {
    /**
     * A provider on end {@code side} of the link in {@code file}, at {@code ip}, accelerating
     * connections to its /24 and every bind.
     *
     * @param scheme     the link's scheme in {@code bypass.link} ({@code shm}, or a test link's)
     * @param spinMicros {@code bypass.spin}
     */
    static BypassSelectorProvider provider(Path file, String scheme, int side, int ip, int spinMicros) {
        Properties p = new Properties();
        p.setProperty("bypass.link", scheme + ":" + file + "?side=" + side);
        p.setProperty("bypass.ip", Ipv4Address.toString(ip));
        p.setProperty("bypass.rules.inline", "connect " + Ipv4Address.toString(ip & 0xffffff00) + "/24 *; bind * *");
        p.setProperty("bypass.spin", Integer.toString(spinMicros));
        return new BypassSelectorProvider(BypassConfig.from(p));
    }

    /** Connects a client of {@code clientSide} to a listener of {@code serverSide} at {@code serverIp}. */
    static LinkEcho connect(BypassSelectorProvider clientSide, BypassSelectorProvider serverSide, int serverIp)
            throws IOException {
        ServerSocketChannel ssc = serverSide.openServerSocketChannel().bind(new InetSocketAddress(0));
        SocketChannel c = clientSide.openSocketChannel();
        c.connect(new InetSocketAddress(Addresses.inet(serverIp), ((InetSocketAddress) ssc.getLocalAddress()).getPort()));
        return new LinkEcho(ssc, c, ssc.accept());
    }

    /** Echoes {@code rounds} messages of {@code size} bytes with blocking reads, then closes the server end. */
    CompletableFuture<Void> blockingEcho(int rounds, int size) {
        return CompletableFuture.runAsync(() -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            try (SocketChannel s = server) {
                for (int i = 0; i < rounds; i++) {
                    readFully(s, buf);
                    s.write(buf);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Echoes {@code bytes} bytes, driven by {@code sel} (which holds the non-blocking server end
     * for OP_READ), then closes the server end and the selector.
     */
    CompletableFuture<Void> selectorEcho(Selector sel, int bytes, int size) {
        return CompletableFuture.runAsync(() -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            try (SocketChannel s = server; Selector closing = sel) {
                for (int echoed = 0; echoed < bytes; ) {
                    sel.select();
                    sel.selectedKeys().clear();
                    buf.clear();
                    int n = s.read(buf);
                    buf.flip();
                    while (buf.hasRemaining()) {
                        s.write(buf);
                    }
                    echoed += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The client's side: {@code rounds} times, writes {@code buf}'s capacity and reads the echo back. */
    void pingPong(ByteBuffer buf, int rounds) throws IOException {
        for (int i = 0; i < rounds; i++) {
            buf.clear();
            client.write(buf);
            readFully(client, buf);
        }
    }

    /** Reads until {@code b} is full, then flips it. */
    static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        b.clear();
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException();
            }
        }
        b.flip();
    }

    @Override
    public void close() throws IOException {
        try (listener; client; server) {
            // closes all three
        }
    }
}
