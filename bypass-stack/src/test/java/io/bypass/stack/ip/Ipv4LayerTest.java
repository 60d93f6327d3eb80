package io.bypass.stack.ip;

import static io.bypass.stack.testkit.Packets.BROADCAST_MAC;
import static io.bypass.stack.testkit.Packets.GATEWAY_IP;
import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.REMOTE_IP;
import static io.bypass.stack.testkit.Packets.SUBNET_BROADCAST;
import static io.bypass.stack.testkit.Packets.checksum;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.i32;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.mac;
import static io.bypass.stack.testkit.Packets.setIpChecksum;
import static io.bypass.stack.testkit.Packets.u16;
import static io.bypass.stack.testkit.Packets.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.StackCounters;
import io.bypass.stack.arp.ArpLayer;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.TransmitBurst;
import io.bypass.stack.testkit.MemoryLink;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.time.TimerWheel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class Ipv4LayerTest {
    private static final byte[] PAYLOAD = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

    /** Records what the IPv4 layer delivers, and releases the frame. */
    static final class RecordingTransport implements TransportProtocol {
        int packets;
        int offset;
        int length;
        int srcIp;
        int dstIp;
        byte[] bytes;
        int frameLength;

        @Override
        public void receive(Frame frame, int offset, int length, int srcIp, int dstIp, long nowNs) {
            packets++;
            this.offset = offset;
            this.length = length;
            this.srcIp = srcIp;
            this.dstIp = dstIp;
            this.frameLength = frame.length();
            this.bytes = new byte[length];
            MemorySegment.copy(frame.memory(), ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
            frame.release();
        }

        @Override
        public void onIcmpError(int type, int code, int nextHopMtu, int originalSrcIp, int originalDstIp,
                                MemorySegment memory, long transportOffset, int transportLength, long nowNs) {
        }
    }

    private final MemoryLink link = new MemoryLink();
    private final StackCounters counters = new StackCounters();
    private final RecordingTransport udp = new RecordingTransport();
    private final RecordingTransport tcp = new RecordingTransport();
    private Ipv4Layer ip = layer(StackHarness.config().build());
    private TransmitBurst tx;

    private Ipv4Layer layer(StackConfig config) {
        TimerWheel timers = new TimerWheel(1_000_000, 64, 0);
        tx = new TransmitBurst(link, counters, 8);
        ArpLayer arp = new ArpLayer(config, link, tx, timers, counters);
        Ipv4Layer layer = new Ipv4Layer(config, link, arp, tx, timers, counters);
        layer.register(17, udp);
        layer.register(6, tcp);
        return layer;
    }

    /** Delivers the IP packet inside an Ethernet frame to the layer, as the stack does. */
    private void receive(byte[] packet, boolean linkGroup) {
        byte[] frameBytes = ethernet(linkGroup ? BROADCAST_MAC : OUR_MAC, PEER_MAC, 0x0800, packet);
        Frame frame = link.pool().allocate();
        MemorySegment.copy(frameBytes, 0, frame.memory(), ValueLayout.JAVA_BYTE, 0, frameBytes.length);
        frame.window(14, frameBytes.length - 14);
        ip.receive(frame, linkGroup, 0);
        assertEquals(0, link.pool().inUse(), "frame leaked");
    }

    private void receive(byte[] packet) {
        receive(packet, false);
    }

    private void assertDropped(Counter reason) {
        assertEquals(0, udp.packets + tcp.packets, "nothing delivered");
        assertEquals(1, counters.get(reason), reason.name());
    }

    @Test
    void validPacketIsDeliveredWithTransportOffsetAndLength() {
        receive(ipv4(PEER_IP, OUR_IP, 17, PAYLOAD));
        assertEquals(1, udp.packets);
        assertEquals(14 + 20, udp.offset);
        assertEquals(PAYLOAD.length, udp.length);
        assertEquals(PEER_IP, udp.srcIp);
        assertEquals(OUR_IP, udp.dstIp);
    }

    @Test
    void truncatedHeaderIsDropped() {
        receive(new byte[] {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17});
        assertDropped(Counter.IP_RX_DROP_MALFORMED);
    }

    @Test
    void version6IsDropped() {
        byte[] p = ipv4(PEER_IP, OUR_IP, 17, PAYLOAD);
        p[0] = 0x65;
        setIpChecksum(p, 0);
        receive(p);
        assertDropped(Counter.IP_RX_DROP_MALFORMED);
    }

    @Test
    void headerLengthBelowFiveWordsIsDropped() {
        byte[] p = ipv4(PEER_IP, OUR_IP, 17, PAYLOAD);
        p[0] = 0x44;
        receive(p);
        assertDropped(Counter.IP_RX_DROP_MALFORMED);
    }

    @Test
    void headerLengthBeyondTotalLengthIsDropped() {
        // IHL 15 = 60 bytes, but the packet is 32 bytes long in all.
        byte[] p = ipv4(PEER_IP, OUR_IP, 17, PAYLOAD);
        byte[] padded = new byte[80];
        System.arraycopy(p, 0, padded, 0, p.length);
        padded[0] = 0x4f;
        receive(padded);
        assertDropped(Counter.IP_RX_DROP_MALFORMED);
    }

    @Test
    void totalLengthBeyondTheFrameIsDropped() {
        byte[] p = ipv4(PEER_IP, OUR_IP, 17, PAYLOAD);
        p[3] = (byte) (p.length + 1);
        setIpChecksum(p, 0);
        receive(p);
        assertDropped(Counter.IP_RX_DROP_MALFORMED);
    }

    @Test
    void badHeaderChecksumIsDropped() {
        byte[] p = ipv4(PEER_IP, OUR_IP, 17, PAYLOAD);
        p[11] ^= 1;
        receive(p);
        assertDropped(Counter.IP_RX_DROP_BAD_CHECKSUM);
    }

    @Test
    void fragmentNotAMultipleOfEightBytesIsDropped() {
        // RFC 791 section 3.2: every fragment but the last carries a multiple of 8 bytes.
        byte[] p = ipv4(PEER_IP, OUR_IP, 17, PAYLOAD);
        p[6] = 0x20; // MF, 12 bytes of payload
        setIpChecksum(p, 0);
        receive(p);
        assertDropped(Counter.IP_RX_DROP_FRAGMENT);
    }

    @Test
    void optionsAreSkippedAndTheTransportStartsAfterThem() {
        // RFC 1122 section 3.2.1.8; four NOP options then end of list.
        byte[] options = {1, 1, 1, 0, 1, 1, 1, 0};
        receive(ipv4(PEER_IP, OUR_IP, 17, options, PAYLOAD));
        assertEquals(1, udp.packets);
        assertEquals(14 + 28, udp.offset);
        assertEquals(PAYLOAD.length, udp.length);
        assertEquals(java.util.Arrays.toString(PAYLOAD), java.util.Arrays.toString(udp.bytes));
        assertEquals(1, counters.get(Counter.IP_RX_OPTIONS_IGNORED));
    }

    @Test
    void ethernetPaddingIsTrimmed() {
        byte[] p = ipv4(PEER_IP, OUR_IP, 17, new byte[] {9, 9});
        byte[] padded = new byte[46]; // RFC 894 minimum payload; the rest is padding
        System.arraycopy(p, 0, padded, 0, p.length);
        java.util.Arrays.fill(padded, p.length, padded.length, (byte) 0x55);
        receive(padded);
        assertEquals(2, udp.length);
        assertEquals(p.length, udp.frameLength, "window narrowed to the IP packet");
    }

    @Test
    void packetForAnotherAddressIsDropped() {
        receive(ipv4(PEER_IP, 0x0a000009, 17, PAYLOAD));
        assertDropped(Counter.IP_RX_DROP_NOT_FOR_US);
    }

    @Test
    void broadcastsAreAcceptedForUdpButNotTcp() {
        receive(ipv4(PEER_IP, 0xffffffff, 17, PAYLOAD), true);
        receive(ipv4(PEER_IP, SUBNET_BROADCAST, 17, PAYLOAD), true);
        assertEquals(2, udp.packets);
        receive(ipv4(PEER_IP, SUBNET_BROADCAST, 6, PAYLOAD), true);
        assertEquals(0, tcp.packets);
        assertEquals(1, counters.get(Counter.IP_RX_DROP_NOT_FOR_US));
    }

    @Test
    void unicastInALinkBroadcastIsDropped() {
        // RFC 1122 section 3.3.6.
        receive(ipv4(PEER_IP, OUR_IP, 17, PAYLOAD), true);
        assertDropped(Counter.IP_RX_DROP_NOT_FOR_US);
    }

    @Test
    void impossibleSourcesAreDropped() {
        // RFC 1122 section 3.2.1.3.
        receive(ipv4(0xffffffff, OUR_IP, 17, PAYLOAD));
        receive(ipv4(0xe0000001, OUR_IP, 17, PAYLOAD));
        receive(ipv4(0x7f000001, OUR_IP, 17, PAYLOAD));
        receive(ipv4(SUBNET_BROADCAST, OUR_IP, 17, PAYLOAD));
        receive(ipv4(0, OUR_IP, 17, PAYLOAD));
        receive(ipv4(OUR_IP, OUR_IP, 17, PAYLOAD));
        assertEquals(0, udp.packets);
        assertEquals(6, counters.get(Counter.IP_RX_DROP_BAD_SOURCE));
        receive(ipv4(0, 0xffffffff, 17, PAYLOAD), true);
        assertEquals(1, udp.packets, "0.0.0.0 to the broadcast is a host learning its address");
    }

    @Test
    void unknownProtocolIsDropped() {
        receive(ipv4(PEER_IP, OUR_IP, 47, PAYLOAD));
        assertDropped(Counter.IP_RX_DROP_UNKNOWN_PROTOCOL);
    }

    private void sendTo(int dstIp) {
        Frame frame = ip.allocate();
        MemorySegment.copy(PAYLOAD, 0, frame.memory(), ValueLayout.JAVA_BYTE, IpSender.TRANSPORT_OFFSET, PAYLOAD.length);
        ip.send(frame, dstIp, 17, PAYLOAD.length, 0);
        tx.flush();
    }

    private byte[] takeSent() {
        byte[] frame = link.takeSent();
        assertEquals(true, frame != null, "a frame was sent");
        return frame;
    }

    @Test
    void aSenderSetsTheDscpAndEcnByteUnderTheHeaderChecksum() {
        // RFC 2474 section 3: the DSCP in the high six bits; 0xb8 is EF (expedited forwarding).
        Frame frame = ip.allocate();
        MemorySegment.copy(PAYLOAD, 0, frame.memory(), ValueLayout.JAVA_BYTE, IpSender.TRANSPORT_OFFSET, PAYLOAD.length);
        ip.send(frame, 0xffffffff, 17, 0xb8, PAYLOAD.length, 0);
        tx.flush();
        byte[] f = takeSent();
        assertEquals(0xb8, u8(f, 15));
        assertEquals(0, checksum(f, 14, 20, 0), "header checksum covers the byte");
        sendTo(0xffffffff);
        assertEquals(0, u8(takeSent(), 15), "0 by default");
    }

    @Test
    void sentHeaderIsCompleteWithDontFragmentTtlAndChecksum() {
        sendTo(0xffffffff);
        byte[] f = takeSent();
        assertEquals(BROADCAST_MAC, mac(f, 0), "limited broadcast goes to the MAC broadcast, no ARP");
        assertEquals(OUR_MAC, mac(f, 6));
        assertEquals(0x45, u8(f, 14));
        assertEquals(20 + PAYLOAD.length, u16(f, 16));
        assertEquals(0x4000, u16(f, 20), "DF, no fragment offset");
        assertEquals(64, u8(f, 22));
        assertEquals(17, u8(f, 23));
        assertEquals(OUR_IP, i32(f, 26));
        assertEquals(0xffffffff, i32(f, 30));
        assertEquals(0, checksum(f, 14, 20, 0), "header checksum");
        int firstId = u16(f, 18);
        sendTo(SUBNET_BROADCAST);
        assertEquals((firstId + 1) & 0xffff, u16(takeSent(), 18), "identification from a counter");
        assertEquals(0, link.pool().inUse());
    }

    @Test
    void onLinkDestinationIsResolvedDirectly() {
        sendTo(PEER_IP);
        byte[] request = takeSent();
        assertEquals(0x0806, u16(request, 12));
        assertEquals(PEER_IP, i32(request, 38), "ARP target is the destination itself");
    }

    @Test
    void offLinkDestinationGoesThroughTheGateway() {
        sendTo(REMOTE_IP);
        byte[] request = takeSent();
        assertEquals(0x0806, u16(request, 12));
        assertEquals(GATEWAY_IP, i32(request, 38), "ARP target is the gateway");
    }

    @Test
    void offLinkDestinationWithoutGatewayHasNoRoute() {
        ip = layer(StackConfig.builder().mac(OUR_MAC).ip(OUR_IP).prefixLength(24).build());
        sendTo(REMOTE_IP);
        assertNull(link.takeSent());
        assertEquals(1, counters.get(Counter.IP_TX_DROP_NO_ROUTE));
        assertEquals(0, link.pool().inUse());
    }
}
