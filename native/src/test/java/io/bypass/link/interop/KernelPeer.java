package io.bypass.link.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * The kernel's end of the interop tests: a small program run with the JDK inside the test's
 * network namespace ({@code ip netns exec <ns> java ...}), so that its sockets are the Linux
 * kernel's TCP/IP talking over the test's interface (TAP or veth) to our stack. It prints one result line
 * ({@code sha256=<hex> bytes=<n> ms=<t>} or {@code ok ...}) and exits 0, or exits 1 with the error.
 *
 * <p>Modes: {@code ping ip count}, {@code send ip port bytes}, {@code sink port},
 * {@code serve-send port bytes}, {@code echo-clients ip port connections}.
 */
public final class KernelPeer {
    /** Chunk of the bulk stream; both ends draw the same bytes from the same seed. */
    public static final int CHUNK = 64 * 1024;
    /** Seed of the bulk stream. */
    public static final long SEED = 77;

    private KernelPeer() {
    }

    /**
     * Runs one mode.
     *
     * @param args mode and its arguments
     */
    public static void main(String[] args) throws Exception {
        try {
            String result = switch (args[0]) {
                case "ping" -> ping(args[1], Integer.parseInt(args[2]));
                case "send" -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 10_000);
                        yield send(s.getOutputStream(), Long.parseLong(args[3]));
                    }
                }
                case "sink" -> {
                    try (ServerSocket server = listen(Integer.parseInt(args[1])); Socket s = server.accept()) {
                        yield sink(s.getInputStream());
                    }
                }
                case "serve-send" -> {
                    try (ServerSocket server = listen(Integer.parseInt(args[1])); Socket s = server.accept()) {
                        yield send(s.getOutputStream(), Long.parseLong(args[2]));
                    }
                }
                case "echo-clients" -> echoClients(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                default -> throw new IllegalArgumentException("mode " + args[0]);
            };
            System.out.println(result);
            System.out.flush();
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port));
        System.out.println("listening");
        System.out.flush();
        return server;
    }

    /** Echo requests from a raw ICMP socket: the JDK uses one when it runs as root. */
    private static String ping(String ip, int count) throws IOException {
        InetAddress address = InetAddress.getByName(ip);
        int replies = 0;
        for (int i = 0; i < count; i++) {
            if (address.isReachable(2000)) {
                replies++;
            }
        }
        return "ok replies=" + replies;
    }

    static String send(OutputStream out, long bytes) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(SEED);
        byte[] chunk = new byte[CHUNK];
        long start = System.nanoTime();
        for (long left = bytes; left > 0; ) {
            random.nextBytes(chunk);
            int n = (int) Math.min(left, CHUNK);
            out.write(chunk, 0, n);
            sha.update(chunk, 0, n);
            left -= n;
        }
        out.flush();
        return result(sha, bytes, start);
    }

    private static String sink(InputStream in) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        long start = System.nanoTime();
        for (int n; (n = in.read(buffer)) >= 0; ) {
            sha.update(buffer, 0, n);
            total += n;
        }
        return result(sha, total, start);
    }

    static String result(MessageDigest sha, long bytes, long startNs) {
        return "sha256=" + HexFormat.of().formatHex(sha.digest()) + " bytes=" + bytes + " ms="
                + (System.nanoTime() - startNs) / 1_000_000;
    }

    /** Opens all connections at once, sends a line on each, checks the echo, then closes all. */
    private static String echoClients(String ip, int port, int count) throws IOException {
        try (Selector selector = Selector.open()) {
            SocketChannel[] channels = new SocketChannel[count];
            for (int i = 0; i < count; i++) {
                channels[i] = SocketChannel.open();
                channels[i].configureBlocking(false);
                channels[i].connect(new InetSocketAddress(ip, port));
                channels[i].register(selector, SelectionKey.OP_CONNECT, i);
            }
            ByteBuffer[] received = new ByteBuffer[count];
            int done = 0;
            long deadlineNs = System.nanoTime() + 60_000_000_000L;
            while (done < count) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IOException("echoed " + done + " of " + count);
                }
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel ch = (SocketChannel) key.channel();
                    int i = (Integer) key.attachment();
                    if (key.isConnectable()) {
                        ch.finishConnect();
                        ch.write(ByteBuffer.wrap(message(i)));
                        received[i] = ByteBuffer.allocate(message(i).length);
                        key.interestOps(SelectionKey.OP_READ);
                    } else if (key.isReadable()) {
                        if (ch.read(received[i]) < 0) {
                            throw new IOException("connection " + i + " closed early");
                        }
                        if (!received[i].hasRemaining()) {
                            if (!java.util.Arrays.equals(received[i].array(), message(i))) {
                                throw new IOException("connection " + i + " echoed other bytes");
                            }
                            key.cancel();
                            done++;
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            for (SocketChannel ch : channels) {
                ch.close();
            }
            return "ok echoed=" + done;
        }
    }

    private static byte[] message(int i) {
        return ("hello from kernel connection " + i + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
