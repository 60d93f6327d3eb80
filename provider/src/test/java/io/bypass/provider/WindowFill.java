package io.bypass.provider;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A writer whose reader does not read: fills the peer's window and its own send buffer. */
final class WindowFill {
    private WindowFill() {
    }

    /**
     * Writes 64 KiB chunks to the non-blocking {@code c} until {@code idleMs} one-millisecond
     * pauses in a row let it write nothing more.
     *
     * @return bytes written
     */
    static long untilClosed(SocketChannel c, int idleMs) throws IOException, InterruptedException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long written = 0;
        for (int idle = 0; idle < idleMs; idle++) {
            int n = c.write(chunk.clear());
            written += n;
            if (n > 0) {
                idle = 0;
            } else {
                Thread.sleep(1);
            }
        }
        return written;
    }
}
