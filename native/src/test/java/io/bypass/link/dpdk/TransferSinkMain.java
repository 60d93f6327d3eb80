package io.bypass.link.dpdk;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The second JVM of {@link MemifTwoProcessTest}: a Bypass stack on any link spec (the client
 * end of a {@code net_memif} socket with its own EAL, or side 1 of a shared-memory link)
 * that accepts one TCP connection, reads it to the end and prints
 * {@code sha256=<hex> bytes=<n>}, then one line of its counters ({@link #summary}). Exits 1
 * with the error on failure.
 *
 * <p>Arguments: link spec, our IP, TCP port, {@link IdlePolicy} of the poll loop.
 */
public final class TransferSinkMain {
    private static final long GIVE_UP_NS = 120_000_000_000L;
    /** After the last byte, long enough for our FIN and the last ACKs to leave before the link closes. */
    private static final long LINGER_NS = 200_000_000L;

    private TransferSinkMain() {
    }

    /**
     * Runs the sink.
     *
     * @param args link spec, our IP, port, idle policy
     */
    public static void main(String[] args) throws Exception {
        try {
            Link link = LinkFactory.open(args[0], LinkSettings.DEFAULTS);
            // Never closed here: System.exit ends the process, and with it the device, at once.
            int ip = Ipv4Address.parse(args[1]);
            NetworkStack stack = new NetworkStack(StackConfig.builder().mac(macOf(link, ip)).ip(ip).prefixLength(24)
                    .build(), link, System.nanoTime());
            TcpListener listener = stack.tcp().listen(Ipv4Address.ANY, Integer.parseInt(args[2]), 0);
            IdlePolicy idle = IdlePolicy.valueOf(args[3]);
            System.out.println("listening");
            System.out.flush();
            long giveUpNs = System.nanoTime() + GIVE_UP_NS;
            TcpConnection conn = null;
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            PollStalls stalls = new PollStalls();
            long bytes = 0;
            while (giveUpNs - System.nanoTime() > 0) {
                long nowNs = System.nanoTime();
                stack.poll(nowNs);
                if (conn == null) {
                    conn = listener.accept();
                    continue;
                }
                stalls.iteration(nowNs);
                int n = conn.read(buffer.clear(), nowNs);
                if (n < 0) {
                    conn.close(nowNs);
                    System.out.println("sha256=" + HexFormat.of().formatHex(sha.digest()) + " bytes=" + bytes);
                    long lingerNs = System.nanoTime() + LINGER_NS;
                    while (lingerNs - System.nanoTime() > 0) {
                        stack.poll(System.nanoTime());
                    }
                    System.out.println(summary(stack, link, stalls));
                    System.out.flush();
                    System.exit(0);
                }
                if (n == 0) {
                    idle.idle();
                } else {
                    sha.update(buffer.flip());
                    bytes += n;
                }
            }
            throw new IllegalStateException("gave up after 120 s with " + bytes + " bytes; " + summary(stack, link,
                    stalls));
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    /** @return the link's own MAC where it has one (a DPDK port), else 02:00 followed by the IP */
    static long macOf(Link link, int ip) {
        return link.macAddress() != 0 ? link.macAddress() : 0x02_00_00_00_00_00L | Integer.toUnsignedLong(ip);
    }

    /**
     * One line of what explains a transfer's rate: TCP's recoveries (retransmissions, by
     * timeout or fast), the link's drops by reason, and the poll loop's stalls.
     *
     * @return e.g. {@code tcp: 46350 segments out, ... 0 resent after 0 timeouts, 0 fast retransmits; link: ...; loop: ...}
     */
    static String summary(NetworkStack stack, Link link, PollStalls stalls) {
        return String.format("tcp: %d segments out, %d in, %d resent after %d timeouts, %d fast retransmits;"
                        + " link: %d frames out, %d in, drops tx ring full %d, rx no buffer %d, rx oversize %d,"
                        + " rx checksum %d; loop: %s",
                stack.counters().get(Counter.TCP_SEGMENTS_OUT), stack.counters().get(Counter.TCP_SEGMENTS_IN),
                stack.counters().get(Counter.TCP_RETRANSMITS), stack.counters().get(Counter.TCP_TIMEOUTS),
                stack.counters().get(Counter.TCP_FAST_RETRANSMITS), link.stats().get(LinkCounter.TX_FRAMES),
                link.stats().get(LinkCounter.RX_FRAMES), link.stats().get(LinkCounter.TX_DROP_RING_FULL),
                link.stats().get(LinkCounter.RX_DROP_NO_BUFFER), link.stats().get(LinkCounter.RX_DROP_OVERSIZE),
                link.stats().get(LinkCounter.RX_DROP_CHECKSUM), stalls);
    }
}
