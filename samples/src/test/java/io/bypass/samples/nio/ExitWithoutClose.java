package io.bypass.samples.nio;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A plain java.nio client of {@link TransferServer}'s bulk mode that writes its data and
 * exits without closing the connection, as many a program does: it relies on the operating
 * system to deliver what it wrote and to close the connection. Prints
 * {@code sent <n> MiB, sha256 <hex>} before it exits.
 */
public final class ExitWithoutClose {
    private ExitWithoutClose() {
    }

    /**
     * @param args host, port, MiB to send
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int mib = Integer.parseInt(args[2]);
        byte[] chunk = new byte[1 << 20];
        new SplittableRandom(mib).nextBytes(chunk);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SocketChannel c = SocketChannel.open(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
        c.write(ByteBuffer.wrap(new byte[] {'B'}));
        for (int i = 0; i < mib; i++) {
            sha.update(chunk);
            ByteBuffer out = ByteBuffer.wrap(chunk);
            while (out.hasRemaining()) {
                c.write(out);
            }
        }
        System.out.println("sent " + mib + " MiB, sha256 " + HexFormat.of().formatHex(sha.digest()));
        System.exit(0);
    }
}
