package io.bypass.samples.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A plain java.nio server for {@link TransferClient} (blocking channels, a thread per
 * connection, nothing Bypass-specific). A connection's first byte picks what it does:
 * {@code P} echoes every byte back until the client closes (ping-pong); {@code B} reads to
 * the end of the stream, prints {@code bulk: read <n> bytes, sha256 <hex>} and answers with
 * that SHA-256 (bulk). It binds the
 * wildcard address, prints {@code transfer server on port <n>}, serves the given number of
 * connections and exits.
 */
public final class TransferServer {
    private TransferServer() {
    }

    /**
     * @param args the port (0: any free one) and the number of connections to serve (default 2)
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(port))) {
            System.out.println("transfer server on port " + ((InetSocketAddress) server.getLocalAddress()).getPort());
            System.out.flush();
            Thread[] served = new Thread[connections];
            for (int i = 0; i < connections; i++) {
                SocketChannel c = server.accept();
                served[i] = Thread.ofPlatform().name("transfer-" + i).start(() -> serve(c));
            }
            for (Thread t : served) {
                t.join();
            }
        }
    }

    private static void serve(SocketChannel c) {
        try (c) {
            c.socket().setTcpNoDelay(true);
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            buf.limit(1);
            if (c.read(buf) < 0) {
                return;
            }
            byte mode = buf.get(0);
            if (mode == 'P') {
                echo(c, buf);
            } else if (mode == 'B') {
                sink(c, buf);
            } else {
                throw new IOException("unknown mode " + mode);
            }
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void echo(SocketChannel c, ByteBuffer buf) throws IOException {
        for (;;) {
            buf.clear();
            if (c.read(buf) < 0) {
                return;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                c.write(buf);
            }
        }
    }

    private static void sink(SocketChannel c, ByteBuffer direct) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        // A heap buffer: SHA-256 hashes a heap array in place, but copies a direct buffer's
        // bytes out in small pieces first, which made the digest the bottleneck of the transfer.
        ByteBuffer buf = ByteBuffer.allocate(direct.capacity());
        long read = 0;
        for (;;) {
            buf.clear();
            if (c.read(buf) < 0) {
                break;
            }
            sha.update(buf.array(), 0, buf.position());
            read += buf.position();
        }
        byte[] sum = sha.digest();
        System.out.println("bulk: read " + read + " bytes, sha256 " + HexFormat.of().formatHex(sum));
        ByteBuffer digest = ByteBuffer.wrap(sum);
        while (digest.hasRemaining()) {
            c.write(digest);
        }
    }
}
