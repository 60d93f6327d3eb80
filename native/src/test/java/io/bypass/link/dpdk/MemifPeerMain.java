package io.bypass.link.dpdk;

import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The second JVM of {@link MemifTwoProcessTest}: a Bypass stack on the client end of a
 * {@code net_memif} socket, with its own EAL, that accepts one TCP connection, reads it to
 * the end and prints {@code sha256=<hex> bytes=<n>}. Exits 1 with the error on failure.
 *
 * <p>Arguments: memif socket path, our IP, TCP port.
 */
public final class MemifPeerMain {
    private MemifPeerMain() {
    }

    /**
     * Runs the sink.
     *
     * @param args socket path, our IP, port
     */
    public static void main(String[] args) throws Exception {
        try (DpdkLink link = DpdkLink.open(DpdkTests.spec("net_memif0,role=client,socket-abstract=no,socket="
                + args[0]))) {
            NetworkStack stack = new NetworkStack(StackConfig.builder().mac(link.macAddress()).ip(args[1]).prefixLength(24)
                    .build(), link, System.nanoTime());
            TcpListener listener = stack.tcp().listen(Ipv4Address.ANY, Integer.parseInt(args[2]), 0);
            System.out.println("listening");
            System.out.flush();
            long giveUpNs = System.nanoTime() + 120_000_000_000L;
            TcpConnection conn = null;
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            long bytes = 0;
            while (giveUpNs - System.nanoTime() > 0) {
                long nowNs = System.nanoTime();
                stack.poll(nowNs);
                if (conn == null) {
                    conn = listener.accept();
                    continue;
                }
                int n = conn.read(buffer.clear(), nowNs);
                if (n < 0) {
                    conn.close(nowNs);
                    System.out.println("sha256=" + HexFormat.of().formatHex(sha.digest()) + " bytes=" + bytes);
                    // Let our FIN and the last ACKs go out before the port closes.
                    long lingerNs = System.nanoTime() + 200_000_000L;
                    while (lingerNs - System.nanoTime() > 0) {
                        stack.poll(System.nanoTime());
                    }
                    System.exit(0);
                }
                sha.update(buffer.flip());
                bytes += n;
            }
            throw new IllegalStateException("gave up after 120 s with " + bytes + " bytes; counters " + stack.counters()
                    + " link " + link.deviceStats());
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
