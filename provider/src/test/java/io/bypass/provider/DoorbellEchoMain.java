package io.bypass.provider;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Properties;

/**
 * The child JVM of {@link LinkDoorbellTwoJvmTest}: a provider on side 1 of the shm file given,
 * without spinning, that accepts one connection, echoes {@code rounds} messages of
 * {@code size} bytes with blocking reads and writes, and prints its stats line.
 */
public final class DoorbellEchoMain {
    private DoorbellEchoMain() {
    }

    /**
     * @param args the shm file, this end's IP, the rounds, the message size
     * @throws Exception on any failure (the parent sees the exit status and the output)
     */
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("bypass.link", "shm:" + args[0] + "?side=1");
        p.setProperty("bypass.ip", args[1]);
        p.setProperty("bypass.rules.inline", "bind * *");
        p.setProperty("bypass.spin", "0");
        BypassSelectorProvider provider = new BypassSelectorProvider(BypassConfig.from(p));
        int rounds = Integer.parseInt(args[2]);
        ByteBuffer buf = ByteBuffer.allocateDirect(Integer.parseInt(args[3]));
        try (ServerSocketChannel ssc = provider.openServerSocketChannel().bind(new InetSocketAddress(0))) {
            System.out.println("port " + ((InetSocketAddress) ssc.getLocalAddress()).getPort());
            try (SocketChannel s = ssc.accept()) {
                for (int i = 0; i < rounds; i++) {
                    buf.clear();
                    while (buf.hasRemaining()) {
                        if (s.read(buf) < 0) {
                            throw new java.io.EOFException("after " + i + " rounds");
                        }
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        s.write(buf);
                    }
                }
            }
        }
        System.out.println(provider.statsLine());
        provider.shutdown();
    }
}
