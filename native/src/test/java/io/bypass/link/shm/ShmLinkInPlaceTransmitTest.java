package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.LinkCounter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frames built in their ring slot (TransmitSlots): published in order, none holding back the rest. */
class ShmLinkInPlaceTransmitTest {
    /** Eight slots a direction, so that a few frames wrap the ring; at most two slot frames out. */
    private static final ShmLinkConfig SMALL = new ShmLinkConfig(9000, 8, 16, 200_000_000L);
    private static final int LENGTH = 3000;

    @TempDir
    Path dir;

    @Test
    void allocateHandsOutTheRingSlotAndTransmitOnlyPublishesIt() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            Frame f = FilledFrames.build(a, LENGTH, 4);
            assertEquals(1, a.slotFramesOut());
            assertEquals(0, b.pending());
            assertEquals(1, a.transmit(new Frame[] {f}, 1));
            assertEquals(0, a.framesInUse());
            Frame[] burst = new Frame[4];
            assertEquals(1, b.receive(burst, 4));
            FilledFrames.assertFilled(burst[0], LENGTH, 4);
            burst[0].release();
        }
    }

    /**
     * After a publish the producer writes into the next free slot ahead of time
     * ({@link SpscRing#prepareWrite}); a slot the stack is still building a frame in is not that slot.
     */
    @Test
    void preparingTheNextSlotLeavesAFrameStillBeingBuiltAlone() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            Frame[] burst = new Frame[4];
            for (int round = 0; round < 6; round++) {
                Frame first = FilledFrames.build(a, LENGTH, 2 * round + 1);
                Frame second = FilledFrames.build(a, LENGTH, 2 * round + 2);
                assertEquals(1, a.transmit(new Frame[] {first}, 1));
                FilledFrames.assertFilled(second, LENGTH, 2 * round + 2);
                assertEquals(1, a.transmit(new Frame[] {second}, 1));
                assertEquals(2, b.receive(burst, 4));
                FilledFrames.assertFilled(burst[0], LENGTH, 2 * round + 1);
                FilledFrames.assertFilled(burst[1], LENGTH, 2 * round + 2);
                burst[0].release();
                burst[1].release();
            }
            assertEquals(0, b.stats().get(LinkCounter.RX_DROP_MALFORMED));
        }
    }

    @Test
    void aFrameKeptBackDoesNotHoldBackTheFramesAfterItAndArrivesIntactLater() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            // Kept back, as a packet waiting for ARP is; then a dozen frames wrap the ring past its slot.
            Frame kept = FilledFrames.build(a, LENGTH, 1);
            Frame[] burst = new Frame[4];
            for (int i = 0; i < 12; i++) {
                assertEquals(1, a.transmit(new Frame[] {FilledFrames.build(a, LENGTH, 10 + i)}, 1));
                assertEquals(1, b.receive(burst, 4));
                FilledFrames.assertFilled(burst[0], LENGTH, 10 + i);
                burst[0].release();
            }
            FilledFrames.assertFilled(kept, LENGTH, 1);
            assertEquals(1, a.transmit(new Frame[] {kept}, 1));
            assertEquals(1, b.receive(burst, 4));
            FilledFrames.assertFilled(burst[0], LENGTH, 1);
            burst[0].release();
            assertEquals(0, a.framesInUse());
            assertEquals(0, b.framesInUse());
            assertEquals(0, b.stats().get(LinkCounter.RX_DROP_MALFORMED));
            assertEquals(13, b.stats().get(LinkCounter.RX_FRAMES));
        }
    }

    /**
     * {@link ShmLink#transmitRoom}: the stack's own frames (slot frames it builds in) count as
     * its own, and half the ring is kept for slots the peer may be lending out, which the
     * producer would have to step over; the room comes back when the peer takes the frames.
     */
    @Test
    void transmitRoomCountsTheStacksOwnFramesAndKeepsHalfTheRingForLentSlots() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            assertEquals(4, a.transmitRoom(), "8 slots, 4 of which the peer may hold");
            Frame[] two = {FilledFrames.build(a, LENGTH, 1), FilledFrames.build(a, LENGTH, 2)};
            assertEquals(4, a.transmitRoom(), "the stack counts the frames it holds itself");
            assertEquals(2, a.transmit(two, 2));
            assertEquals(2, a.transmitRoom());
            for (int i = 0; i < 2; i++) {
                assertEquals(1, a.transmit(new Frame[] {FilledFrames.build(a, LENGTH, 3 + i)}, 1));
            }
            assertEquals(0, a.transmitRoom());
            Frame[] burst = new Frame[8];
            int n = b.receive(burst, 8);
            assertEquals(4, n);
            for (int i = 0; i < n; i++) {
                burst[i].release();
            }
            assertEquals(4, a.transmitRoom(), "read again from the peer's head once the cached one says full");
        }
    }

    @Test
    void aFrameReleasedUnsentLeavesNothingOnTheRing() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            Frame dropped = FilledFrames.build(a, LENGTH, 1);
            Frame sent = FilledFrames.build(a, LENGTH, 2);
            dropped.release();
            assertEquals(1, a.transmit(new Frame[] {sent}, 1));
            Frame[] burst = new Frame[4];
            assertEquals(1, b.receive(burst, 4));
            FilledFrames.assertFilled(burst[0], LENGTH, 2);
            burst[0].release();
            assertEquals(0, a.framesInUse());
            assertEquals(0, b.stats().get(LinkCounter.RX_DROP_MALFORMED));
        }
    }

    @Test
    void framesLeaveInTheOrderOfTheBurstWhenSlotAndPoolFramesMix() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            // Two slot frames, then pool frames once the slot frames' limit is reached.
            Frame[] out = new Frame[5];
            for (int i = 0; i < out.length; i++) {
                out[i] = FilledFrames.build(a, LENGTH, 30 + i);
            }
            assertEquals(2, a.slotFramesOut());
            assertEquals(5, a.transmit(out, 5));
            Frame[] burst = new Frame[8];
            assertEquals(5, b.receive(burst, 8));
            for (int i = 0; i < 5; i++) {
                FilledFrames.assertFilled(burst[i], LENGTH, 30 + i);
                burst[i].release();
            }
            assertEquals(0, a.framesInUse());
        }
    }
}
