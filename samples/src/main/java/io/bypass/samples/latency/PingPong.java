package io.bypass.samples.latency;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * The client side of the ping-pong: write a message, select (blocking or busy-polling, see
 * {@link SelectWait}) until the whole echo is back,
 * record the round trip in nanoseconds. The first {@code warmup} round trips are not
 * recorded (JIT compilation, first-touch of buffers).
 */
public final class PingPong {
    /** Longest round trip the histogram holds: one hour, in nanoseconds. */
    private static final long MAX_NS = 3_600_000_000_000L;

    private PingPong() {
    }

    /**
     * @param c        a connected, non-blocking channel registered for {@code OP_READ} with {@code selector}
     * @param selector the client's selector
     * @param size     message size in bytes
     * @param warmup   round trips before recording
     * @param count    round trips recorded
     * @param wait     how to wait for the selector
     * @return round-trip times in nanoseconds, 3 significant digits
     * @throws IOException if the server closes early or the network fails
     */
    public static Histogram measure(SocketChannel c, Selector selector, int size, int warmup, int count,
                                    SelectWait wait) throws IOException {
        Histogram h = new Histogram(MAX_NS, 3);
        ByteBuffer out = ByteBuffer.allocateDirect(size);
        ByteBuffer in = ByteBuffer.allocateDirect(size);
        int total = warmup + count;
        for (int i = 0; i < total; i++) {
            long t0 = System.nanoTime();
            out.clear();
            while (out.hasRemaining()) {
                c.write(out);
            }
            in.clear();
            while (in.hasRemaining()) {
                wait.select(selector);
                selector.selectedKeys().clear();
                if (c.read(in) < 0) {
                    throw new IOException("server closed after " + i + " round trips");
                }
            }
            if (i >= warmup) {
                h.recordValue(System.nanoTime() - t0);
            }
        }
        return h;
    }
}
