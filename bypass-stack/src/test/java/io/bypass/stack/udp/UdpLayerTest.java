package io.bypass.stack.udp;

import static io.bypass.stack.testkit.Packets.BROADCAST_MAC;
import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.SUBNET_BROADCAST;
import static io.bypass.stack.testkit.Packets.checksum;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.ipFrameFromPeer;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.mac;
import static io.bypass.stack.testkit.Packets.pseudoHeaderSum;
import static io.bypass.stack.testkit.Packets.slice;
import static io.bypass.stack.testkit.Packets.u16;
import static io.bypass.stack.testkit.Packets.udp;
import static io.bypass.stack.testkit.Packets.udpFrameFromPeer;
import static io.bypass.stack.testkit.Packets.udpNoChecksum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.SocketEvents;
import io.bypass.stack.testkit.StackHarness;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class UdpLayerTest {
    private static final byte[] HELLO = "hello, bypass".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final StackHarness h = new StackHarness();

    private static byte[] read(UdpSocket socket, int room) {
        ByteBuffer dst = ByteBuffer.allocate(room);
        int n = socket.receive(dst);
        assertTrue(n >= 0, "a datagram was queued");
        return slice(dst.array(), 0, n);
    }

    @Test
    void datagramFromThePeerIsReceivedWithItsSender() {
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        int[] events = new int[1];
        socket.listener(e -> events[0] |= e);
        h.send(udpFrameFromPeer(4000, 7000, HELLO));
        assertEquals(SocketEvents.READABLE, events[0]);
        assertEquals(1, socket.queued());
        h.assertFramesInUse(1);
        assertArrayEquals(HELLO, read(socket, 100));
        assertEquals(PEER_IP, socket.lastSourceIp());
        assertEquals(4000, socket.lastSourcePort());
        assertEquals(-1, socket.receive(ByteBuffer.allocate(10)));
        assertEquals(1, h.count(Counter.UDP_DATAGRAMS_IN));
        h.assertFramesInUse(0);
    }

    @Test
    void datagramIntoADirectBufferIsCopiedIntact() {
        UdpSocket socket = h.stack.udp().bind(OUR_IP, 7000);
        h.send(udpFrameFromPeer(4000, 7000, HELLO));
        ByteBuffer dst = ByteBuffer.allocateDirect(64);
        assertEquals(HELLO.length, socket.receive(dst));
        dst.flip();
        byte[] got = new byte[dst.remaining()];
        dst.get(got);
        assertArrayEquals(HELLO, got);
    }

    @Test
    void tooSmallBufferTruncatesAndDiscardsTheRest() {
        // Like DatagramChannel.receive: the excess of the datagram is silently discarded.
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        h.send(udpFrameFromPeer(4000, 7000, HELLO));
        h.send(udpFrameFromPeer(4000, 7000, new byte[] {42}));
        assertArrayEquals(slice(HELLO, 0, 5), read(socket, 5));
        assertArrayEquals(new byte[] {42}, read(socket, 5));
        h.assertFramesInUse(0);
    }

    @Test
    void zeroChecksumMeansNoneAndIsAccepted() {
        // RFC 768: an all-zero checksum field means the sender computed none.
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        h.send(ipFrameFromPeer(17, udpNoChecksum(4000, 7000, HELLO)));
        assertArrayEquals(HELLO, read(socket, 100));
    }

    @Test
    void badChecksumIsDropped() {
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        byte[] d = udp(PEER_IP, OUR_IP, 4000, 7000, HELLO);
        d[10] ^= 0x10;
        h.send(ipFrameFromPeer(17, d));
        assertEquals(0, socket.queued());
        assertEquals(1, h.count(Counter.UDP_RX_DROP_BAD_CHECKSUM));
        h.assertFramesInUse(0);
    }

    @Test
    void lengthFieldBeyondThePacketIsMalformed() {
        h.stack.udp().bind(0, 7000);
        byte[] d = udpNoChecksum(4000, 7000, HELLO);
        d[5] = (byte) (d.length + 1);
        h.send(ipFrameFromPeer(17, d));
        byte[] shortLength = udpNoChecksum(4000, 7000, HELLO);
        shortLength[5] = 7;
        h.send(ipFrameFromPeer(17, shortLength));
        assertEquals(2, h.count(Counter.UDP_RX_DROP_MALFORMED));
        h.assertFramesInUse(0);
    }

    @Test
    void fullReceiveQueueDropsAndCounts() {
        StackHarness small = new StackHarness(StackHarness.config().udpReceiveQueueLength(2).build());
        UdpSocket socket = small.stack.udp().bind(0, 7000);
        for (int i = 0; i < 3; i++) {
            small.send(udpFrameFromPeer(4000, 7000, new byte[] {(byte) i}));
        }
        assertEquals(2, socket.queued());
        assertEquals(1, small.count(Counter.UDP_RX_DROP_QUEUE_FULL));
        small.assertFramesInUse(2);
        socket.close();
        small.assertFramesInUse(0);
    }

    @Test
    void socketBoundToOurAddressDoesNotReceiveBroadcasts() {
        UdpSocket specific = h.stack.udp().bind(OUR_IP, 7000);
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0800,
                ipv4(PEER_IP, SUBNET_BROADCAST, 17, udp(PEER_IP, SUBNET_BROADCAST, 4000, 7000, HELLO))));
        assertEquals(0, specific.queued());
        specific.close();
        UdpSocket any = h.stack.udp().bind(0, 7000);
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0800,
                ipv4(PEER_IP, SUBNET_BROADCAST, 17, udp(PEER_IP, SUBNET_BROADCAST, 4000, 7000, HELLO))));
        assertEquals(1, any.queued());
    }

    @Test
    void sentDatagramCarriesPortsLengthAndAValidChecksum() {
        h.learnPeer();
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        ByteBuffer src = ByteBuffer.wrap(HELLO);
        assertEquals(HELLO.length, socket.send(src, PEER_IP, 4000, h.nowNs));
        assertEquals(0, src.remaining());
        h.stack.poll(h.nowNs);
        byte[] f = h.expect();
        assertEquals(PEER_MAC, mac(f, 0));
        assertEquals(7000, u16(f, 34));
        assertEquals(4000, u16(f, 36));
        assertEquals(8 + HELLO.length, u16(f, 38));
        assertTrue(u16(f, 40) != 0, "checksum computed");
        assertEquals(0, checksum(f, 34, f.length - 34, pseudoHeaderSum(OUR_IP, PEER_IP, 17, 8 + HELLO.length)));
        assertArrayEquals(HELLO, slice(f, 42, f.length));
        assertEquals(1, h.count(Counter.UDP_DATAGRAMS_OUT));
        h.assertFramesInUse(0);
    }

    @Test
    void sentDatagramFromADirectBufferRoundTripsThroughASecondStack() {
        h.learnPeer();
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        ByteBuffer src = ByteBuffer.allocateDirect(300);
        for (int i = 0; i < 300; i++) {
            src.put((byte) i);
        }
        src.flip();
        socket.send(src, PEER_IP, 4000, h.nowNs);
        h.stack.poll(h.nowNs);
        byte[] f = h.expect();
        // Swap roles: the frame goes to a stack that owns the peer's addresses.
        StackHarness peer = new StackHarness(StackHarness.config().mac(PEER_MAC).ip(PEER_IP).build());
        UdpSocket receiver = peer.stack.udp().bind(0, 4000);
        peer.send(f);
        ByteBuffer dst = ByteBuffer.allocate(400);
        assertEquals(300, receiver.receive(dst));
        for (int i = 0; i < 300; i++) {
            assertEquals((byte) i, dst.get(i));
        }
        assertEquals(7000, receiver.lastSourcePort());
        assertEquals(OUR_IP, receiver.lastSourceIp());
    }

    @Test
    void datagramLargerThanOnePacketIsRefusedNamingItsSize() {
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        assertEquals(1472, socket.send(ByteBuffer.allocate(1472), PEER_IP, 4000, h.nowNs));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> socket.send(ByteBuffer.allocate(1473), PEER_IP, 4000, h.nowNs));
        assertTrue(e.getMessage().contains("1473"), e.getMessage());
    }

    @Test
    void portInUseIsRefusedAndEphemeralPortsAreFree() {
        UdpSocket first = h.stack.udp().bind(0, 7000);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.stack.udp().bind(OUR_IP, 7000));
        assertTrue(e.getMessage().contains("7000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> h.stack.udp().bind(0x0a000009, 7001));
        UdpSocket a = h.stack.udp().bind(0, 0);
        UdpSocket b = h.stack.udp().bind(0, 0);
        assertTrue(a.localPort() >= 49152 && b.localPort() >= 49152);
        assertTrue(a.localPort() != b.localPort());
        first.close();
        h.stack.udp().bind(0, 7000);
        assertEquals(3, h.stack.udp().socketCount());
    }

    @Test
    void closedSocketRefusesToSend() {
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        socket.close();
        assertThrows(IllegalStateException.class, () -> socket.send(ByteBuffer.allocate(1), PEER_IP, 1, h.nowNs));
    }

    @Test
    void receivingAllocatesNothingPerDatagram() {
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        ByteBuffer dst = ByteBuffer.allocateDirect(64);
        byte[] frame = udpFrameFromPeer(4000, 7000, HELLO);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 3; round++) {
            // Warm up, then measure: the injection copies into a pooled frame, the stack must add nothing.
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                h.link.inject(frame);
                h.stack.poll(h.nowNs);
                dst.clear();
                socket.receive(dst);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round == 2) {
                assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 10000 datagrams");
            }
        }
    }
}
