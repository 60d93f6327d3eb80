package io.bypass.stack.wire;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.checksum;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.pseudoHeaderSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class WireHeadersTest {
    private final MemorySegment memory = Arena.ofAuto().allocate(256);

    private void load(byte[] bytes) {
        memory.fill((byte) 0);
        MemorySegment.copy(bytes, 0, memory, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    private byte[] bytes(int length) {
        return memory.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void ipv4WrapChecksLengthsAgainstWhatIsAvailable() {
        byte[] packet = ipv4(PEER_IP, OUR_IP, 17, new byte[12]);
        load(packet);
        Ipv4Header ip = new Ipv4Header();
        assertTrue(ip.wrap(memory, 0, 32));
        assertTrue(ip.wrap(memory, 0, 60), "padding after the packet is fine");
        assertFalse(ip.wrap(memory, 0, 31), "total length beyond the available bytes");
        assertFalse(ip.wrap(memory, 0, 19), "shorter than a header");
        assertTrue(ip.checksumValid());
        assertEquals(PEER_IP, ip.source());
        assertEquals(OUR_IP, ip.destination());
        assertEquals(12, ip.payloadLength());
        assertTrue(ip.dontFragment());
        assertFalse(ip.isFragment());
        assertTrue(ip.wrapQuoted(memory, 0, 28), "a quote may be shorter than the total length");
    }

    @Test
    void ipv4WriteMatchesAnIndependentEncoder() {
        Ipv4Header ip = new Ipv4Header();
        ip.wrapUnchecked(memory, 0);
        ip.write(32, 0x1234, true, 64, 17, PEER_IP, OUR_IP);
        byte[] expected = ipv4(PEER_IP, OUR_IP, 17, new byte[12]);
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(expected, 20)),
                java.util.Arrays.toString(bytes(20)));
    }

    @Test
    void udpChecksumThatComputesToZeroIsSentAsAllOnes() {
        // RFC 768: zero is "no checksum", so a computed zero is transmitted as 0xffff.
        UdpHeader udp = new UdpHeader();
        udp.wrapUnchecked(memory, 0);
        udp.write(1000, 2000, 10);
        NetworkOrder.putU16(memory, 8, 0);
        udp.updateChecksum(PEER_IP, OUR_IP);
        int withZeroData = udp.checksum();
        // Data equal to that checksum makes the one's complement sum all ones: the checksum computes to zero.
        NetworkOrder.putU16(memory, 8, withZeroData);
        udp.updateChecksum(PEER_IP, OUR_IP);
        assertEquals(0xffff, udp.checksum());
        assertTrue(udp.wrap(memory, 0, 10));
        assertTrue(udp.checksumValid(PEER_IP, OUR_IP));
        assertEquals(0, checksum(bytes(10), 0, 10, pseudoHeaderSum(PEER_IP, OUR_IP, 17, 10)));
    }

    @Test
    void udpWrapRejectsLengthsOutsideThePacket() {
        UdpHeader udp = new UdpHeader();
        udp.wrapUnchecked(memory, 0);
        udp.write(1, 2, 7);
        assertFalse(udp.wrap(memory, 0, 20), "length below the header");
        udp.write(1, 2, 21);
        assertFalse(udp.wrap(memory, 0, 20), "length beyond the IP payload");
        udp.write(1, 2, 20);
        assertTrue(udp.wrap(memory, 0, 20));
        assertFalse(udp.wrap(memory, 0, 7), "fewer bytes than a header");
    }

    @Test
    void arpWrapAcceptsOnlyEthernetIpv4RequestsAndReplies() {
        ArpPacket arp = new ArpPacket();
        arp.wrapUnchecked(memory, 0);
        arp.write(ArpPacket.OP_REPLY, 0x020000000002L, PEER_IP, 0x020000000001L, OUR_IP);
        assertTrue(arp.wrap(memory, 0, 28));
        assertEquals(0x020000000002L, arp.senderMac());
        assertEquals(OUR_IP, arp.targetIp());
        assertFalse(arp.wrap(memory, 0, 27));
        NetworkOrder.putU16(memory, 2, 0x86dd);
        assertFalse(arp.wrap(memory, 0, 28), "protocol type not IPv4");
    }

    @Test
    void icmpFragmentationNeededCarriesTheNextHopMtu() {
        IcmpHeader icmp = new IcmpHeader();
        icmp.wrapUnchecked(memory, 0, 36);
        icmp.write(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, IcmpHeader.CODE_FRAGMENTATION_NEEDED);
        icmp.nextHopMtu(1400);
        icmp.updateChecksum();
        assertTrue(icmp.wrap(memory, 0, 36));
        assertTrue(icmp.checksumValid());
        assertEquals(1400, icmp.nextHopMtu());
        assertEquals(28, icmp.dataLength());
        assertFalse(icmp.wrap(memory, 0, 7));
    }
}
