package io.bypass.stack.ip;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.checksum;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.fragment;
import static io.bypass.stack.testkit.Packets.i32;
import static io.bypass.stack.testkit.Packets.slice;
import static io.bypass.stack.testkit.Packets.u16;
import static io.bypass.stack.testkit.Packets.u8;
import static io.bypass.stack.testkit.Packets.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Fragments arriving from the peer, reassembled for a UDP socket (RFC 791 section 3.2, RFC 1122 section 3.3.2). */
class FragmentReassemblyTest {
    private static final long SECOND_NS = 1_000_000_000L;
    private static final int UDP = 17;

    private StackHarness h = new StackHarness();
    private UdpSocket socket = h.stack.udp().bind(0, 7000);

    /** A UDP datagram (header included) of {@code dataLength} patterned bytes, as the IP payload to fragment. */
    static byte[] datagram(int dataLength, int seed) {
        byte[] data = new byte[dataLength];
        for (int i = 0; i < dataLength; i++) {
            data[i] = (byte) (i * 31 + seed);
        }
        return udp(PEER_IP, OUR_IP, 4000, 7000, data);
    }

    private void sendFragment(int id, byte[] payload, int from, int to) {
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, UDP, id, payload, from, to)));
    }

    private byte[] read() {
        ByteBuffer dst = ByteBuffer.allocate(70_000);
        int n = socket.receive(dst);
        assertEquals(true, n >= 0, "a datagram was delivered");
        return slice(dst.array(), 0, n);
    }

    private static byte[] dataOf(byte[] udpDatagram) {
        return slice(udpDatagram, 8, udpDatagram.length);
    }

    private void assertNothingDelivered() {
        assertEquals(0, socket.queued(), "nothing delivered");
    }

    private void reconfigure(StackConfig.Builder config) {
        h = new StackHarness(config.build());
        socket = h.stack.udp().bind(0, 7000);
    }

    @Test
    void fragmentsInOrderAreReassembledIntoOneDatagram() {
        byte[] d = datagram(3000, 1);
        sendFragment(7, d, 0, 1480);
        assertNothingDelivered();
        sendFragment(7, d, 1480, 2960);
        sendFragment(7, d, 2960, d.length);
        assertArrayEquals(dataOf(d), read());
        assertEquals(2, h.count(Counter.IP_FRAG_QUEUED), "the completing fragment is counted by UDP");
        assertEquals(1, h.count(Counter.IP_FRAG_REASSEMBLED));
        assertEquals(1, h.count(Counter.UDP_DATAGRAMS_IN));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
        assertEquals(0, h.stack.ipv4().reassemblyBuffersInUse(), "buffer back once the socket read it");
        h.assertFramesInUse(0);
    }

    @Test
    void fragmentsOutOfOrderAreReassembled() {
        byte[] d = datagram(3000, 2);
        sendFragment(7, d, 2960, d.length);
        sendFragment(7, d, 0, 1480);
        assertNothingDelivered();
        sendFragment(7, d, 1480, 2960);
        assertArrayEquals(dataOf(d), read());
    }

    @Test
    void exactDuplicateFragmentIsIgnored() {
        byte[] d = datagram(2000, 3);
        sendFragment(9, d, 0, 1480);
        sendFragment(9, d, 0, 1480);
        assertEquals(1, h.count(Counter.IP_FRAG_DUPLICATE));
        sendFragment(9, d, 1480, d.length);
        assertArrayEquals(dataOf(d), read());
        // A duplicate of a fragment of a finished datagram starts a new one that times out quietly.
        sendFragment(9, d, 1480, d.length);
        assertEquals(1, h.stack.ipv4().reassembliesInProgress());
        h.advanceNs(31 * SECOND_NS);
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
        h.expectNothing();
    }

    @Test
    void overlappingFragmentsThatAgreeAreAccepted() {
        byte[] d = datagram(2400, 4);
        sendFragment(5, d, 0, 1200);
        sendFragment(5, d, 800, 2000);
        sendFragment(5, d, 1600, d.length);
        assertArrayEquals(dataOf(d), read());
        assertEquals(0, h.count(Counter.IP_FRAG_DROP_CONFLICT));
    }

    @Test
    void overlappingFragmentsThatDisagreeDropTheWholeDatagram() {
        // RFC 5722 (for IPv6; RFC 1858 section 4 for the attack): overlap with different bytes.
        byte[] d = datagram(2400, 5);
        byte[] forged = d.clone();
        forged[1000] ^= 0x55;
        sendFragment(5, d, 0, 1200);
        sendFragment(5, forged, 800, 2000);
        assertEquals(1, h.count(Counter.IP_FRAG_DROP_CONFLICT));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress(), "the datagram is gone");
        sendFragment(5, d, 1600, d.length);
        assertNothingDelivered();
        assertEquals(1, h.stack.ipv4().reassembliesInProgress(), "a late fragment starts over");
        h.assertFramesInUse(0);
    }

    @Test
    void lastFragmentsThatDisagreeOnTheLengthDropTheDatagram() {
        byte[] d = datagram(2400, 6);
        sendFragment(3, d, 1480, d.length);
        byte[] shorter = fragment(PEER_IP, OUR_IP, UDP, 3, d, 1480, 2000);
        shorter[6] = (byte) (1480 / 8 >>> 8); // clear MF: a second, shorter "last" fragment
        shorter[7] = (byte) (1480 / 8);
        io.bypass.stack.testkit.Packets.setIpChecksum(shorter, 0);
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, shorter));
        assertEquals(1, h.count(Counter.IP_FRAG_DROP_CONFLICT));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
    }

    @Test
    void fragmentBeyondTheLastFragmentDropsTheDatagram() {
        byte[] d = datagram(2400, 7);
        sendFragment(4, d, 1480, 1480 + 400);
        byte[] last = fragment(PEER_IP, OUR_IP, UDP, 4, d, 800, 1200);
        last[6] = 0; // MF clear: claims the datagram ends at 1200
        last[7] = (byte) (800 / 8);
        io.bypass.stack.testkit.Packets.setIpChecksum(last, 0);
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, last));
        assertEquals(1, h.count(Counter.IP_FRAG_DROP_CONFLICT));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
    }

    @Test
    void timeoutAfterTheFirstFragmentSendsTimeExceeded() {
        // RFC 1122 section 3.3.2: reassembly timeout; fragment zero came, so ICMP type 11 code 1.
        reconfigure(StackHarness.config().arpReachableTimeNs(300 * SECOND_NS));
        h.learnPeer();
        byte[] d = datagram(3000, 8);
        byte[] first = fragment(PEER_IP, OUR_IP, UDP, 11, d, 0, 1480);
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, first));
        sendFragment(11, d, 2960, d.length);
        h.advanceNs(29 * SECOND_NS);
        h.expectNothing();
        h.advanceNs(SECOND_NS);
        byte[] reply = h.expect();
        assertEquals(PEER_IP, i32(reply, 30), "to the sender");
        assertEquals(1, u8(reply, 14 + 9), "ICMP");
        assertEquals(11, u8(reply, 34), "time exceeded");
        assertEquals(1, u8(reply, 35), "fragment reassembly time exceeded");
        assertEquals(0, checksum(reply, 34, reply.length - 34, 0), "ICMP checksum");
        assertArrayEquals(slice(first, 0, 28), slice(reply, 42, 70), "quotes the first fragment's header and 8 bytes");
        assertEquals(70, reply.length);
        assertEquals(1, h.count(Counter.IP_FRAG_TIMEOUT));
        assertEquals(1, h.count(Counter.ICMP_TIME_EXCEEDED_SENT));
        assertEquals(0, h.stack.ipv4().reassemblyBuffersInUse());
        h.assertFramesInUse(0);
    }

    @Test
    void timeoutWithoutTheFirstFragmentIsSilent() {
        h.learnPeer();
        byte[] d = datagram(3000, 9);
        sendFragment(12, d, 1480, 2960);
        h.advanceNs(30 * SECOND_NS);
        h.expectNothing();
        assertEquals(1, h.count(Counter.IP_FRAG_TIMEOUT));
        assertEquals(0, h.count(Counter.ICMP_TIME_EXCEEDED_SENT));
    }

    @Test
    void memoryLimitEvictsTheOldestDatagram() {
        // Two buffers for 65,535-byte datagrams; a third datagram evicts the oldest (as Linux did).
        reconfigure(StackHarness.config().reassemblyMemoryBytes(2 * 65_589));
        byte[] d1 = datagram(2000, 1);
        byte[] d2 = datagram(2000, 2);
        byte[] d3 = datagram(2000, 3);
        sendFragment(1, d1, 0, 1480);
        h.advanceNs(SECOND_NS);
        sendFragment(2, d2, 0, 1480);
        sendFragment(3, d3, 0, 1480);
        assertEquals(1, h.count(Counter.IP_FRAG_EVICTED));
        assertEquals(2, h.stack.ipv4().reassembliesInProgress());
        sendFragment(2, d2, 1480, d2.length);
        sendFragment(3, d3, 1480, d3.length);
        assertArrayEquals(dataOf(d2), read());
        assertArrayEquals(dataOf(d3), read());
        sendFragment(1, d1, 1480, d1.length);
        assertNothingDelivered();
        assertEquals(1, h.stack.ipv4().reassembliesInProgress(), "datagram 1 starts over without its head");
    }

    @Test
    void whenEveryBufferHoldsAnUnreadDatagramNewFragmentsAreDropped() {
        reconfigure(StackHarness.config().reassemblyMaxDatagramBytes(9000).reassemblyMemoryBytes(9054));
        byte[] d = datagram(2000, 4);
        sendFragment(1, d, 0, 1480);
        sendFragment(1, d, 1480, d.length);
        assertEquals(1, socket.queued());
        sendFragment(2, d, 0, 1480);
        assertEquals(1, h.count(Counter.IP_FRAG_DROP_NO_BUFFER));
        read();
        sendFragment(2, d, 0, 1480);
        sendFragment(2, d, 1480, d.length);
        assertArrayEquals(dataOf(d), read());
    }

    @Test
    void datagramBeyond65535BytesIsDropped() {
        // The "ping of death": offset 65,528 plus 16 bytes.
        byte[] p = fragment(PEER_IP, OUR_IP, UDP, 1, new byte[16], 0, 16);
        p[6] = (byte) (65_528 / 8 >>> 8);
        p[7] = (byte) (65_528 / 8);
        io.bypass.stack.testkit.Packets.setIpChecksum(p, 0);
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, p));
        assertEquals(1, h.count(Counter.IP_FRAG_DROP_TOO_BIG));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
    }

    @Test
    void datagramBeyondTheConfiguredMaximumIsDropped() {
        reconfigure(StackHarness.config().reassemblyMaxDatagramBytes(2000).reassemblyMemoryBytes(1 << 20));
        byte[] d = datagram(2000, 5);
        sendFragment(1, d, 1480, d.length);
        assertEquals(1, h.count(Counter.IP_FRAG_DROP_TOO_BIG));
    }

    @Test
    void tinyTcpFragmentsAreDropped() {
        // RFC 1858 section 3.2: offset 8 rewrites TCP flags; a first fragment of 8 bytes hides them.
        byte[] tcp = new byte[64];
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, 6, 1, tcp, 8, 32)));
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, 6, 2, tcp, 0, 8)));
        assertEquals(2, h.count(Counter.IP_FRAG_DROP_TINY));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
    }

    @Test
    void tooManyGapsDropTheDatagram() {
        byte[] d = datagram(2000, 6);
        for (int i = 0; i <= FragmentReassembly.MAX_RANGES; i++) {
            sendFragment(1, d, 16 * i, 16 * i + 8);
        }
        assertEquals(FragmentReassembly.MAX_RANGES, h.count(Counter.IP_FRAG_QUEUED));
        assertEquals(1, h.count(Counter.IP_FRAG_DROP_TOO_MANY_HOLES));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
    }

    @Test
    void reassembledDatagramToAnUnboundPortGetsPortUnreachable() {
        // The reassembled packet carries a rebuilt header that ICMP can quote.
        h.learnPeer();
        socket.close();
        byte[] d = datagram(2000, 7);
        sendFragment(1, d, 0, 1480);
        sendFragment(1, d, 1480, d.length);
        byte[] reply = h.expect();
        assertEquals(3, u8(reply, 34));
        assertEquals(3, u8(reply, 35));
        assertEquals(20 + d.length, u16(reply, 42 + 2), "quoted total length is the whole datagram's");
        assertEquals(0, u16(reply, 42 + 6), "no MF, offset 0");
        assertEquals(0, h.stack.ipv4().reassemblyBuffersInUse());
    }
}
