package io.bypass.link.shm;

import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The server JVM of {@link TwoJvmShmTest}: attaches to the link file, listens on
 * {@link ShmHost#PORT} and serves one connection, driving its stack in a busy loop.
 * {@code echo} sends every byte back; {@code sink} reads to the end of the stream and answers
 * with the SHA-256 of what it read. Exits when the connection is done or the client's end
 * of the link goes away.
 */
public final class ShmPeerMain {
    private ShmPeerMain() {
    }

    /**
     * @param args the link file, {@code echo} or {@code sink}, and optionally the MTU and the MSS cap
     * @throws Exception on any failure (the parent test sees the exit code)
     */
    public static void main(String[] args) throws Exception {
        boolean echo = args[1].equals("echo");
        int mtu = args.length > 2 ? Integer.parseInt(args[2]) : ShmHost.config().mtu();
        try (ShmLink link = ShmLink.open(Path.of(args[0]), ShmHost.config(mtu))) {
            ShmHost host = new ShmHost(link, true, args.length > 3 ? Integer.parseInt(args[3]) : mtu - 40);
            TcpListener listener = host.stack.tcp().listen(0, ShmHost.PORT, 0);
            System.out.println("attached side " + link.side());
            System.out.flush();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).limit(0);
            TcpConnection c = null;
            boolean seenPeer = false;
            while (true) {
                host.poll();
                seenPeer |= link.peerState() == PeerState.UP;
                if (seenPeer && link.peerState() != PeerState.UP) {
                    return;
                }
                if (c == null) {
                    c = listener.accept();
                    if (c != null) {
                        c.setNoDelay(true);
                    }
                    continue;
                }
                long nowNs = System.nanoTime();
                if (echo) {
                    // buffer is in read mode: what was received and not yet sent back.
                    if (!buffer.hasRemaining()) {
                        int n = c.read(buffer.clear(), nowNs);
                        buffer.flip();
                        if (n < 0) {
                            c.close(nowNs);
                            finish(host);
                            return;
                        }
                    }
                    if (buffer.hasRemaining()) {
                        c.write(buffer, nowNs);
                    }
                } else {
                    int n = c.read(buffer.clear(), nowNs);
                    if (n > 0) {
                        sha.update(buffer.flip());
                    } else if (n < 0) {
                        c.write(ByteBuffer.wrap(sha.digest()), nowNs);
                        c.close(nowNs);
                        finish(host);
                        return;
                    }
                }
            }
        }
    }

    /** Polls a little longer so that the last segments and the FIN leave. */
    private static void finish(ShmHost host) {
        long endNs = System.nanoTime() + 500_000_000L;
        while (endNs - System.nanoTime() > 0) {
            host.poll();
        }
    }
}
