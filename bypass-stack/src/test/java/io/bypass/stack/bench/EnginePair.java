package io.bypass.stack.bench;

import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.InMemoryLink;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.tcp.TcpState;
import io.bypass.stack.wire.Ipv4Address;
import java.lang.foreign.Arena;

/**
 * Two complete stacks (Ethernet, ARP, IPv4, TCP) joined by an {@link InMemoryLink}, driven
 * by one thread on a virtual clock: the engine alone, with no I/O, no threads and no real
 * clock, which is what the benchmarks measure. A is the client at 10.0.0.1, B the server at
 * 10.0.0.2 listening on {@link #PORT}.
 *
 * <p>Virtual time advances by {@link #ROUND_NS} per polling round so that the stacks' timers
 * (delayed ACK, ARP aging, TIME-WAIT) run as they would; it says nothing about real time.
 */
final class EnginePair {
    /** The server's port. */
    static final int PORT = 80;
    /** Virtual time per polling round: about a fast LAN round trip. */
    static final long ROUND_NS = 1_000L;
    /** Rounds after which a step that has not finished is a bug, not a slow network. */
    private static final int MAX_ROUNDS = 10_000;
    private static final int A_IP = Ipv4Address.parse("10.0.0.1");
    private static final int B_IP = Ipv4Address.parse("10.0.0.2");

    final InMemoryLink linkA;
    final InMemoryLink linkB;
    final NetworkStack a;
    final NetworkStack b;
    final TcpListener listener;
    long nowNs = 1_000_000_000L;

    /**
     * @param mtu             the link MTU, e.g. 1500 or 9000
     * @param frames          frames per pool at each end
     * @param checksumOffload whether the link offloads checksums (as loopback does)
     * @param tcp             TCP settings of both stacks
     */
    EnginePair(int mtu, int frames, boolean checksumOffload, TcpConfig tcp) {
        InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), frames, mtu, checksumOffload);
        linkA = ends[0];
        linkB = ends[1];
        a = new NetworkStack(config(A_IP, 0x02_00_00_00_00_01L, tcp), linkA, nowNs);
        b = new NetworkStack(config(B_IP, 0x02_00_00_00_00_02L, tcp), linkB, nowNs);
        listener = b.tcp().listen(Ipv4Address.ANY, PORT, 0);
    }

    private static StackConfig config(int ip, long mac, TcpConfig tcp) {
        return StackConfig.builder().mac(mac).ip(ip).prefixLength(24).tcp(tcp).build();
    }

    /** Advances the clock by a round and polls A, then B. */
    void round() {
        nowNs += ROUND_NS;
        a.poll(nowNs);
        b.poll(nowNs);
    }

    /** @return a new connection from A to B, established at both ends: {client, server} */
    TcpConnection[] connect() {
        TcpConnection client = a.tcp().connect(Ipv4Address.ANY, 0, B_IP, PORT, nowNs);
        TcpConnection server = null;
        for (int i = 0; i < MAX_ROUNDS; i++) {
            round();
            if (server == null) {
                server = listener.accept();
            }
            if (server != null && client.state() == TcpState.ESTABLISHED) {
                return new TcpConnection[] {client, server};
            }
        }
        throw new IllegalStateException("no connection after " + MAX_ROUNDS + " rounds: " + client);
    }

    /** Polls until {@code c} reaches {@code state}. */
    void awaitState(TcpConnection c, TcpState state) {
        for (int i = 0; i < MAX_ROUNDS && c.state() != state; i++) {
            round();
        }
        if (c.state() != state) {
            throw new IllegalStateException("not " + state + " after " + MAX_ROUNDS + " rounds: " + c);
        }
    }

    /** @return frames held anywhere in the pair: stacks, rings (a leak check) */
    int framesInUse() {
        return linkA.transmitFramesInUse() + linkA.receiveFramesInUse() + linkB.transmitFramesInUse()
                + linkB.receiveFramesInUse();
    }
}
