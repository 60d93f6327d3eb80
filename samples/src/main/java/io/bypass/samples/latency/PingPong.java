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
 * recorded (JIT compilation, first-touch of buffers), nor those after them until the JIT is
 * idle ({@link JitQuiet}).
 */
public final class PingPong {
    /** Longest round trip the histogram holds: one hour, in nanoseconds. */
    private static final long MAX_NS = 3_600_000_000_000L;
    /** Round trips between two looks at the JIT during the warm-up. */
    private static final int WARMUP_BATCH = 1000;

    private PingPong() {
    }

    /**
     * @param c        a connected, non-blocking channel registered for {@code OP_READ} with {@code selector}
     * @param selector the client's selector
     * @param size     message size in bytes
     * @param warmup   round trips before the wait for an idle JIT ({@link JitQuiet})
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
        for (int i = 0; i < warmup; i++) {
            roundTrip(c, selector, out, in, wait);
        }
        JitQuiet jit = new JitQuiet(System.nanoTime());
        long extra = 0;
        while (!jit.over(System.nanoTime())) {
            for (int i = 0; i < WARMUP_BATCH; i++) {
                roundTrip(c, selector, out, in, wait);
            }
            extra += WARMUP_BATCH;
        }
        System.err.println("rtt warm-up: " + warmup + " + " + extra + " round trips, " + jit.summary(System.nanoTime()));
        for (int i = 0; i < count; i++) {
            h.recordValue(roundTrip(c, selector, out, in, wait));
        }
        return h;
    }

    /** @return the round trip's nanoseconds */
    private static long roundTrip(SocketChannel c, Selector selector, ByteBuffer out, ByteBuffer in, SelectWait wait)
            throws IOException {
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
                throw new IOException("the server closed during the ping-pong");
            }
        }
        return System.nanoTime() - t0;
    }
}
