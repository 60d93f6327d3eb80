package io.bypass.stack;

import static io.bypass.stack.testkit.Packets.BROADCAST_MAC;
import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.SUBNET_BROADCAST;
import static io.bypass.stack.testkit.Packets.arp;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.icmpEcho;
import static io.bypass.stack.testkit.Packets.icmpError;
import static io.bypass.stack.testkit.Packets.ipFrameFromPeer;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.slice;
import static io.bypass.stack.testkit.Packets.tcpSyn;
import static io.bypass.stack.testkit.Packets.udp;
import static io.bypass.stack.testkit.Packets.udpFrameFromPeer;
import static io.bypass.stack.testkit.Packets.udpNoChecksum;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random frames and random mutations of valid ones (bit flips, truncations, length field
 * edits, padding) never make the stack throw or leak a frame, and every received frame
 * ends in exactly one counter: delivered, answered, or dropped for a named reason.
 */
class MalformedFramesPropertyTest {
    /**
     * Counters of which each received frame increments exactly one. With only a listener and
     * a UDP socket here, a segment with bad flags is always dropped before a socket takes
     * it, so {@link Counter#TCP_RX_DROP_BAD_FLAGS} is an outcome too.
     */
    private static final List<Counter> FINAL_COUNTERS = finalCounters();

    private static List<Counter> finalCounters() {
        List<Counter> counters = new java.util.ArrayList<>(FrameOutcomes.COUNTERS);
        counters.add(Counter.TCP_RX_DROP_BAD_FLAGS);
        return counters;
    }

    private static final List<byte[]> VALID = List.of(
            ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, 0, OUR_IP)),
            ethernet(OUR_MAC, PEER_MAC, 0x0806, arp(2, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP)),
            ipFrameFromPeer(1, icmpEcho(8, 1, 2, new byte[64])),
            ipFrameFromPeer(1, icmpError(3, 4, 1400, slice(ipv4(OUR_IP, PEER_IP, 6, tcpSyn(1, 2)), 0, 28))),
            udpFrameFromPeer(4000, 7000, new byte[] {1, 2, 3, 4, 5}),
            udpFrameFromPeer(4000, 7001, new byte[] {1, 2, 3}),
            ipFrameFromPeer(17, udpNoChecksum(4000, 7000, new byte[9])),
            ipFrameFromPeer(6, tcpSyn(4000, 80)),
            ethernet(OUR_MAC, PEER_MAC, 0x0800, ipv4(PEER_IP, OUR_IP, 17, new byte[] {1, 1, 1, 0},
                    udp(PEER_IP, OUR_IP, 4000, 7000, new byte[3]))),
            ethernet(BROADCAST_MAC, PEER_MAC, 0x0800, ipv4(PEER_IP, SUBNET_BROADCAST, 17,
                    udp(PEER_IP, SUBNET_BROADCAST, 4000, 7000, new byte[3]))));

    /** Offsets of the fields that carry lengths, versions and types. */
    private static final int[] FIELD_OFFSETS = {12, 14, 16, 20, 23, 34, 36, 38, 40};

    @Property(tries = 300)
    void anyFramesAreCountedAndNeverLeak(@ForAll("frames") @Size(max = 40) List<byte[]> frames) {
        StackHarness h = new StackHarness();
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        long rxBefore = h.count(Counter.RX_FRAMES);
        long finalBefore = finalCount(h);
        for (byte[] frame : frames) {
            h.link.inject(frame);
        }
        h.stack.poll(h.nowNs);
        h.stack.poll(h.nowNs);
        assertEquals(h.count(Counter.RX_FRAMES) - rxBefore, finalCount(h) - finalBefore,
                "every frame counted once:\n" + h.stack.counters());
        assertEquals(socket.queued() + h.stack.arpCache().queuedPackets(), h.link.pool().inUse(),
                "only queued datagrams and packets awaiting ARP hold frames");

        socket.close();
        for (int i = 0; i < 5; i++) {
            h.advanceNs(1_000_000_000L);
        }
        assertEquals(0, h.link.pool().inUse(), "no frame leaked");
    }

    private static long finalCount(StackHarness h) {
        long sum = 0;
        for (Counter c : FINAL_COUNTERS) {
            sum += h.count(c);
        }
        return sum;
    }

    @Provide
    Arbitrary<List<byte[]>> frames() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(120);
        Arbitrary<byte[]> mutated = Combinators.combine(
                Arbitraries.of(VALID), mutation().list().ofMaxSize(5)).as(MalformedFramesPropertyTest::apply);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, random),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(VALID)),
                net.jqwik.api.Tuple.of(6, mutated)).list();
    }

    /** A mutation: kind, position, value. */
    record Mutation(int kind, int position, int value) {
    }

    private Arbitrary<Mutation> mutation() {
        return Combinators.combine(Arbitraries.integers().between(0, 6), Arbitraries.integers().between(0, 2000),
                Arbitraries.integers().between(0, 0xffff)).as(Mutation::new);
    }

    private static byte[] apply(byte[] valid, List<Mutation> mutations) {
        byte[] frame = valid.clone();
        for (Mutation m : mutations) {
            switch (m.kind()) {
                case 0 -> { // one bit flipped
                    if (frame.length > 0) {
                        frame[m.position() % frame.length] ^= (byte) (1 << (m.value() & 7));
                    }
                }
                case 1 -> frame = Arrays.copyOf(frame, m.position() % (frame.length + 1)); // truncated
                case 2 -> { // a length, version or type field rewritten
                    int at = FIELD_OFFSETS[m.position() % FIELD_OFFSETS.length];
                    if (at + 1 < frame.length) {
                        frame[at] = (byte) (m.value() >>> 8);
                        frame[at + 1] = (byte) m.value();
                    }
                }
                case 3 -> frame = Arrays.copyOf(frame, frame.length + m.value() % 64); // padded
                case 4 -> { // IPv4 header checksum made right again, so that edits reach deeper layers
                    if (frame.length >= 34 && (frame[14] & 0xf) >= 5 && frame.length >= 14 + (frame[14] & 0xf) * 4) {
                        io.bypass.stack.testkit.Packets.setIpChecksum(frame, 14);
                    }
                }
                case 5 -> { // UDP checksum set to "none" (RFC 768), so that UDP edits are not caught by it
                    if (frame.length >= 42 && frame[23] == 17 && frame[14] == 0x45) {
                        frame[40] = 0;
                        frame[41] = 0;
                    }
                }
                default -> { // one byte rewritten
                    if (frame.length > 0) {
                        frame[m.position() % frame.length] = (byte) m.value();
                    }
                }
            }
        }
        return frame;
    }
}
