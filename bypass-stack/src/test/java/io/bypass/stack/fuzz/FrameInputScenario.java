package io.bypass.stack.fuzz;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.FIN;
import static io.bypass.stack.wire.TcpHeader.SYN;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.tcp.SeqNum;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpException;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.tcp.TcpState;
import io.bypass.stack.testkit.MemoryLink;
import io.bypass.stack.testkit.Packets;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One fuzz input played against a stack that has a listener, an accepted and a connected
 * TCP socket and a bound UDP socket: the peer's side of both handshakes is built from the
 * input's first fields (ISNs, window, MSS and which SYN options), then the rest of the input
 * is a sequence of operations: TCP segments to any of our endpoints with the sequence and
 * acknowledgment numbers chosen near what each side sent (so the fuzzer stays inside the
 * windows and reaches the connected states), raw and half-valid Ethernet/IP/UDP/ICMP/ARP
 * frames, time advancing by input-chosen amounts, and the application writing, reading,
 * accepting and closing.
 *
 * <p>Checked while it runs: nothing escapes the engine, every received frame ends in
 * exactly one outcome counter ({@link FrameAccounting}), every transmitted frame is
 * counted. Checked at the end, after the application closed everything and time ran on
 * until no timer was left: no connection remains and every frame is back in the pool.
 * A violation throws {@link AssertionError}.
 */
final class FrameInputScenario {
    static final long MS = 1_000_000L;
    static final int LISTEN_PORT = 80;
    static final int UDP_PORT = 7000;
    /** Peer ports of the endpoints: the accepted connection, the connected one, three more towards the listener, one towards a closed port. */
    static final int PASSIVE_PEER_PORT = 40_000;
    static final int ACTIVE_PEER_PORT = 9000;

    /** Operation codes; the input picks one with {@code u8 % OPERATIONS}. Segments, the richest, have two. */
    static final int OP_SEGMENT = 0;
    static final int OP_SEGMENT_TOO = 1;
    static final int OP_RAW_FRAME = 2;
    static final int OP_IP_PACKET = 3;
    static final int OP_UDP = 4;
    static final int OP_ICMP_ERROR = 5;
    static final int OP_ICMP_ECHO = 6;
    static final int OP_ARP = 7;
    static final int OP_TIME = 8;
    static final int OP_WRITE = 9;
    static final int OP_READ = 10;
    static final int OP_CLOSE = 11;
    static final int OP_ACCEPT = 12;
    static final int OP_UDP_APP = 13;
    static final int OP_ACK_ALL = 14;
    static final int OP_CONNECT = 15;
    static final int OPERATIONS = 16;

    /** Header bits of the handshake options byte. */
    static final int HS_MSS = 1;
    static final int HS_WINDOW_SCALE = 2;
    static final int HS_SACK = 4;
    static final int HS_TIMESTAMPS = 8;
    static final int HS_ANSWER_ARP = 16;

