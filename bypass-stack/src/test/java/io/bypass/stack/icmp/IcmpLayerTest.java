package io.bypass.stack.icmp;

import static io.bypass.stack.testkit.Packets.BROADCAST_MAC;
import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.SUBNET_BROADCAST;
import static io.bypass.stack.testkit.Packets.checksum;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.i32;
import static io.bypass.stack.testkit.Packets.icmpEcho;
import static io.bypass.stack.testkit.Packets.icmpError;
import static io.bypass.stack.testkit.Packets.ipFrameFromPeer;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.mac;
import static io.bypass.stack.testkit.Packets.slice;
import static io.bypass.stack.testkit.Packets.tcpSyn;
import static io.bypass.stack.testkit.Packets.u16;
import static io.bypass.stack.testkit.Packets.u8;
import static io.bypass.stack.testkit.Packets.udp;
import static io.bypass.stack.testkit.Packets.udpFrameFromPeer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.StackCounters;
import io.bypass.stack.arp.ArpLayer;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.ip.Ipv4Layer;
import io.bypass.stack.ip.TransportProtocol;
import io.bypass.stack.link.TransmitBurst;
import io.bypass.stack.testkit.MemoryLink;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.time.TimerWheel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class IcmpLayerTest {
    private final StackHarness h = new StackHarness();

    private static byte[] data(int length) {
        byte[] d = new byte[length];
        for (int i = 0; i < length; i++) {
            d[i] = (byte) (i * 7 + 3);
        }
        return d;
    }

    @Test
    void echoRequestGetsAByteExactReply() {
        // RFC 792 "Echo or Echo Reply Message": same identifier, sequence and data, type 0.
        h.learnPeer();
        byte[] payload = data(56);
        h.send(ipFrameFromPeer(1, icmpEcho(8, 0x4242, 7, payload)));
        byte[] reply = h.expect();
        assertEquals(PEER_MAC, mac(reply, 0));
        assertEquals(OUR_MAC, mac(reply, 6));
        assertEquals(0x0800, u16(reply, 12));
        assertEquals(0, checksum(reply, 14, 20, 0), "IP header checksum");
        assertEquals(1, u8(reply, 23));
        assertEquals(OUR_IP, i32(reply, 26));
        assertEquals(PEER_IP, i32(reply, 30));
        assertArrayEquals(icmpEcho(0, 0x4242, 7, payload), slice(reply, 34, reply.length));
        assertEquals(0, checksum(reply, 34, reply.length - 34, 0), "ICMP checksum");
        assertEquals(1, h.count(Counter.ICMP_ECHO_REPLIES_SENT));
        h.expectNothing();
        h.assertFramesInUse(0);
    }

    @Test
    void largePingUpToTheMtuIsAnswered() {
        h.learnPeer();
        byte[] payload = data(1500 - 20 - 8);
        h.send(ipFrameFromPeer(1, icmpEcho(8, 1, 1, payload)));
        byte[] reply = h.expect();
        assertEquals(14 + 1500, reply.length);
        assertArrayEquals(icmpEcho(0, 1, 1, payload), slice(reply, 34, reply.length));
        h.assertFramesInUse(0);
    }

    @Test
    void echoToABroadcastIsIgnored() {
        // RFC 1122 section 3.2.2.6 allows it; answering invites smurf amplification.
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0800, ipv4(PEER_IP, SUBNET_BROADCAST, 1, icmpEcho(8, 1, 1, data(8)))));
        h.expectNothing();
        assertEquals(1, h.count(Counter.ICMP_RX_IGNORED));
    }

    @Test
    void badChecksumOrTruncatedMessageIsMalformed() {
        byte[] echo = icmpEcho(8, 1, 1, data(8));
        echo[9] ^= 1;
        h.send(ipFrameFromPeer(1, echo));
        h.send(ipFrameFromPeer(1, new byte[] {8, 0, 0, 0}));
        h.expectNothing();
        assertEquals(2, h.count(Counter.ICMP_RX_DROP_MALFORMED));
        h.assertFramesInUse(0);
    }

    @Test
    void closedUdpPortGetsPortUnreachableQuotingHeaderAndEightBytes() {
        // RFC 792 / RFC 1122 section 4.1.3.1.
        h.learnPeer();
        byte[] frame = udpFrameFromPeer(4000, 9999, data(100));
        h.send(frame);
        byte[] error = h.expect();
        assertEquals(PEER_MAC, mac(error, 0));
        assertEquals(PEER_IP, i32(error, 30));
        assertEquals(1, u8(error, 23));
        byte[] quote = slice(frame, 14, 14 + 20 + 8);
        assertArrayEquals(icmpError(3, 3, 0, quote), slice(error, 34, error.length));
        assertEquals(1, h.count(Counter.ICMP_UNREACHABLE_SENT));
        assertEquals(1, h.count(Counter.UDP_RX_DROP_NO_PORT));
        h.assertFramesInUse(0);
    }

    @Test
    void broadcastToAClosedPortGetsNoError() {
        // RFC 1122 section 3.2.2: never an ICMP error about a broadcast.
        h.learnPeer();
        h.send(ethernet(BROADCAST_MAC, PEER_MAC, 0x0800,
                ipv4(PEER_IP, SUBNET_BROADCAST, 17, udp(PEER_IP, SUBNET_BROADCAST, 4000, 9999, data(4)))));
        h.expectNothing();
        assertEquals(1, h.count(Counter.UDP_RX_DROP_NO_PORT));
        assertEquals(0, h.count(Counter.ICMP_UNREACHABLE_SENT));
    }

    @Test
    void portUnreachableIsRateLimited() {
        StackHarness limited = new StackHarness(StackHarness.config().icmpErrorsPerSecond(100).icmpErrorBurst(3).build());
        limited.learnPeer();
        for (int i = 0; i < 5; i++) {
            limited.send(udpFrameFromPeer(4000, 9999, data(4)));
        }
        assertEquals(3, limited.link.sentCount());
        assertEquals(2, limited.count(Counter.ICMP_TX_RATE_LIMITED));
        limited.link.clearSent();
        limited.nowNs += 10_000_000L; // one token at 100 per second
        limited.send(udpFrameFromPeer(4000, 9999, data(4)));
        limited.send(udpFrameFromPeer(4000, 9999, data(4)));
        assertEquals(1, limited.link.sentCount());
        assertEquals(3, limited.count(Counter.ICMP_TX_RATE_LIMITED));
    }

    /** Records ICMP errors handed to a transport. */
    static final class RecordingTransport implements TransportProtocol {
        int errors;
        int type;
        int code;
        int nextHopMtu;
        int originalSrcIp;
        int originalDstIp;
        byte[] quotedTransport;

        @Override
        public void receive(Frame frame, int offset, int length, int srcIp, int dstIp, long nowNs) {
            frame.release();
        }

        @Override
        public void onIcmpError(int type, int code, int nextHopMtu, int originalSrcIp, int originalDstIp,
                                MemorySegment memory, long transportOffset, int transportLength, long nowNs) {
            errors++;
            this.type = type;
            this.code = code;
            this.nextHopMtu = nextHopMtu;
            this.originalSrcIp = originalSrcIp;
            this.originalDstIp = originalDstIp;
            this.quotedTransport = new byte[transportLength];
            MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, transportOffset, quotedTransport, 0, transportLength);
        }
    }

    @Test
    void fragmentationNeededIsDeliveredToTheTransportThatSent() {
        MemoryLink link = new MemoryLink();
        StackCounters counters = new StackCounters();
        StackConfig config = StackHarness.config().build();
        TransmitBurst tx = new TransmitBurst(link, counters, 8);
        TimerWheel timers = new TimerWheel(1_000_000, 64, 0);
        ArpLayer arp = new ArpLayer(config, link, tx, timers, counters);
        Ipv4Layer ip = new Ipv4Layer(config, link, arp, tx, timers, counters);
        IcmpLayer icmp = new IcmpLayer(config, ip, counters, 0);
        RecordingTransport tcp = new RecordingTransport();
        ip.register(1, icmp);
        ip.register(6, tcp);

        byte[] ours = ipv4(OUR_IP, PEER_IP, 6, tcpSyn(5000, 80));
        byte[] message = icmpError(3, 4, 1400, slice(ours, 0, 28));
        byte[] frameBytes = ipFrameFromPeer(1, message);
        Frame frame = link.pool().allocate();
        MemorySegment.copy(frameBytes, 0, frame.memory(), ValueLayout.JAVA_BYTE, 0, frameBytes.length);
        frame.window(14, frameBytes.length - 14);
        ip.receive(frame, false, 0);

        assertEquals(1, tcp.errors);
        assertEquals(3, tcp.type);
        assertEquals(4, tcp.code);
        assertEquals(1400, tcp.nextHopMtu);
        assertEquals(OUR_IP, tcp.originalSrcIp);
        assertEquals(PEER_IP, tcp.originalDstIp);
        assertArrayEquals(slice(tcpSyn(5000, 80), 0, 8), tcp.quotedTransport);
        assertEquals(1, counters.get(Counter.ICMP_UNREACHABLE_RECEIVED));
        assertEquals(0, link.pool().inUse());
    }

    @Test
    void unreachableAboutSomeoneElsesPacketOrWithAShortQuoteIsNotDelivered() {
        byte[] theirs = ipv4(PEER_IP, 0x0a000009, 6, tcpSyn(5000, 80));
        h.send(ipFrameFromPeer(1, icmpError(3, 1, 0, slice(theirs, 0, 28))));
        byte[] ours = ipv4(OUR_IP, PEER_IP, 6, tcpSyn(5000, 80));
        h.send(ipFrameFromPeer(1, icmpError(3, 1, 0, slice(ours, 0, 24))));
        assertEquals(1, h.count(Counter.ICMP_RX_IGNORED));
        assertEquals(1, h.count(Counter.ICMP_RX_DROP_MALFORMED));
        assertEquals(0, h.count(Counter.ICMP_UNREACHABLE_RECEIVED));
        h.assertFramesInUse(0);
    }
}
