package io.bypass.stack.arp;

import static io.bypass.stack.testkit.Packets.BROADCAST_MAC;
import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.arp;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.i32;
import static io.bypass.stack.testkit.Packets.mac;
import static io.bypass.stack.testkit.Packets.u16;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.testkit.MemoryLink;
import io.bypass.stack.testkit.StackHarness;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ArpLayerTest {
    private static final long SECOND_NS = 1_000_000_000L;
    private static final int OTHER_IP = 0x0a000003;
    private static final long OTHER_MAC = 0x02_00_00_00_00_03L;

    private final StackHarness h = new StackHarness();

    /** Asserts that {@code frame} is an ARP packet with these fields. */
    private static void assertArp(byte[] frame, long ethDst, int op, long senderMac, int senderIp, long targetMac,
                                  int targetIp) {
        assertEquals(ethDst, mac(frame, 0), "Ethernet destination");
        assertEquals(OUR_MAC, mac(frame, 6), "Ethernet source");
        assertEquals(0x0806, u16(frame, 12), "EtherType");
        assertEquals(1, u16(frame, 14), "htype");
        assertEquals(0x0800, u16(frame, 16), "ptype");
        assertEquals(op, u16(frame, 20), "operation");
        assertEquals(senderMac, mac(frame, 22), "sender MAC");
        assertEquals(senderIp, i32(frame, 28), "sender IP");
        assertEquals(targetMac, mac(frame, 32), "target MAC");
        assertEquals(targetIp, i32(frame, 38), "target IP");
    }

    private void sendUdpToPeer(int dstIp) {
        h.stack.udp().bind(0, 0).send(ByteBuffer.wrap(new byte[] {1, 2, 3}), dstIp, 9, h.nowNs);
        h.stack.poll(h.nowNs);
    }

    @Test
    void gratuitousArpAtStart() {
        // RFC 5227 section 3: an announcement is a request with sender = target = our address.
        MemoryLink link = new MemoryLink();
        NetworkStack stack = new NetworkStack(StackHarness.config().build(), link, 0);
        stack.poll(0);
        assertArp(link.takeSent(), BROADCAST_MAC, 1, OUR_MAC, OUR_IP, 0, OUR_IP);
        assertEquals(1, stack.counters().get(Counter.ARP_REQUESTS_SENT));
        assertEquals(0, link.pool().inUse());
    }

    @Test
    void requestForOurAddressIsAnsweredAndTeachesUs() {
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, 0, OUR_IP)));
        assertArp(h.expect(), PEER_MAC, 2, OUR_MAC, OUR_IP, PEER_MAC, PEER_IP);
        h.expectNothing();
        assertEquals(ArpCache.REACHABLE, h.stack.arpCache().stateOf(PEER_IP));
        assertEquals(PEER_MAC, h.stack.arpCache().macOf(PEER_IP));
        assertEquals(1, h.count(Counter.ARP_REPLIES_SENT));
        h.assertFramesInUse(0);
    }

    @Test
    void requestForAnotherAddressIsNotAnsweredAndCreatesNoEntry() {
        // RFC 826: create an entry only when we are the target.
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, 0, OTHER_IP)));
        h.expectNothing();
        assertEquals(ArpCache.FREE, h.stack.arpCache().stateOf(PEER_IP));
        assertEquals(1, h.count(Counter.ARP_RX_NOT_FOR_US));
        h.assertFramesInUse(0);
    }

    @Test
    void anyArpPacketUpdatesAnExistingEntry() {
        // RFC 826 merge rule: an existing entry is updated from any packet's sender.
        h.learnPeer();
        long newMac = 0x02_00_00_00_00_99L;
        h.send(ethernet(BROADCAST_MAC, newMac, 0x0806, arp(1, newMac, PEER_IP, 0, OTHER_IP)));
        h.expectNothing();
        assertEquals(newMac, h.stack.arpCache().macOf(PEER_IP));
    }

    @Test
    void arpFromOurOwnMacOrClaimingOurIpIsIgnored() {
        h.send(ethernet(BROADCAST_MAC, OUR_MAC, 0x0806, arp(1, OUR_MAC, OUR_IP, 0, OUR_IP)));
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(2, PEER_MAC, OUR_IP, OUR_MAC, OUR_IP)));
        h.expectNothing();
        assertEquals(2, h.count(Counter.ARP_RX_DROP_OWN));
        assertEquals(0, h.stack.arpCache().size());
    }

    @Test
    void malformedArpIsCounted() {
        byte[] bad = arp(1, PEER_MAC, PEER_IP, 0, OUR_IP);
        bad[4] = 8; // hardware length 8: not Ethernet
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, bad));
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, new byte[27]));
        byte[] badOp = arp(3, PEER_MAC, PEER_IP, 0, OUR_IP);
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, badOp));
        h.expectNothing();
        assertEquals(3, h.count(Counter.ARP_RX_DROP_MALFORMED));
        h.assertFramesInUse(0);
    }

    @Test
    void unresolvedPacketIsQueuedAndSentWhenTheReplyArrives() {
        sendUdpToPeer(PEER_IP);
        assertArp(h.expect(), BROADCAST_MAC, 1, OUR_MAC, OUR_IP, 0, PEER_IP);
        h.expectNothing();
        assertEquals(ArpCache.INCOMPLETE, h.stack.arpCache().stateOf(PEER_IP));
        assertEquals(1, h.stack.arpCache().queuedPackets());

        h.answerArp(PEER_IP, PEER_MAC);
        byte[] datagram = h.expect();
        assertEquals(PEER_MAC, mac(datagram, 0));
        assertEquals(0x0800, u16(datagram, 12));
        assertEquals(PEER_IP, i32(datagram, 14 + 16));
        assertEquals(0, h.stack.arpCache().queuedPackets());
        h.assertFramesInUse(0);
    }

    @Test
    void resolutionRetriesEverySecondThenFailsAndReleasesQueuedPackets() {
        sendUdpToPeer(PEER_IP);
        sendUdpToPeer(PEER_IP);
        assertArp(h.expect(), BROADCAST_MAC, 1, OUR_MAC, OUR_IP, 0, PEER_IP);
        h.expectNothing();
        h.assertFramesInUse(2);

        h.advanceNs(SECOND_NS - 1);
        h.expectNothing();
        h.advanceNs(1);
        assertArp(h.expect(), BROADCAST_MAC, 1, OUR_MAC, OUR_IP, 0, PEER_IP);
        h.advanceNs(SECOND_NS);
        assertArp(h.expect(), BROADCAST_MAC, 1, OUR_MAC, OUR_IP, 0, PEER_IP);
        h.expectNothing();
        assertEquals(0, h.count(Counter.ARP_RESOLUTION_FAILED));

        h.advanceNs(SECOND_NS);
        h.expectNothing();
        assertEquals(1, h.count(Counter.ARP_RESOLUTION_FAILED));
        assertEquals(2, h.count(Counter.ARP_DROP_UNRESOLVED));
        assertEquals(ArpCache.FREE, h.stack.arpCache().stateOf(PEER_IP));
        h.assertFramesInUse(0);
        assertEquals(Long.MAX_VALUE, h.stack.pollAtNs(), "no timer left once resolution gave up");
    }

    @Test
    void expiredEntryIsReconfirmedOnUseWhileTrafficContinues() {
        h.learnPeer();
        h.advanceNs(31 * SECOND_NS);
        sendUdpToPeer(PEER_IP);
        // RFC 1122 section 2.3.2.1: the packet still goes to the cached MAC; a unicast poll confirms it.
        assertArp(h.expect(), PEER_MAC, 1, OUR_MAC, OUR_IP, 0, PEER_IP);
        assertEquals(PEER_MAC, mac(h.expect(), 0));
        assertEquals(ArpCache.STALE, h.stack.arpCache().stateOf(PEER_IP));

        h.answerArp(PEER_IP, PEER_MAC);
        assertEquals(ArpCache.REACHABLE, h.stack.arpCache().stateOf(PEER_IP));
        h.advanceNs(5 * SECOND_NS);
        h.expectNothing();
        h.assertFramesInUse(0);
    }

    @Test
    void expiredEntryThatStaysSilentIsRemoved() {
        h.learnPeer();
        h.advanceNs(31 * SECOND_NS);
        sendUdpToPeer(PEER_IP);
        h.link.clearSent();
        h.advanceNs(SECOND_NS);
        h.advanceNs(SECOND_NS);
        assertEquals(2, h.link.sentCount(), "two more unicast polls");
        h.link.clearSent();
        h.advanceNs(SECOND_NS);
        assertEquals(ArpCache.FREE, h.stack.arpCache().stateOf(PEER_IP));
        assertEquals(1, h.count(Counter.ARP_RESOLUTION_FAILED));

        sendUdpToPeer(PEER_IP);
        assertArp(h.expect(), BROADCAST_MAC, 1, OUR_MAC, OUR_IP, 0, PEER_IP);
        assertEquals(ArpCache.INCOMPLETE, h.stack.arpCache().stateOf(PEER_IP));
    }

    @Test
    void pendingQueueIsBoundedPerNeighbourAndInTotal() {
        StackHarness small = new StackHarness(StackHarness.config().arpQueuePerNeighbour(2).arpQueueTotal(3).build());
        var socket = small.stack.udp().bind(0, 5000);
        for (int i = 0; i < 3; i++) {
            socket.send(ByteBuffer.wrap(new byte[] {1}), PEER_IP, 9, small.nowNs);
        }
        assertEquals(1, small.count(Counter.ARP_DROP_QUEUE_FULL), "per-neighbour limit of 2");
        for (int i = 0; i < 2; i++) {
            socket.send(ByteBuffer.wrap(new byte[] {1}), OTHER_IP, 9, small.nowNs);
        }
        assertEquals(2, small.count(Counter.ARP_DROP_QUEUE_FULL), "total limit of 3");
        socket.send(ByteBuffer.wrap(new byte[] {1}), 0x0a000004, 9, small.nowNs);
        assertEquals(3, small.count(Counter.ARP_DROP_QUEUE_FULL), "total limit for a new neighbour");
        assertEquals(3, small.stack.arpCache().queuedPackets());
        small.stack.poll(small.nowNs);
        small.link.clearSent();
        small.assertFramesInUse(3);

        small.answerArp(OTHER_IP, OTHER_MAC);
        small.answerArp(PEER_IP, PEER_MAC);
        assertEquals(3, small.link.sentCount());
        small.assertFramesInUse(0);
    }

    @Test
    void fullCacheEvictsTheResolvedEntryClosestToExpiry() {
        StackHarness small = new StackHarness(StackHarness.config().arpCacheSize(2).build());
        small.learnPeer();
        small.advanceNs(SECOND_NS);
        small.send(ethernet(BROADCAST_MAC, OTHER_MAC, 0x0806, arp(1, OTHER_MAC, OTHER_IP, 0, OUR_IP)));
        small.advanceNs(SECOND_NS);
        int third = 0x0a000004;
        small.send(ethernet(BROADCAST_MAC, 0x02_00_00_00_00_04L, 0x0806,
                arp(1, 0x02_00_00_00_00_04L, third, 0, OUR_IP)));
        assertEquals(ArpCache.FREE, small.stack.arpCache().stateOf(PEER_IP));
        assertEquals(ArpCache.REACHABLE, small.stack.arpCache().stateOf(OTHER_IP));
        assertEquals(ArpCache.REACHABLE, small.stack.arpCache().stateOf(third));
        assertEquals(2, small.stack.arpCache().size());
    }
}
