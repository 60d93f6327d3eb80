package io.bypass.stack.ip;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.REMOTE_IP;
import static io.bypass.stack.testkit.Packets.icmpError;
import static io.bypass.stack.testkit.Packets.ipFrameFromPeer;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.slice;
import static io.bypass.stack.testkit.Packets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bypass.stack.Counter;
import io.bypass.stack.testkit.MemoryLink;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.DatagramTooLargeException;
import io.bypass.stack.udp.UdpSocket;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Path MTU discovery (RFC 1191): ICMP fragmentation needed about packets our sockets sent. */
class PathMtuTest {
    private static final long SECOND_NS = 1_000_000_000L;
    private static final int OTHER_REMOTE_IP = 0xc0000208;

    private StackHarness h = new StackHarness();
    private UdpSocket socket = h.stack.udp().bind(0, 5000);

    /** A router says our 1500-byte UDP datagram from {@code srcPort} to {@code dstIp} needs fragmenting. */
    private void fragmentationNeeded(int dstIp, int srcPort, int nextHopMtu) {
        byte[] ours = ipv4(OUR_IP, dstIp, 17, udp(OUR_IP, dstIp, srcPort, 53, new byte[1472]));
        h.send(ipFrameFromPeer(1, icmpError(3, 4, nextHopMtu, slice(ours, 0, 28))));
    }

    private int mtu(int dstIp) {
        return h.stack.ip().mtu(dstIp);
    }

    @Test
    void fragmentationNeededLowersThePathMtuOfThatDestinationOnly() {
        fragmentationNeeded(REMOTE_IP, 5000, 1400);
        assertEquals(1400, mtu(REMOTE_IP));
        assertEquals(1500, mtu(OTHER_REMOTE_IP));
        assertEquals(1500, mtu(PEER_IP));
        assertEquals(1, h.count(Counter.IP_PMTU_UPDATED));
    }

    @Test
    void udpDatagramLargerThanThePathMtuIsRefused() {
        fragmentationNeeded(REMOTE_IP, 5000, 1400);
        DatagramTooLargeException e = assertThrows(DatagramTooLargeException.class,
                () -> socket.send(ByteBuffer.allocate(1373), REMOTE_IP, 53, h.nowNs));
        assertEquals(1372, e.maxPayload());
        assertEquals(true, e.getMessage().contains("path MTU 1400"), e.getMessage());
        assertEquals(1372, socket.send(ByteBuffer.allocate(1372), REMOTE_IP, 53, h.nowNs));
        assertEquals(1472, socket.send(ByteBuffer.allocate(1472), OTHER_REMOTE_IP, 53, h.nowNs));
    }

    @Test
    void quoteOfAPacketNoSocketSentIsIgnored() {
        // RFC 5927 section 4.1: a forged error names a port nobody bound.
        fragmentationNeeded(REMOTE_IP, 5001, 1400);
        assertEquals(1500, mtu(REMOTE_IP));
        assertEquals(1, h.count(Counter.IP_PMTU_IGNORED));
    }

    @Test
    void mtuBelowTheMinimumIsIgnored() {
        fragmentationNeeded(REMOTE_IP, 5000, 551);
        fragmentationNeeded(REMOTE_IP, 5000, 67);
        assertEquals(1500, mtu(REMOTE_IP));
        assertEquals(2, h.count(Counter.IP_PMTU_IGNORED));
        fragmentationNeeded(REMOTE_IP, 5000, 552);
        assertEquals(552, mtu(REMOTE_IP));
    }

    @Test
    void pathMtuOnlyGoesDownFromIcmp() {
        fragmentationNeeded(REMOTE_IP, 5000, 1400);
        fragmentationNeeded(REMOTE_IP, 5000, 1450);
        assertEquals(1400, mtu(REMOTE_IP));
        assertEquals(1, h.count(Counter.IP_PMTU_IGNORED));
        fragmentationNeeded(REMOTE_IP, 5000, 1300);
        assertEquals(1300, mtu(REMOTE_IP));
    }

    @Test
    void routerThatDoesNotSayTheMtuGetsThePlateauBelow() {
        // RFC 1191 section 5: next-hop MTU 0; the quoted packet was 1500 bytes, so 1492.
        fragmentationNeeded(REMOTE_IP, 5000, 0);
        assertEquals(1492, mtu(REMOTE_IP));
    }

    @Test
    void pathMtuExpiresAfterTenMinutes() {
        // RFC 1191 section 6.3 (Linux mtu_expires 600 s): try the larger MTU again.
        fragmentationNeeded(REMOTE_IP, 5000, 1400);
        h.advanceNs(599 * SECOND_NS);
        assertEquals(1400, mtu(REMOTE_IP));
        h.advanceNs(SECOND_NS);
        assertEquals(1500, mtu(REMOTE_IP));
        assertEquals(1, h.count(Counter.IP_PMTU_EXPIRED));
    }

    @Test
    void tableIsBoundedAndDropsTheEntryClosestToExpiry() {
        h = new StackHarness(StackHarness.config().pathMtuCacheSize(2).build());
        socket = h.stack.udp().bind(0, 5000);
        fragmentationNeeded(REMOTE_IP, 5000, 1400);
        h.advanceNs(SECOND_NS);
        fragmentationNeeded(OTHER_REMOTE_IP, 5000, 1300);
        h.advanceNs(SECOND_NS);
        fragmentationNeeded(PEER_IP, 5000, 1200);
        assertEquals(1500, mtu(REMOTE_IP), "the oldest entry made room");
        assertEquals(1300, mtu(OTHER_REMOTE_IP));
        assertEquals(1200, mtu(PEER_IP));
    }

    @Test
    void mtuNotBelowTheLinkMtuIsIgnored() {
        h = new StackHarness(StackHarness.config().build(), new MemoryLink(64, 1000));
        socket = h.stack.udp().bind(0, 5000);
        fragmentationNeeded(REMOTE_IP, 5000, 1200);
        assertEquals(1000, mtu(REMOTE_IP));
        assertEquals(1, h.count(Counter.IP_PMTU_IGNORED));
    }
}
