package io.bypass.stack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.testkit.Packets;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import io.bypass.stack.wire.Checksum;
import io.bypass.stack.wire.IpProtocol;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The stack honours the link's checksum offload ({@link LinkCapabilities}): with it, received checksums are not
 * verified and sent ones are left for the link (IPv4 zero, TCP/UDP the pseudo-header sum,
 * as Linux's CHECKSUM_PARTIAL); without it, everything is computed and verified.
 */
class ChecksumOffloadTest {
    private static final int IP_CHECKSUM = 14 + 10;
    private static final int TCP_CHECKSUM = 14 + 20 + 16;
    private static final int UDP_CHECKSUM = 14 + 20 + 6;
    private static final long NOW_NS = 1_000_000_000L;

    /** The stack on one end of an in-memory link; the test plays the peer on the other end. */
    private static final class Peer {
        final InMemoryLink wire;
        final NetworkStack stack;

        Peer(boolean offload) {
            InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 16, 1500, offload);
            wire = ends[0];
            stack = new NetworkStack(StackHarness.config().build(), ends[1], NOW_NS);
            stack.poll(NOW_NS);
            drain();
        }

        void send(byte[] bytes) {
            Frame f = wire.allocate();
            MemorySegment.copy(bytes, 0, f.memory(), ValueLayout.JAVA_BYTE, 0, bytes.length);
            f.window(0, bytes.length);
            wire.transmit(new Frame[] {f}, 1);
            stack.poll(NOW_NS);
        }

        byte[] expect() {
            Frame[] burst = new Frame[1];
            assertEquals(1, wire.receive(burst, 1), "expected a frame from the stack");
            byte[] bytes = burst[0].memory().asSlice(burst[0].offset(), burst[0].length()).toArray(ValueLayout.JAVA_BYTE);
            burst[0].release();
            return bytes;
        }

        void drain() {
            Frame[] burst = new Frame[16];
            int n = wire.receive(burst, 16);
            for (int i = 0; i < n; i++) {
                burst[i].release();
            }
        }

        long count(Counter c) {
            return stack.counters().get(c);
        }
    }

    private static byte[] synWithBadChecksum() {
        byte[] syn = Packets.tcpSyn(40_000, 80);
        syn[16] = 0x12;
        syn[17] = 0x34;
        return Packets.ipFrameFromPeer(IpProtocol.TCP, syn);
    }

    @Test
    void offloadedLinkVouchesForReceivedChecksums() {
        Peer peer = new Peer(true);
        peer.stack.tcp().listen(0, 80, 0);
        byte[] frame = synWithBadChecksum();
        frame[IP_CHECKSUM] ^= 0x55; // a wrong IPv4 header checksum too
        peer.send(frame);
        assertEquals(1, peer.count(Counter.TCP_PASSIVE_OPENS), "SYN accepted without verifying");
        assertEquals(0, peer.count(Counter.TCP_RX_DROP_BAD_CHECKSUM));
        assertEquals(0, peer.count(Counter.IP_RX_DROP_BAD_CHECKSUM));
    }

    @Test
    void linkWithoutOffloadDropsBadChecksums() {
        Peer peer = new Peer(false);
        peer.stack.tcp().listen(0, 80, 0);
        peer.send(synWithBadChecksum());
        assertEquals(1, peer.count(Counter.TCP_RX_DROP_BAD_CHECKSUM));
        byte[] badIp = synWithBadChecksum();
        badIp[IP_CHECKSUM] ^= 0x55;
        peer.send(badIp);
        assertEquals(1, peer.count(Counter.IP_RX_DROP_BAD_CHECKSUM));
        assertEquals(0, peer.count(Counter.TCP_PASSIVE_OPENS));
    }

    @Test
    void offloadedLinkGetsZeroIpChecksumAndPseudoHeaderSum() {
        // RFC 9293 section 3.10.7.2: the SYN-ACK; its checksums are the link's to complete.
        Peer peer = new Peer(true);
        peer.stack.tcp().listen(0, 80, 0);
        learnPeer(peer);
        peer.send(synWithBadChecksum());
        byte[] synAck = peer.expect();
        int tcpLength = synAck.length - 14 - 20;
        assertEquals(0, Packets.u16(synAck, IP_CHECKSUM));
        assertEquals(Checksum.pseudoHeaderPartial(Packets.OUR_IP, Packets.PEER_IP, IpProtocol.TCP, tcpLength),
                Packets.u16(synAck, TCP_CHECKSUM));
    }

    @Test
    void linkWithoutOffloadGetsCompleteChecksums() {
        Peer peer = new Peer(false);
        peer.stack.tcp().listen(0, 80, 0);
        learnPeer(peer);
        byte[] syn = Packets.ipFrameFromPeer(IpProtocol.TCP, Packets.tcpSyn(40_000, 80));
        int sum = Packets.checksum(syn, 34, 20, Packets.pseudoHeaderSum(Packets.PEER_IP, Packets.OUR_IP, 6, 20));
        syn[TCP_CHECKSUM] = (byte) (sum >>> 8);
        syn[TCP_CHECKSUM + 1] = (byte) sum;
        peer.send(syn);
        byte[] synAck = peer.expect();
        assertNotNull(synAck);
        int tcpLength = synAck.length - 14 - 20;
        assertEquals(0, Packets.checksum(synAck, 14, 20, 0), "IPv4 header checksum verifies");
        assertEquals(0, Packets.checksum(synAck, 34, tcpLength,
                Packets.pseudoHeaderSum(Packets.OUR_IP, Packets.PEER_IP, IpProtocol.TCP, tcpLength)),
                "TCP checksum verifies");
        assertTrue(Packets.u16(synAck, TCP_CHECKSUM) != 0);
    }

    /** The peer asks for our MAC, so the stack knows the peer's; our ARP reply is dropped. */
    private static void learnPeer(Peer peer) {
        peer.send(Packets.ethernet(Packets.BROADCAST_MAC, Packets.PEER_MAC, 0x0806,
                Packets.arp(1, Packets.PEER_MAC, Packets.PEER_IP, 0, Packets.OUR_IP)));
        peer.drain();
    }

    @Test
    void udpHonoursTheOffloadBothWays() {
        // RFC 768: the UDP checksum covers the pseudo-header; with offload it is the link's.
        byte[] datagram = Packets.udpFrameFromPeer(5000, 6000, new byte[] {1, 2, 3});
        datagram[UDP_CHECKSUM] ^= 0x55;
        Peer offloaded = new Peer(true);
        UdpSocket socket = offloaded.stack.udp().bind(0, 6000);
        offloaded.send(datagram);
        assertEquals(1, offloaded.count(Counter.UDP_DATAGRAMS_IN), "bad checksum not verified");
        learnPeer(offloaded);
        socket.send(ByteBuffer.wrap(new byte[] {4, 5}), Packets.PEER_IP, 5000, NOW_NS);
        offloaded.stack.poll(NOW_NS);
        byte[] sent = offloaded.expect();
        assertEquals(Checksum.pseudoHeaderPartial(Packets.OUR_IP, Packets.PEER_IP, IpProtocol.UDP, 10),
                Packets.u16(sent, UDP_CHECKSUM));

        Peer software = new Peer(false);
        software.stack.udp().bind(0, 6000);
        software.send(datagram);
        assertEquals(0, software.count(Counter.UDP_DATAGRAMS_IN));
        assertEquals(1, software.count(Counter.UDP_RX_DROP_BAD_CHECKSUM));
    }
}
