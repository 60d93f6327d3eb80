package io.bypass.samples.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A plain java.nio echo client (blocking channel, nothing Bypass-specific); its
 * {@code main} starts an {@link EchoServer} in a thread, sends messages through it and
 * checks every echo, then prints {@code echo ok <n> messages}.
 */
public final class EchoClient {
    private EchoClient() {
    }

    /**
     * Sends {@code messages} lines to {@code server} and checks that each comes back.
     *
     * @return the number of bytes echoed
     * @throws IOException on a network error or a wrong echo
     */
    public static long exchange(InetSocketAddress server, int messages) throws IOException {
        long bytes = 0;
        try (SocketChannel c = SocketChannel.open(server)) {
            ByteBuffer in = ByteBuffer.allocate(256);
            for (int i = 0; i < messages; i++) {
                byte[] msg = ("message " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                c.write(ByteBuffer.wrap(msg));
                in.clear().limit(msg.length);
                while (in.hasRemaining()) {
                    if (c.read(in) < 0) {
                        throw new IOException("server closed early");
                    }
                }
                if (!java.util.Arrays.equals(msg, 0, msg.length, in.array(), 0, msg.length)) {
                    throw new IOException("wrong echo for message " + i);
                }
                bytes += msg.length;
            }
        }
        return bytes;
    }

    /**
     * Runs a server and a client in this JVM.
     *
     * @param args optional: the number of messages (default 100)
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        EchoServer server = new EchoServer(1);
        Thread t = new Thread(server, "echo-server");
        t.start();
        exchange(server.address(), messages);
        t.join();
        System.out.println("echo ok " + messages + " messages");
    }
}
