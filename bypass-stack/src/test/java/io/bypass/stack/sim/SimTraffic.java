package io.bypass.stack.sim;

import io.bypass.stack.StackConfig;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import java.nio.ByteBuffer;

/** What the simulation tests share: a host's settings on the /24, and a pattern stream written into a connection. */
final class SimTraffic {
    private SimTraffic() {
    }

    /** @return a stack at {@code ip}/24 with {@code mac} and {@code tcp} */
    static StackConfig config(String ip, String mac, TcpConfig tcp) {
        return StackConfig.builder().ip(ip).mac(mac).prefixLength(24).tcp(tcp).build();
    }

    /**
     * Writes the next bytes of {@code pattern} into {@code c}, through {@code buffer} (which holds
     * what the last call filled and the connection did not take), until {@code total} bytes are
     * sent or the connection takes no more now.
     *
     * @param sent bytes sent before this call
     * @return bytes sent by this call
     */
    static long send(TcpConnection c, ByteBuffer buffer, StreamPattern pattern, long sent, long total, long nowNs) {
        long n = 0;
        while (sent + n < total) {
            if (!buffer.hasRemaining()) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), total - sent - n));
                pattern.fill(buffer);
                buffer.flip();
            }
            int wrote = c.write(buffer, nowNs);
            if (wrote == 0) {
                break;
            }
            n += wrote;
        }
        return n;
    }
}
