package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.LinkCounter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Received frames lent from their ring slots (LentSlots): no copy, and no slot waited for. */
class ShmLinkLendingTest {
    /** Four slots a direction, so that a few frames wrap the ring; at most two lent. */
    private static final ShmLinkConfig SMALL = new ShmLinkConfig(9000, 4, 16, 200_000_000L);
    private static final int LONG = 3000;

    @TempDir
    Path dir;

    @Test
    void longFramesAreLentFromTheirSlotAndGoBackOnRelease() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            send(a, LONG, 7);
            Frame[] burst = new Frame[4];
            assertEquals(1, b.receive(burst, 4));
            assertEquals(1, b.slotsLent());
            assertEquals(1, b.framesInUse());
            FilledFrames.assertFilled(burst[0], LONG, 7);
            burst[0].release();
            assertEquals(0, b.slotsLent());
            assertEquals(0, b.framesInUse());
        }
    }

    @Test
    void shortFramesAreCopiedNotLent() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            send(a, ShmLink.COPYBREAK_BYTES, 3);
            Frame[] burst = new Frame[4];
            assertEquals(1, b.receive(burst, 4));
            assertEquals(0, b.slotsLent());
            assertEquals(1, b.framesInUse());
            FilledFrames.assertFilled(burst[0], ShmLink.COPYBREAK_BYTES, 3);
            burst[0].release();
            assertEquals(0, b.framesInUse());
        }
    }

    @Test
    void aHeldSlotIsSteppedOverWhileTheRingWrapsAndItsBytesStay() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            send(a, LONG, 1);
            Frame[] burst = new Frame[4];
            assertEquals(1, b.receive(burst, 4));
            Frame held = burst[0];
            // Eight more frames through a ring of four: the producer comes round to the held slot twice.
            for (int i = 0; i < 4; i++) {
                send(a, LONG, 10 + 2 * i);
                send(a, LONG, 11 + 2 * i);
                assertEquals(2, b.receive(burst, 4));
                FilledFrames.assertFilled(burst[0], LONG, 10 + 2 * i);
                FilledFrames.assertFilled(burst[1], LONG, 11 + 2 * i);
                burst[0].release();
                burst[1].release();
                FilledFrames.assertFilled(held, LONG, 1);
            }
            assertEquals(9, a.stats().get(LinkCounter.TX_FRAMES));
            assertEquals(0, a.stats().get(LinkCounter.TX_DROP_RING_FULL));
            assertEquals(0, b.stats().get(LinkCounter.RX_DROP_MALFORMED));
            held.release();
            assertEquals(0, b.framesInUse());
        }
    }

    @Test
    void atMostHalfTheRingIsLentAndTheRestIsCopied() throws Exception {
        try (ShmLink a = ShmLink.open(dir.resolve("link"), SMALL); ShmLink b = ShmLink.open(dir.resolve("link"), SMALL)) {
            a.receive(new Frame[1], 1);
            for (int i = 0; i < 3; i++) {
                send(a, LONG, 20 + i);
            }
            Frame[] burst = new Frame[4];
            assertEquals(3, b.receive(burst, 4));
            assertEquals(2, b.slotsLent());
            assertEquals(3, b.framesInUse());
            for (int i = 0; i < 3; i++) {
                FilledFrames.assertFilled(burst[i], LONG, 20 + i);
                burst[i].release();
            }
            assertEquals(0, b.framesInUse());
        }
    }

    @Test
    void aProcessAttachingInPlaceOfADeadOneDropsItsHolds() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink a = ShmLink.open(file, SMALL)) {
            try (ShmLink b = ShmLink.open(file, SMALL)) {
                a.receive(new Frame[1], 1);
                send(a, LONG, 1);
                // b holds slot 0 and goes away without releasing it, as a process that dies does.
                assertEquals(1, b.receive(new Frame[4], 4));
            }
            try (ShmLink restarted = ShmLink.open(file, SMALL)) {
                assertEquals(1, restarted.side());
                a.receive(new Frame[1], 1);
                // Slots 1, 2, 3 and then slot 0 again: all four are the producer's to write.
                Frame[] burst = new Frame[4];
                for (int i = 0; i < 4; i++) {
                    burst[i] = a.allocate();
                    burst[i].memory().fill((byte) 5);
                    burst[i].window(0, LONG);
                }
                assertEquals(4, a.transmit(burst, 4));
                assertEquals(4, restarted.receive(burst, 4));
                for (int i = 0; i < 4; i++) {
                    burst[i].release();
                }
                assertEquals(0, restarted.framesInUse());
            }
        }
    }

    private static void send(ShmLink link, int length, int fill) {
        assertEquals(1, link.transmit(new Frame[] {FilledFrames.build(link, length, fill)}, 1));
    }
}
