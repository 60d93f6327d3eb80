package io.bypass.samples.nio;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * A plain java.nio echo server: one selector, non-blocking channels, nothing Bypass-specific.
 * It serves {@code connections} clients and then returns, so a program can run it in a
 * thread next to its client.
 */
public final class EchoServer implements Runnable {
    private final ServerSocketChannel server;
    private final int connections;

    /**
     * Binds the server on a loopback port chosen by the system.
     *
     * @param connections how many connections to serve before stopping
     * @throws IOException if the bind fails
     */
    public EchoServer(int connections) throws IOException {
        this.server = ServerSocketChannel.open();
        this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.connections = connections;
    }

    /** @return the address clients connect to */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    @Override
    public void run() {
        try (Selector selector = Selector.open(); ServerSocketChannel ssc = server) {
            ssc.configureBlocking(false);
            ssc.register(selector, SelectionKey.OP_ACCEPT);
            ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
            int closed = 0;
            while (closed < connections) {
                selector.select();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isAcceptable()) {
                        SocketChannel c = ssc.accept();
                        if (c != null) {
                            c.configureBlocking(false);
                            c.register(selector, SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        SocketChannel c = (SocketChannel) key.channel();
                        buf.clear();
                        int n = c.read(buf);
                        if (n < 0) {
                            c.close();
                            closed++;
                        } else {
                            buf.flip();
                            while (buf.hasRemaining()) {
                                c.write(buf);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Runs the server on a loopback port and prints the port.
     *
     * @param args optional: the number of connections to serve (default 1)
     * @throws IOException if the bind fails
     */
    public static void main(String[] args) throws IOException {
        EchoServer s = new EchoServer(args.length > 0 ? Integer.parseInt(args[0]) : 1);
        System.out.println("echo server on " + s.address());
        s.run();
    }
}