    private static final int MAX_OPERATIONS = 512;
    private static final int POOL_FRAMES = 256;
    private static final long[] TIME_UNITS_NS = {1_000, 100_000, MS, 10 * MS, 100 * MS, 1_000 * MS};
    /** Virtual time the teardown may take before a connection left over counts as stuck. */
    private static final long TEARDOWN_LIMIT_NS = 4 * 3_600_000 * MS;
    private static final byte[] PATTERN = new byte[65_536];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) (i * 31 + 7);
        }
    }

    /** A peer endpoint: its ports, the socket on our side if any, and each side's next sequence number. */
    private static final class Endpoint {
        final int peerPort;
        int localPort;
        TcpConnection connection;
        int peerNext;
        int ourNext;
        boolean ourSeen;

        Endpoint(int peerPort, int localPort) {
            this.peerPort = peerPort;
            this.localPort = localPort;
        }
    }

    /** What one run reached, for tests of the seed inputs. */
    record Outcome(long established, long segmentsIn, long bytesRead, long udpDatagramsIn, long operations) {
    }

    private final FuzzInput in;
    private final StackHarness h;
    private final MemoryLink link;
    private final StackCounters counters;
    private final TcpListener listener;
    private final UdpSocket udp;
    private final Endpoint[] endpoints = new Endpoint[7];
    private final ByteBuffer appBuffer = ByteBuffer.allocate(PATTERN.length);
    private final long txBaseline;
    private int peerWindow;
    private int handshake;
    private int peerTsValue = 1;
    private long txTaken;
    private long bytesRead;
    private long operations;
    private boolean arpRequested;

    private FrameInputScenario(byte[] data) {
        this.in = new FuzzInput(data);
        TcpConfig tcp = TcpConfig.builder().isnSecret(0x5eed_0001L, 0x5eed_0002L).portSeed(7)
                .sendBufferBytes(32 * 1024).receiveBufferBytes(16 * 1024).maxRtoNs(10_000 * MS)
                .maxRetransmissions(6).synRetries(3).timeWaitNs(5_000 * MS).defaultBacklog(4)
                .reassemblyLimitSegments(16).maxConnections(16).build();
        this.link = new MemoryLink(POOL_FRAMES, 1500);
        this.h = new StackHarness(StackHarness.config().tcp(tcp).build(), link);
        this.counters = h.stack.counters();
        this.txBaseline = counters.get(Counter.TX_FRAMES);
        this.listener = h.stack.tcp().listen(Ipv4Address.ANY, LISTEN_PORT, 0);
        this.udp = h.stack.udp().bind(Ipv4Address.ANY, UDP_PORT);
        endpoints[0] = new Endpoint(PASSIVE_PEER_PORT, LISTEN_PORT);
        endpoints[1] = new Endpoint(ACTIVE_PEER_PORT, 0);
        endpoints[2] = new Endpoint(PASSIVE_PEER_PORT + 1, LISTEN_PORT);
        endpoints[3] = new Endpoint(PASSIVE_PEER_PORT + 2, LISTEN_PORT);
        endpoints[4] = new Endpoint(PASSIVE_PEER_PORT + 3, LISTEN_PORT);
        endpoints[5] = new Endpoint(PASSIVE_PEER_PORT + 9, LISTEN_PORT + 1);
        endpoints[6] = new Endpoint(ACTIVE_PEER_PORT + 1, 0);
    }

    /**
     * Plays {@code data} and checks the invariants.
     *
     * @return what the run reached
     * @throws AssertionError when an invariant does not hold
     */
    static Outcome run(byte[] data) {
        FrameInputScenario s = new FrameInputScenario(data);
        s.handshakes();
        while (!s.in.exhausted() && s.operations < MAX_OPERATIONS) {
            s.operation(s.in.u8() % OPERATIONS);
            s.operations++;
            s.answerArpIfAsked();
        }
        Outcome outcome = new Outcome(s.counters.get(Counter.TCP_ESTABLISHED), s.counters.get(Counter.TCP_SEGMENTS_IN),
                s.bytesRead, s.counters.get(Counter.UDP_DATAGRAMS_IN), s.operations);
        s.teardown();
        return outcome;
    }

    // ------------------------------------------------------------------ setup

    /** The peer learns our MAC, opens a connection to our listener, and answers our connect. */
    private void handshakes() {
        int passiveIsn = in.i32();
        int activeIsn = in.i32();
        peerWindow = in.u16();
        handshake = in.u8();
        int mss = in.u16();
        int shift = in.u8();
        byte[] synOptions = (handshake & HS_MSS) != 0
                ? PeerFrames.synOptions(mss, (handshake & HS_WINDOW_SCALE) != 0, shift, (handshake & HS_SACK) != 0,
                        (handshake & HS_TIMESTAMPS) != 0, peerTsValue++)
                : new byte[0];

        inject(PeerFrames.arp(1, PEER_IP, 0, OUR_IP, true));

        // RFC 9293 section 3.5 figure 6: SYN, SYN-ACK, ACK towards our listener.
        Endpoint passive = endpoints[0];
        inject(PeerFrames.tcp(passive.peerPort, LISTEN_PORT, passiveIsn, 0, SYN, peerWindow, synOptions,
                new byte[0], -1, false));
        passive.peerNext = passiveIsn + 1;
        sendSegment(passive, ACK, passive.peerNext, passive.ourNext, new byte[0], 0);
        acceptAll();

        // Our connect, answered with the peer's SYN-ACK.
        Endpoint active = endpoints[1];
        connect(active);
        inject(PeerFrames.tcp(active.peerPort, active.localPort, activeIsn, active.ourNext, SYN | ACK, peerWindow,
                synOptions, new byte[0], -1, false));
        active.peerNext = activeIsn + 1;
    }

    private void connect(Endpoint e) {
        try {
            e.connection = h.stack.tcp().connect(Ipv4Address.ANY, 0, PEER_IP, e.peerPort, h.nowNs);
            e.localPort = e.connection.localPort();
            e.ourSeen = false;
        } catch (TcpException refused) {
            // The connection limit or a port in use: a refusal the API documents.
            return;
        }
        h.stack.poll(h.nowNs);
        drain();
    }

    // ------------------------------------------------------------------ operations

    private void operation(int op) {
        switch (op) {
            case OP_SEGMENT, OP_SEGMENT_TOO -> segment();
            case OP_RAW_FRAME -> inject(in.bytes(in.u16() % 1600));
            case OP_IP_PACKET -> ipPacket();
            case OP_UDP -> udpDatagram();
            case OP_ICMP_ERROR -> icmpError();
            case OP_ICMP_ECHO -> inject(Packets.ipFrameFromPeer(1,
                    Packets.icmpEcho(in.u8() & 8, in.u16(), in.u16(), Arrays.copyOf(PATTERN, in.u16() % 1480))));
            case OP_ARP -> arp();
            case OP_TIME -> {
                h.nowNs += TIME_UNITS_NS[in.u8() % TIME_UNITS_NS.length] * (in.u8() + 1);
                h.stack.poll(h.nowNs);
                drain();
            }
            case OP_WRITE -> write();
            case OP_READ -> read();
            case OP_CLOSE -> close();
            case OP_ACCEPT -> acceptAll();
            case OP_UDP_APP -> udpApplication();
            case OP_ACK_ALL -> {
                Endpoint e = endpoints[in.u8() % endpoints.length];
                peerWindow = in.u16();
                sendSegment(e, ACK, e.peerNext, e.ourNext, new byte[0], 0);
            }
            case OP_CONNECT -> {
                Endpoint e = endpoints[6];
                if (e.connection == null || e.connection.state() == TcpState.CLOSED) {
                    connect(e);
                }
            }
            default -> throw new AssertionError("operation " + op);
        }
    }

    /** A TCP segment to one endpoint, numbers near what each side sent or anywhere. */
    private void segment() {
        Endpoint e = endpoints[in.u8() % endpoints.length];
        int flags = in.u8();
        int seq = near(e.peerNext, in.u8(), in.u16(), in.i32());
        int ack = near(e.ourNext, in.u8(), in.u16(), in.i32());
        peerWindow = in.u16();
        int mangle = in.u8();
        byte[] payload = Arrays.copyOf(PATTERN, in.u16() % 1461);
        sendSegment(e, flags, seq, ack, payload, mangle);
    }

    /** @return {@code base}, a little after or before it, or {@code anywhere}, as {@code mode} says */
    private static int near(int base, int mode, int delta, int anywhere) {
        return switch (mode & 3) {
            case 0 -> base;
            case 1 -> base + delta;
            case 2 -> base - delta;
            default -> anywhere;
        };
    }

    /**
     * Sends a segment with options as the input asks ({@code mangle} also picks a bad
     * checksum or data offset) and moves the peer's next sequence number past it.
     */
    private void sendSegment(Endpoint e, int flags, int seq, int ack, byte[] payload, int mangle) {
        byte[] options = options(e, in.u8());
        boolean badChecksum = (mangle & 0x80) != 0;
        int dataOffset = (mangle & 0x40) != 0 ? mangle & 0xf : -1;
        inject(PeerFrames.tcp(e.peerPort, e.localPort == 0 ? 1 : e.localPort, seq, ack, flags, peerWindow, options,
                payload, dataOffset, badChecksum));
        if ((flags & SYN) != 0) {
            e.peerNext = seq + 1;
        } else if (seq == e.peerNext) {
            e.peerNext = seq + payload.length + ((flags & FIN) != 0 ? 1 : 0);
        }
    }

    /** Options of a non-SYN segment: none, timestamps, SACK blocks about our data, or raw bytes. */
    private byte[] options(Endpoint e, int mode) {
        return switch (mode & 3) {
            case 0 -> new byte[0];
            case 1 -> {
                ByteBuffer b = ByteBuffer.allocate(12);
                b.put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10).putInt(peerTsValue++).putInt(in.i32());
                yield b.array();
            }
            case 2 -> {
                int blocks = 1 + in.u8() % 4;
                ByteBuffer b = ByteBuffer.allocate(4 + blocks * 8);
                b.put((byte) 1).put((byte) 1).put((byte) 5).put((byte) (2 + blocks * 8));
                for (int i = 0; i < blocks; i++) {
                    int left = e.ourNext - in.u16();
                    b.putInt(left).putInt(left + in.u16());
                }
                yield b.array();
            }
            default -> in.bytes(in.u8() % 41);
        };
    }

    /** An IPv4 packet from the peer whose header fields the input writes, checksum right or not. */
    private void ipPacket() {
        int versionIhl = in.u8();
        int tos = in.u8();
        int totalLengthMode = in.u8();
        int fragment = in.u16();
        int ttl = in.u8();
        int protocol = in.u8();
        int destination = switch (in.u8() & 3) {
            case 0 -> OUR_IP;
            case 1 -> 0xffffffff;
            case 2 -> Packets.SUBNET_BROADCAST;
            default -> in.i32();
        };
        boolean fixChecksum = (totalLengthMode & 0x80) == 0;
        byte[] body = in.bytes(in.u16() % 1480);
        int headerLength = Math.max(20, (versionIhl & 0xf) * 4);
        byte[] packet = new byte[headerLength + body.length];
        ByteBuffer b = ByteBuffer.wrap(packet);
        int totalLength = (totalLengthMode & 0x40) == 0 ? packet.length : in.u16();
        b.put((byte) versionIhl).put((byte) tos).putShort((short) totalLength).putShort((short) in.u16())
                .putShort((short) fragment).put((byte) ttl).put((byte) protocol).putShort((short) 0)
                .putInt(PEER_IP).putInt(destination);
        b.position(headerLength);
        b.put(body);
        if (fixChecksum && (versionIhl & 0xf) >= 5) {
            Packets.setIpChecksum(packet, 0);
        }
        inject(Packets.ethernet(destination == OUR_IP ? OUR_MAC : Packets.BROADCAST_MAC, PEER_MAC, 0x0800, packet));
    }

    private void udpDatagram() {
        int mode = in.u8();
        int port = (mode & 1) == 0 ? UDP_PORT : in.u16();
        byte[] data = Arrays.copyOf(PATTERN, in.u16() % 1473);
        byte[] datagram = (mode & 2) == 0 ? Packets.udp(PEER_IP, OUR_IP, 4000, port, data)
                : Packets.udpNoChecksum(4000, port, data);
        if ((mode & 4) != 0 && datagram.length > 7) {
            datagram[4] = (byte) in.u8(); // the length field, made wrong
        }
        inject(Packets.ipFrameFromPeer(17, datagram));
    }

    /** An ICMP error about one of our TCP segments (fragmentation needed, unreachable, ...) or a UDP datagram. */
    private void icmpError() {
        Endpoint e = endpoints[in.u8() % endpoints.length];
        int type = in.u8() % 13;
        int code = in.u8() % 16;
        int nextHopMtu = in.u16();
        boolean tcp = (in.u8() & 1) == 0;
        int seq = near(e.ourNext, in.u8(), in.u16(), in.i32());
        inject(tcp ? PeerFrames.icmpErrorAbout(type, code, nextHopMtu, 6, e.localPort, e.peerPort, seq)
                : PeerFrames.icmpErrorAbout(type, code, nextHopMtu, 17, UDP_PORT, 4000, 8));
    }

    private void arp() {
        int operation = in.u8() % 4;
        int mode = in.u8();
        int senderIp = (mode & 1) == 0 ? PEER_IP : in.i32();
        int targetIp = (mode & 2) == 0 ? OUR_IP : in.i32();
        inject(PeerFrames.arp(operation, senderIp, (mode & 4) == 0 ? OUR_MAC : 0, targetIp, (mode & 8) != 0));
    }

    // ------------------------------------------------------------------ the application

    private Endpoint withConnection() {
        Endpoint e = endpoints[in.u8() % endpoints.length];
        return e.connection != null ? e : null;
    }

    private void write() {
        Endpoint e = withConnection();
        int length = in.u16();
        if (e != null) {
            appBuffer.clear().limit(length);
            int taken = e.connection.write(appBuffer, h.nowNs);
            if (taken < 0 || taken > length) {
                throw new AssertionError("write took " + taken + " of " + length);
            }
            drain();
        }
    }

    private void read() {
        Endpoint e = withConnection();
        int length = in.u16();
        if (e != null) {
            appBuffer.clear().limit(length);
            int n = e.connection.read(appBuffer, h.nowNs);
            if (n < -1 || n > length) {
                throw new AssertionError("read returned " + n + " for room " + length);
            }
            bytesRead += Math.max(0, n);
            drain();
        }
    }

    private void close() {
        Endpoint e = withConnection();
        int how = in.u8() % 3;
        if (e != null) {
            switch (how) {
                case 0 -> e.connection.shutdownOutput(h.nowNs);
                case 1 -> e.connection.close(h.nowNs);
                default -> e.connection.abort(h.nowNs);
            }
            h.stack.flush();
            drain();
        }
    }

    /** Takes every established connection the listener queued and gives it to its endpoint. */
    private void acceptAll() {
        for (TcpConnection c = listener.accept(); c != null; c = listener.accept()) {
            Endpoint owner = null;
            for (Endpoint e : endpoints) {
                if (e.peerPort == c.remotePort() && e.localPort == c.localPort()) {
                    owner = e;
                }
            }
            if (owner == null) {
                throw new AssertionError("accepted a connection nobody opened: " + c);
            }
            if (owner.connection != null) {
                owner.connection.close(h.nowNs);
            }
            owner.connection = c;
        }
        h.stack.flush();
        drain();
    }

    private void udpApplication() {
        int mode = in.u8();
        int length = in.u16() % 1600;
        appBuffer.clear().limit(length);
        if ((mode & 1) == 0) {
            int n = udp.receive(appBuffer);
            if (n > length) {
                throw new AssertionError("UDP receive returned " + n + " for room " + length);
            }
        } else {
            int destination = (mode & 2) == 0 ? PEER_IP : in.i32();
            try {
                udp.send(appBuffer, destination, in.u16() | 1, h.nowNs);
            } catch (IllegalArgumentException refused) {
                // Documented refusals of the application's arguments: an unusable address,
                // a datagram larger than the MTU. Not what is fuzzed here.
            }
            h.stack.flush();
        }
        drain();
    }

    // ------------------------------------------------------------------ the link

    /** Feeds one frame, polls, and checks that it ended in exactly one outcome counter. */
    private void inject(byte[] frame) {
        if (frame.length > link.pool().frameCapacity() || link.pool().available() == 0) {
            return; // the link could not have received it either
        }
        long rx = counters.get(Counter.RX_FRAMES);
        long[] before = FrameAccounting.snapshot(counters);
        link.inject(frame);
        h.stack.poll(h.nowNs);
        if (counters.get(Counter.RX_FRAMES) != rx + 1) {
            throw new AssertionError("one frame in, RX_FRAMES moved by " + (counters.get(Counter.RX_FRAMES) - rx));
        }
        long outcomes = FrameAccounting.outcomesSince(before, counters);
        if (outcomes != 1) {
            throw new AssertionError("a frame ended in " + outcomes + " outcome counters, not 1: "
                    + frame.length + " bytes " + describe(frame)
                    + "\n" + counters);
        }
        drain();
    }

    private static String describe(byte[] frame) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(frame.length, 80); i++) {
            hex.append(String.format("%02x", frame[i] & 0xff));
        }
        return hex.toString();
    }

    /** Takes everything we transmitted, learns our sequence numbers from it, and checks TX_FRAMES. */
    private void drain() {
        for (byte[] frame = link.takeSent(); frame != null; frame = link.takeSent()) {
            txTaken++;
            learn(frame);
        }
        if (counters.get(Counter.TX_FRAMES) - txBaseline != txTaken) {
            throw new AssertionError("TX_FRAMES counted " + (counters.get(Counter.TX_FRAMES) - txBaseline)
                    + " but the link took " + txTaken);
        }
    }

    private void learn(byte[] frame) {
        if (frame.length >= 42 && Packets.u16(frame, 12) == 0x0806 && Packets.u16(frame, 20) == 1
                && Packets.i32(frame, 38) == PEER_IP) {
            arpRequested = true;
            return;
        }
        if (frame.length < 54 || Packets.u16(frame, 12) != 0x0800 || Packets.u8(frame, 23) != 6) {
            return;
        }
        int ipHeader = (frame[14] & 0xf) * 4;
        int tcp = 14 + ipHeader;
        if (frame.length < tcp + 20) {
            return;
        }
        int localPort = Packets.u16(frame, tcp);
        int peerPort = Packets.u16(frame, tcp + 2);
        int seq = Packets.i32(frame, tcp + 4);
        int flags = Packets.u8(frame, tcp + 13);
        int payload = Packets.u16(frame, 16) - ipHeader - ((frame[tcp + 12] >>> 4) & 0xf) * 4;
        int end = seq + payload + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
        for (Endpoint e : endpoints) {
            if (e.localPort == localPort && e.peerPort == peerPort) {
                if (!e.ourSeen || (flags & SYN) != 0 || SeqNum.gt(end, e.ourNext)) {
                    e.ourNext = end;
                    e.ourSeen = true;
                }
            }
        }
    }

    private String connections() {
        StringBuilder text = new StringBuilder();
        for (Endpoint e : endpoints) {
            if (e.connection != null) {
                text.append(e.connection).append(' ');
            }
        }
        return text.toString();
    }

    /** A peer that answers ARP (when the input says so) keeps our cache fresh past its reachable time. */
    private void answerArpIfAsked() {
        if (arpRequested && (handshake & HS_ANSWER_ARP) != 0) {
            arpRequested = false;
            inject(PeerFrames.arp(2, PEER_IP, OUR_MAC, OUR_IP, false));
        }
    }

    // ------------------------------------------------------------------ the end

    /**
     * The application closes everything; time runs on, deadline to deadline, with the peer
     * silent, until no timer is left. Then no connection may remain and no frame be held.
     */
    private void teardown() {
        acceptAll();
        for (Endpoint e : endpoints) {
            if (e.connection != null) {
                e.connection.close(h.nowNs);
            }
        }
        listener.close(h.nowNs);
        udp.close();
        h.stack.flush();
        drain();
        long startNs = h.nowNs;
        for (long next = h.stack.pollAtNs(); next != Long.MAX_VALUE; next = h.stack.pollAtNs()) {
            if (h.nowNs - startNs > TEARDOWN_LIMIT_NS) {
                throw new AssertionError("timers still pending " + (h.nowNs - startNs) / MS + " ms after closing: "
                        + h.stack.tcp().connectionCount() + " connections left: " + connections() + "\n" + counters);
            }
            h.nowNs = Math.max(h.nowNs + MS, next);
            h.stack.poll(h.nowNs);
            drain();
        }
        if (h.stack.tcp().connectionCount() != 0) {
            throw new AssertionError(h.stack.tcp().connectionCount() + " connections left with no timer pending");
        }
        if (link.pool().inUse() != 0) {
            throw new AssertionError(link.pool().inUse() + " frames leaked after closing everything\n" + counters);
        }
    }
}
