package io.bypass.stack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.wire.EtherType;
import io.bypass.stack.wire.NetworkOrder;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class SimulatedSegmentTest {
    private final Frame[] burst = new Frame[64];

    private static void send(SimulatedPort port, int length, int tag) {
        Frame f = port.allocate();
        f.window(0, length);
        f.memory().fill((byte) 0);
        NetworkOrder.putU16(f.memory(), 12, EtherType.IPV4);
        NetworkOrder.putI32(f.memory(), 20, tag);
        port.transmit(new Frame[] {f}, 1);
    }

    private int drain(SimulatedPort port, int[] tags) {
        int total = 0;
        int n;
        while ((n = port.receive(burst, burst.length)) > 0) {
            for (int i = 0; i < n; i++) {
                if (tags != null && total + i < tags.length) {
                    tags[total + i] = NetworkOrder.getI32(burst[i].memory(), 20);
                }
                burst[i].release();
            }
            total += n;
        }
        return total;
    }

    @Test
    void frameArrivesAfterTheDelayNotBefore() {
        VirtualClock clock = new VirtualClock(0);
        SimulatedSegment segment = new SimulatedSegment(LinkFaults.perfect().withDelay(5_000, 0), clock, 1, Arena.ofAuto());
        SimulatedPort a = segment.attach(8);
        SimulatedPort b = segment.attach(8);
        send(a, 100, 7);
        assertEquals(0, a.transmitPool().inUse(), "sender's frame is released at transmit");
        clock.advanceTo(4_999);
        assertEquals(0, drain(b, null));
        assertEquals(5_000, segment.nextDeliveryNs());
        clock.advanceTo(5_000);
        int[] tags = new int[1];
        assertEquals(1, drain(b, tags));
        assertEquals(7, tags[0]);
        assertEquals(0, drain(a, null), "a hub does not echo to the sender");
        assertEquals(0, b.receivePool().inUse());
    }

    @Test
    void sameSeedSameOutcome() {
        LinkFaults faults = LinkFaults.perfect().withLoss(0.2).withDuplication(0.1).withReordering(0.3, 50_000)
                .withCorruption(0.1);
        assertEquals(run(faults, 99), run(faults, 99));
        assertTrue(!run(faults, 99).equals(run(faults, 100)), "a different seed gives a different run");
    }

    private String run(LinkFaults faults, long seed) {
        VirtualClock clock = new VirtualClock(0);
        SimulatedSegment segment = new SimulatedSegment(faults, clock, seed, Arena.ofAuto());
        SimulatedPort a = segment.attach(256);
        SimulatedPort b = segment.attach(256);
        StringBuilder order = new StringBuilder();
        int[] tags = new int[64];
        for (int i = 0; i < 100; i++) {
            send(a, 200, i);
            clock.advanceTo(clock.nowNs() + 10_000);
            int n = drain(b, tags);
            for (int k = 0; k < n; k++) {
                order.append(tags[k]).append(',');
            }
        }
        clock.advanceTo(clock.nowNs() + 1_000_000);
        drain(b, null);
        return segment.stats() + " " + order;
    }

    @Test
    void lossAndDuplicationRatesAreRoughlyWhatWasAsked() {
        VirtualClock clock = new VirtualClock(0);
        SimulatedSegment segment = new SimulatedSegment(
                LinkFaults.perfect().withLoss(0.1).withDuplication(0.05), clock, 5, Arena.ofAuto());
        SimulatedPort a = segment.attach(64);
        SimulatedPort b = segment.attach(64);
        int received = 0;
        for (int i = 0; i < 10_000; i++) {
            send(a, 64, i);
            clock.advanceTo(clock.nowNs() + 20_000);
            received += drain(b, null);
        }
        SegmentStats s = segment.stats();
        assertEquals(10_000, s.offered);
        assertTrue(s.lost > 850 && s.lost < 1150, s.toString());
        assertTrue(s.duplicated > 380 && s.duplicated < 560, s.toString());
        assertEquals(s.offered - s.lost + s.duplicated, received);
    }

    @Test
    void bandwidthSerializesAndQueueLimitDropsTheTail() {
        VirtualClock clock = new VirtualClock(0);
        // 8 Mbit/s: a 1000-byte frame takes 1 ms on the wire; room for 3 frames of backlog.
        SimulatedSegment segment = new SimulatedSegment(
                LinkFaults.perfect().withDelay(0, 0).withBandwidth(8_000_000, 3_000), clock, 1, Arena.ofAuto());
        SimulatedPort a = segment.attach(16);
        SimulatedPort b = segment.attach(16);
        for (int i = 0; i < 5; i++) {
            send(a, 1000, i);
        }
        assertEquals(2, segment.stats().queueDrops, segment.stats().toString());
        clock.advanceTo(1_000_000);
        assertEquals(1, drain(b, null));
        clock.advanceTo(3_000_000);
        assertEquals(2, drain(b, null));
    }

    @Test
    void oversizeFrameIsCountedNotCarried() {
        VirtualClock clock = new VirtualClock(0);
        SimulatedSegment segment = new SimulatedSegment(LinkFaults.perfect().withMtu(576), clock, 1, Arena.ofAuto());
        SimulatedPort a = segment.attach(4);
        SimulatedPort b = segment.attach(4);
        send(a, 14 + 577, 1);
        clock.advanceTo(1_000_000);
        assertEquals(0, drain(b, null));
        assertEquals(1, segment.stats().oversize);
    }

    @Test
    void corruptionFlipsExactlyOneBitOfTheIpPacket() {
        VirtualClock clock = new VirtualClock(0);
        SimulatedSegment segment = new SimulatedSegment(LinkFaults.perfect().withCorruption(1.0), clock, 3,
                Arena.ofAuto());
        SimulatedPort a = segment.attach(4);
        SimulatedPort b = segment.attach(4);
        send(a, 60, 0);
        clock.advanceTo(1_000_000);
        assertEquals(1, b.receive(burst, 1));
        int flipped = 0;
        for (int i = 0; i < 60; i++) {
            int expected = i == 12 ? 0x08 : 0;
            flipped += Integer.bitCount(NetworkOrder.getU8(burst[0].memory(), i) ^ expected);
            if (i < 14) {
                assertEquals(expected, NetworkOrder.getU8(burst[0].memory(), i), "Ethernet header is spared");
            }
        }
        assertEquals(1, flipped);
        burst[0].release();
    }
}
