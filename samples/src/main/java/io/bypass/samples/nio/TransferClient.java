package io.bypass.samples.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A plain java.nio client of {@link TransferServer} (blocking channels, nothing
 * Bypass-specific): a 64-byte ping-pong that prints the round-trip percentiles, then a bulk
 * transfer that prints its rate and the SHA-256 of what it sent beside the server's. The rate
 * is taken over the last three quarters of the transfer, from when the first quarter was
 * written until the server's digest arrived: the first quarter warms up the JIT (a user-space
 * stack is Java code to compile; the kernel's is not), as the ping-pong's first rounds do.
 * Exits with status 1 when an echo or the digests differ.
 */
public final class TransferClient {
    private static final int MESSAGE_BYTES = 64;
    private static final int CHUNK_BYTES = 1 << 20;

    private TransferClient() {
    }

    /**
     * @param args host, port, ping-pong rounds (half of them more are run first, unmeasured, to
     *             warm up), bulk MiB
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int rounds = Integer.parseInt(args[2]);
        int mib = Integer.parseInt(args[3]);
        boolean ok = pingPong(server, rounds) & bulk(server, mib);
        System.exit(ok ? 0 : 1);
    }

    private static boolean pingPong(InetSocketAddress server, int rounds) throws IOException {
        try (SocketChannel c = SocketChannel.open(server)) {
            c.socket().setTcpNoDelay(true);
            c.write(ByteBuffer.wrap(new byte[] {'P'}));
            ByteBuffer out = ByteBuffer.allocateDirect(MESSAGE_BYTES);
            ByteBuffer in = ByteBuffer.allocateDirect(MESSAGE_BYTES);
            int warmup = rounds / 2;
            long[] rttNs = new long[rounds];
            for (int i = 0; i < warmup + rounds; i++) {
                out.clear().putLong(0, i);
                in.clear();
                long startNs = System.nanoTime();
                while (out.hasRemaining()) {
                    c.write(out);
                }
                while (in.hasRemaining()) {
                    if (c.read(in) < 0) {
                        throw new IOException("server closed during the ping-pong");
                    }
                }
                long endNs = System.nanoTime();
                if (in.getLong(0) != i) {
                    System.out.println("pingpong: wrong echo in round " + i);
                    return false;
                }
                if (i >= warmup) {
                    rttNs[i - warmup] = endNs - startNs;
                }
            }
            Arrays.sort(rttNs);
            System.out.printf("pingpong %d x %d B: p50 %.1f us, p99 %.1f us%n", rounds, MESSAGE_BYTES,
                    rttNs[rounds / 2] / 1e3, rttNs[rounds * 99 / 100] / 1e3);
            return true;
        }
    }

    private static boolean bulk(InetSocketAddress server, int mib) throws Exception {
        byte[] chunk = new byte[CHUNK_BYTES];
        new SplittableRandom(mib).nextBytes(chunk);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < mib; i++) {
            sha.update(chunk);
        }
        String sent = HexFormat.of().formatHex(sha.digest());
        ByteBuffer out = ByteBuffer.allocateDirect(CHUNK_BYTES).put(chunk);
        ByteBuffer digest = ByteBuffer.allocate(32);
        try (SocketChannel c = SocketChannel.open(server)) {
            c.write(ByteBuffer.wrap(new byte[] {'B'}));
            int warmupMib = mib / 4;
            long startNs = System.nanoTime();
            for (int i = 0; i < mib; i++) {
                if (i == warmupMib) {
                    startNs = System.nanoTime();
                }
                out.flip();
                while (out.hasRemaining()) {
                    c.write(out);
                }
                out.limit(out.capacity());
            }
            c.shutdownOutput();
            while (digest.hasRemaining()) {
                if (c.read(digest) < 0) {
                    throw new IOException("server closed before its digest");
                }
            }
            long elapsedNs = System.nanoTime() - startNs;
            String received = HexFormat.of().formatHex(digest.array());
            System.out.printf("bulk %d MiB: %.2f Gbit/s, sha256 sent %s, server %s: %s%n", mib,
                    (mib - warmupMib) * (double) CHUNK_BYTES * 8 / elapsedNs, sent, received,
                    sent.equals(received) ? "match" : "MISMATCH");
            return sent.equals(received);
        }
    }
}
