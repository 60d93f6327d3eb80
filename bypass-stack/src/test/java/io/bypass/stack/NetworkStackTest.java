package io.bypass.stack;

import static io.bypass.stack.testkit.Packets.BROADCAST_MAC;
import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bypass.stack.testkit.MemoryLink;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class NetworkStackTest {
    private static final int GROUP_IP = 0xe0000105; // 224.0.1.5
    private static final long GROUP_MAC = 0x01005e000105L; // RFC 1112 section 6.4
    private final StackHarness h = new StackHarness();

    @Test
    void frameToAnotherUnicastMacIsDropped() {
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        h.send(ethernet(0x02_00_00_00_00_77L, PEER_MAC, 0x0800, ipv4(PEER_IP, OUR_IP, 17,
                udp(PEER_IP, OUR_IP, 1, 7000, new byte[4]))));
        assertEquals(0, socket.queued());
        assertEquals(1, h.count(Counter.ETH_RX_DROP_NOT_FOR_US));
        h.assertFramesInUse(0);
    }

    @Test
    void broadcastFrameIsAccepted() {
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806,
                io.bypass.stack.testkit.Packets.arp(1, PEER_MAC, PEER_IP, 0, OUR_IP)));
        assertEquals(1, h.count(Counter.ARP_REPLIES_SENT));
    }

    @Test
    void joinedMulticastGroupIsAcceptedAndOthersAreNot() {
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        byte[] frame = ethernet(GROUP_MAC, PEER_MAC, 0x0800,
                ipv4(PEER_IP, GROUP_IP, 17, udp(PEER_IP, GROUP_IP, 1, 7000, new byte[4])));
        h.send(frame);
        assertEquals(0, socket.queued());
        assertEquals(1, h.count(Counter.ETH_RX_DROP_NOT_FOR_US));
        h.stack.joinMulticast(GROUP_MAC);
        h.send(frame);
        assertEquals(1, socket.queued());
        h.stack.leaveMulticast(GROUP_MAC);
        h.send(frame);
        assertEquals(1, socket.queued());
        assertEquals(2, h.count(Counter.ETH_RX_DROP_NOT_FOR_US));
        assertThrows(IllegalArgumentException.class, () -> h.stack.joinMulticast(PEER_MAC));
    }

    @Test
    void unknownEtherTypeAndRuntFramesAreCounted() {
        h.send(ethernet(OUR_MAC, PEER_MAC, 0x86dd, new byte[40]));
        h.send(new byte[13]);
        assertEquals(1, h.count(Counter.ETH_RX_DROP_UNKNOWN_TYPE));
        assertEquals(1, h.count(Counter.ETH_RX_DROP_TRUNCATED));
        assertEquals(2, h.count(Counter.RX_FRAMES));
        h.assertFramesInUse(0);
    }

    @Test
    void pollReportsWorkAndPollAtFollowsTimersAndQueuedFrames() {
        assertEquals(0, h.stack.poll(h.nowNs));
        assertEquals(Long.MAX_VALUE, h.stack.pollAtNs());
        h.link.inject(ethernet(OUR_MAC, PEER_MAC, 0x86dd, new byte[40]));
        h.link.inject(ethernet(OUR_MAC, PEER_MAC, 0x86dd, new byte[40]));
        assertEquals(2, h.stack.poll(h.nowNs));
        assertEquals(Long.MAX_VALUE, h.stack.pollAtNs());

        h.stack.udp().bind(0, 0).send(ByteBuffer.allocate(1), PEER_IP, 9, h.nowNs);
        // The datagram waits for ARP; the request waits in the transmit burst.
        assertEquals(h.nowNs, h.stack.pollAtNs(), "frames queued: run now");
        h.stack.flush();
        assertEquals(h.nowNs + 1_000_000_000L, h.stack.pollAtNs(), "next ARP retry");
    }

    @Test
    void receiveBurstIsBoundedByTheConfiguredSize() {
        StackHarness small = new StackHarness(StackHarness.config().rxBurstSize(2).build());
        for (int i = 0; i < 5; i++) {
            small.link.inject(ethernet(OUR_MAC, PEER_MAC, 0x86dd, new byte[40]));
        }
        assertEquals(2, small.stack.poll(small.nowNs));
        assertEquals(2, small.stack.poll(small.nowNs));
        assertEquals(1, small.stack.poll(small.nowNs));
    }

    @Test
    void transmitBurstIsFlushedWhenFull() {
        MemoryLink link = new MemoryLink();
        StackHarness small = new StackHarness(StackHarness.config().txBurstSize(2).build(), link);
        small.learnPeer();
        UdpSocket socket = small.stack.udp().bind(0, 0);
        for (int i = 0; i < 3; i++) {
            socket.send(ByteBuffer.allocate(1), PEER_IP, 9, small.nowNs);
        }
        assertEquals(2, link.sentCount(), "one full burst left without a poll");
        small.stack.flush();
        assertEquals(3, link.sentCount());
        assertEquals(3, small.count(Counter.TX_FRAMES) - 2, "plus the ARP announcement and reply");
    }
}
