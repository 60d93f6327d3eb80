package io.bypass.stack;

import static io.bypass.stack.testkit.Packets.BROADCAST_MAC;
import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.arp;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.fragment;
import static io.bypass.stack.testkit.Packets.icmpEcho;
import static io.bypass.stack.testkit.Packets.ipFrameFromPeer;
import static io.bypass.stack.testkit.Packets.u16;
import static io.bypass.stack.testkit.Packets.u8;
import static io.bypass.stack.testkit.Packets.udp;
import static io.bypass.stack.testkit.Packets.udpFrameFromPeer;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.testkit.MemoryLink;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * When the link has no free frame, every path that sends refuses quietly and counts it
 * ({@link Counter#TX_DROP_NO_FRAME}), nothing throws or leaks, and the stack carries on
 * once frames are back; unread received datagrams cannot take every frame.
 */
class FrameExhaustionTest {
    private static final long SECOND_NS = 1_000_000_000L;

    private StackHarness h = new StackHarness();

    /** Lets the link hand out no frame from now on, as if the NIC's transmit pool were empty. */
    private void exhaustThePool() {
        h.link.refuseAllocation(true);
    }

    private void giveFramesBack() {
        h.link.refuseAllocation(false);
    }

    /** Empties the pool, then receives a frame. */
    private void receiveWithNoFreeFrame(byte[] frame) {
        exhaustThePool();
        h.send(frame);
    }

    @Test
    void arpReplyWithoutAFreeFrameIsCounted() {
        byte[] request = ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, 0, OUR_IP));
        receiveWithNoFreeFrame(request);
        assertEquals(1, h.count(Counter.ARP_RX_ACCEPTED));
        assertEquals(0, h.count(Counter.ARP_REPLIES_SENT));
        assertEquals(1, h.count(Counter.TX_DROP_NO_FRAME));
        giveFramesBack();
        h.assertFramesInUse(0);
        h.send(request);
        assertEquals(2, u16(h.expect(), 20), "answered once frames are back");
    }

    @Test
    void echoReplyWithoutAFreeFrameIsCounted() {
        h.learnPeer();
        byte[] echo = ipFrameFromPeer(1, icmpEcho(8, 1, 1, new byte[32]));
        receiveWithNoFreeFrame(echo);
        assertEquals(1, h.count(Counter.ICMP_ECHO_REQUESTS_RECEIVED));
        assertEquals(0, h.count(Counter.ICMP_ECHO_REPLIES_SENT));
        assertEquals(1, h.count(Counter.TX_DROP_NO_FRAME));
        giveFramesBack();
        h.assertFramesInUse(0);
        h.send(echo);
        assertEquals(0, u8(h.expect(), 34), "echo reply once frames are back");
    }

    @Test
    void portUnreachableWithoutAFreeFrameIsCounted() {
        h.learnPeer();
        receiveWithNoFreeFrame(udpFrameFromPeer(4000, 9999, new byte[4]));
        assertEquals(1, h.count(Counter.UDP_RX_DROP_NO_PORT));
        assertEquals(0, h.count(Counter.ICMP_UNREACHABLE_SENT));
        assertEquals(1, h.count(Counter.TX_DROP_NO_FRAME));
        giveFramesBack();
        h.assertFramesInUse(0);
    }

    @Test
    void udpSendWithoutAFreeFrameSendsNothingAndReturnsZero() {
        h.learnPeer();
        UdpSocket socket = h.stack.udp().bind(0, 5000);
        ByteBuffer data = ByteBuffer.allocate(100);
        exhaustThePool();
        assertEquals(0, socket.send(data, PEER_IP, 53, h.nowNs));
        assertEquals(100, data.remaining(), "nothing consumed: the caller may try again");
        assertEquals(1, h.count(Counter.TX_DROP_NO_FRAME));
        giveFramesBack();
        assertEquals(100, socket.send(data, PEER_IP, 53, h.nowNs));
        h.stack.flush();
        assertEquals(17, u8(h.expect(), 23));
        h.assertFramesInUse(0);
    }

    @Test
    void tcpSynWithoutAFreeFrameIsSentByTheRetransmissionTimer() {
        h.learnPeer();
        exhaustThePool();
        TcpConnection c = h.stack.tcp().connect(0, 0, PEER_IP, 80, h.nowNs);
        h.stack.poll(h.nowNs);
        h.expectNothing();
        assertEquals(true, h.count(Counter.TX_DROP_NO_FRAME) >= 1);
        giveFramesBack();
        for (int i = 0; i < 3 && h.link.sentCount() == 0; i++) {
            h.advanceNs(SECOND_NS);
        }
        byte[] syn = h.expect();
        assertEquals(6, u8(syn, 23), "TCP");
        assertEquals(0x02, u8(syn, 47) & 0x02, "SYN");
        c.abort(h.nowNs);
        h.stack.poll(h.nowNs);
        h.link.clearSent();
    }

    @Test
    void timeExceededWithoutAFreeFrameIsCounted() {
        h.learnPeer();
        byte[] d = udp(PEER_IP, OUR_IP, 4000, 7000, new byte[2000]);
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, 17, 1, d, 0, 1480)));
        exhaustThePool();
        h.advanceNs(30 * SECOND_NS);
        assertEquals(1, h.count(Counter.IP_FRAG_TIMEOUT));
        assertEquals(0, h.count(Counter.ICMP_TIME_EXCEEDED_SENT));
        assertEquals(1, h.count(Counter.TX_DROP_NO_FRAME));
        assertEquals(0, h.stack.ipv4().reassemblyBuffersInUse());
        giveFramesBack();
        h.assertFramesInUse(0);
    }

    @Test
    void unreadDatagramsCannotTakeEveryFrameOfTheLink() {
        // Eight frames in all; UDP sockets may hold four, so replies still find frames.
        h = new StackHarness(StackHarness.config().udpReceiveFramesTotal(4).build(), new MemoryLink(8, 1500));
        h.learnPeer();
        UdpSocket a = h.stack.udp().bind(0, 7000);
        UdpSocket b = h.stack.udp().bind(0, 7001);
        for (int i = 0; i < 3; i++) {
            h.send(udpFrameFromPeer(4000, 7000, new byte[] {(byte) i}));
            h.send(udpFrameFromPeer(4000, 7001, new byte[] {(byte) i}));
        }
        assertEquals(4, a.queued() + b.queued());
        assertEquals(2, h.count(Counter.UDP_RX_DROP_MEMORY));
        assertEquals(4, h.stack.udp().heldFrames());
        h.send(ipFrameFromPeer(1, icmpEcho(8, 1, 1, new byte[8])));
        assertEquals(0, u8(h.expect(), 34), "echo still answered");
        a.receive(ByteBuffer.allocate(10));
        h.send(udpFrameFromPeer(4000, 7000, new byte[] {9}));
        assertEquals(4, a.queued() + b.queued(), "room again after a read");
        a.close();
        b.close();
        assertEquals(0, h.stack.udp().heldFrames());
        h.assertFramesInUse(0);
    }
}
