package io.bypass.samples.latency;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Iterator;

/**
 * The tool's server: one selector, non-blocking channels. Per {@link Workload} it echoes
 * ({@code rtt}), counts what arrives and answers the 8-byte total at end of stream
 * ({@code bulk}), or closes each connection as it accepts it ({@code connect}: all but a
 * client's first, its session, which stays open while the client opens and closes the
 * others, so that the client decides how many it opens). It returns after
 * {@code connections} clients have ended their connection, or their session (0: never). Its
 * selector blocks or busy-polls ({@link SelectWait}).
 */
public final class Server implements Runnable {
    private final ServerSocketChannel listener;
    private final Selector selector;
    private final Workload workload;
    private final long connections;
    private final SelectWait wait;
    /** The open session connection of the connect workload's client, null between clients. */
    private SocketChannel session;
    /** One read buffer for every connection: the server is one thread. */
    private final ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);

    /**
     * Binds the listener.
     *
     * @param provider    the provider to open channels with (plain NIO: {@code SelectorProvider.provider()})
     * @param address     where to listen; port 0 picks one
     * @param workload    what to do with each connection
     * @param connections clients to serve before {@link #run} returns; 0 serves forever
     * @param wait        how the event loop waits for its selector
     * @throws IOException if the bind fails
     */
    public Server(SelectorProvider provider, InetSocketAddress address, Workload workload, long connections,
                  SelectWait wait) throws IOException {
        this.listener = provider.openServerSocketChannel();
        // A backlog that holds a burst of connection-rate clients.
        this.listener.bind(address, 1024);
        this.selector = provider.openSelector();
        this.workload = workload;
        this.connections = connections;
        this.wait = wait;
    }

    /** @return the bound address */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    @Override
    public void run() {
        try (Selector sel = selector; ServerSocketChannel ssc = listener) {
            ssc.configureBlocking(false);
            ssc.register(sel, SelectionKey.OP_ACCEPT);
            long ended = 0;
            while (connections == 0 || ended < connections) {
                wait.select(sel);
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isAcceptable()) {
                        accept(ssc, sel);
                    } else if (key.isReadable()) {
                        ended += read(key);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Accepts what waits: closes it at once (connect workload), or registers it for reading. */
    private void accept(ServerSocketChannel ssc, Selector sel) throws IOException {
        SocketChannel c;
        while ((c = ssc.accept()) != null) {
            if (workload == Workload.CONNECT) {
                if (session != null) {
                    c.close();
                    continue;
                }
                session = c;
            }
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.configureBlocking(false);
            c.register(sel, SelectionKey.OP_READ, new long[1]);
        }
    }

    /** @return 1 when the connection ended */
    private int read(SelectionKey key) throws IOException {
        SocketChannel c = (SocketChannel) key.channel();
        long[] received = (long[]) key.attachment();
        buf.clear();
        int n = c.read(buf);
        if (n < 0) {
            if (workload == Workload.BULK) {
                // The client times the transfer until this answer: everything arrived.
                buf.clear();
                buf.putLong(received[0]).flip();
                writeFully(c, buf);
            }
            c.close();
            if (c == session) {
                session = null;
            }
            return 1;
        }
        received[0] += n;
        if (workload == Workload.RTT) {
            buf.flip();
            writeFully(c, buf);
        }
        return 0;
    }

    /** Small echoes and the 8-byte answer fit the send buffer; the loop covers a full one. */
    private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.write(b) == 0) {
                Thread.onSpinWait();
            }
        }
    }
}
