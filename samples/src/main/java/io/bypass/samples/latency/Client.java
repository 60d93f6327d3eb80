package io.bypass.samples.latency;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/** The tool's client: one method per {@link Workload}, each against a running {@link Server}. */
public final class Client {
    /** Bytes sent between two looks at the JIT during the bulk warm-up. */
    private static final long BULK_WARMUP_STEP_BYTES = 16L << 20;
    /** Connections opened between two looks at the JIT during the connect warm-up. */
    private static final int CONNECT_WARMUP_STEP = 500;

    private final SelectorProvider provider;
    private final InetSocketAddress server;

    /**
     * @param provider the provider to open channels with (plain NIO: {@code SelectorProvider.provider()})
     * @param server   the server's address
     */
    public Client(SelectorProvider provider, InetSocketAddress server) {
        this.provider = provider;
        this.server = server;
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = provider.openSocketChannel();
        c.connect(server);
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return c;
    }

    /**
     * Ping-pong on one connection, selector-driven (as an event loop does).
     *
     * @param wait how the client's event loop waits for its selector
     * @return round-trip times in nanoseconds
     * @throws IOException on a network error
     */
    public Histogram rtt(int size, int warmup, int count, SelectWait wait) throws IOException {
        try (SocketChannel c = connect(); Selector sel = provider.openSelector()) {
            c.configureBlocking(false);
            c.register(sel, SelectionKey.OP_READ);
            return PingPong.measure(c, sel, size, warmup, count, wait);
        }
    }

    /**
     * Sends {@code warmupBytes} untimed, and more untimed until the JIT is idle
     * ({@link JitQuiet}), then {@code bytes} timed until the server's answer says all of it
     * arrived, on one blocking connection.
     *
     * @return the timed part's duration in nanoseconds
     * @throws IOException on a network error or a wrong byte count from the server
     */
    public long bulkNs(long warmupBytes, long bytes) throws IOException {
        try (SocketChannel c = connect()) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
            send(c, chunk, warmupBytes);
            long untimed = warmupBytes;
            JitQuiet jit = new JitQuiet(System.nanoTime());
            while (!jit.over(System.nanoTime())) {
                send(c, chunk, BULK_WARMUP_STEP_BYTES);
                untimed += BULK_WARMUP_STEP_BYTES;
            }
            System.err.println("bulk warm-up: " + untimed + " bytes, " + jit.summary(System.nanoTime()));
            long t0 = System.nanoTime();
            send(c, chunk, bytes);
            c.shutdownOutput();
            ByteBuffer answer = ByteBuffer.allocate(Long.BYTES);
            while (answer.hasRemaining()) {
                if (c.read(answer) < 0) {
                    throw new IOException("server closed without its byte count");
                }
            }
            long ns = System.nanoTime() - t0;
            long received = answer.flip().getLong();
            if (received != untimed + bytes) {
                throw new IOException("server received " + received + " bytes of " + (untimed + bytes));
            }
            return ns;
        }
    }

    private static void send(SocketChannel c, ByteBuffer chunk, long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), left));
            while (chunk.hasRemaining()) {
                left -= c.write(chunk);
            }
        }
    }

    /**
     * Opens a session connection, which the server keeps open (see {@link Server}), then
     * {@code warmup} connections and more until this JVM's JIT is idle ({@link JitQuiet}),
     * unmeasured, then {@code count} timed ones, and closes the session. Each connection waits
     * for the server's close (so the accept is part of it) and closes. The server closes
     * first, so TIME-WAIT stays on the server's side and the client's ephemeral ports are not
     * used up (once they wrap, the server lets a new SYN end a TIME-WAIT, RFC 6191).
     *
     * @return nanoseconds for the timed {@code count} connections
     * @throws IOException on a network error or data from the server
     */
    public long connectNs(int warmup, int count) throws IOException {
        try (SocketChannel session = connect()) {
            ByteBuffer one = ByteBuffer.allocate(1);
            openAndClose(warmup, one);
            long untimed = warmup;
            JitQuiet jit = new JitQuiet(System.nanoTime());
            while (!jit.over(System.nanoTime())) {
                openAndClose(CONNECT_WARMUP_STEP, one);
                untimed += CONNECT_WARMUP_STEP;
            }
            System.err.println("connect warm-up: " + untimed + " connections, " + jit.summary(System.nanoTime()));
            long t0 = System.nanoTime();
            openAndClose(count, one);
            return System.nanoTime() - t0;
        }
    }

    private void openAndClose(int connections, ByteBuffer one) throws IOException {
        for (int i = 0; i < connections; i++) {
            try (SocketChannel c = provider.openSocketChannel()) {
                c.connect(server);
                one.clear();
                if (c.read(one) >= 0) {
                    throw new IOException("the server sent data instead of closing");
                }
            }
        }
    }
}
