package io.bypass.stack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.buffer.Frame;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class InMemoryLinkTest {
    private static Frame frameOf(InMemoryLink link, int length, int fill) {
        Frame f = link.allocate();
        f.memory().asSlice(0, length).fill((byte) fill);
        f.window(0, length);
        return f;
    }

    @Test
    void transmittedFrameArrivesAtThePeerAsACopyAndTheSenderGetsItsFrameBack() {
        InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 4, 1500, true);
        Frame sent = frameOf(ends[0], 60, 0x5a);
        assertEquals(1, ends[0].transmit(new Frame[] {sent}, 1));
        assertEquals(0, ends[0].transmitFramesInUse(), "a transmitted frame goes back to its pool at once");
        assertEquals(1, ends[1].pending());

        Frame[] burst = new Frame[4];
        assertEquals(1, ends[1].receive(burst, 4));
        assertNotSame(sent, burst[0]);
        assertEquals(60, burst[0].length());
        assertEquals((byte) 0x5a, burst[0].memory().get(ValueLayout.JAVA_BYTE, burst[0].offset() + 59));
        burst[0].release();
        assertEquals(0, ends[1].receiveFramesInUse());
        assertEquals(0, ends[0].receive(burst, 4), "nothing travels back by itself");
    }

    @Test
    void fullReceivePoolDropsTheRestOfTheBurst() {
        // A NIC's receive ring overflowing: the prefix that fits is queued, the rest released.
        InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 3, 1500, true);
        Frame[] burst = {frameOf(ends[0], 60, 1), frameOf(ends[0], 60, 2), frameOf(ends[0], 60, 3)};
        assertEquals(3, ends[0].transmit(burst, 3));
        Frame[] more = {frameOf(ends[0], 60, 4), frameOf(ends[0], 60, 5)};
        assertEquals(0, ends[0].transmit(more, 2));
        assertEquals(0, ends[0].transmitFramesInUse(), "dropped frames are released too");
        Frame[] received = new Frame[8];
        assertEquals(3, ends[1].receive(received, 8));
        for (int i = 0; i < 3; i++) {
            assertEquals((byte) (i + 1), received[i].memory().get(ValueLayout.JAVA_BYTE, 0), "order kept");
            received[i].release();
        }
        assertEquals(2, ends[1].stats().get(LinkCounter.RX_DROP_NO_BUFFER), "both frames that found no receive frame");
        assertEquals(0, ends[0].stats().get(LinkCounter.RX_DROP_NO_BUFFER));
    }

    @Test
    void shortFramesArriveInCopybreakFramesAndLongOnesInFullSizeFrames() {
        // rx_copybreak: 2 full-size receive frames, 3 small ones of 256 bytes.
        InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 8, 2, 3, 256, 9000, true);
        Frame[] burst = {frameOf(ends[0], 60, 1), frameOf(ends[0], 256, 2), frameOf(ends[0], 257, 3),
                frameOf(ends[0], 60, 4), frameOf(ends[0], 60, 5)};
        assertEquals(5, ends[0].transmit(burst, 5), "the fourth short frame falls back to a full-size one");
        Frame[] received = new Frame[8];
        assertEquals(5, ends[1].receive(received, 8));
        int[] capacities = new int[5];
        for (int i = 0; i < 5; i++) {
            assertEquals((byte) (i + 1), received[i].memory().get(ValueLayout.JAVA_BYTE, received[i].offset()), "order kept");
            capacities[i] = received[i].capacity();
        }
        assertArrayEquals(new int[] {256, 256, 9014, 256, 9014}, capacities);
        assertEquals(5, ends[1].receiveFramesInUse(), "both pools are counted");
        Frame[] more = {frameOf(ends[0], 60, 6)};
        assertEquals(0, ends[0].transmit(more, 1), "both pools empty: dropped");
        for (int i = 0; i < 5; i++) {
            received[i].release();
        }
        assertEquals(0, ends[1].receiveFramesInUse());
    }

    @Test
    void countersSayWhatEachEndCarried() {
        InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 4, 1500, true);
        Frame[] burst = {frameOf(ends[0], 60, 1), frameOf(ends[0], 100, 2)};
        ends[0].transmit(burst, 2);
        Frame[] received = new Frame[4];
        assertEquals(2, ends[1].receive(received, 4));
        received[0].release();
        received[1].release();
        assertEquals(2, ends[0].stats().get(LinkCounter.TX_FRAMES));
        assertEquals(160, ends[0].stats().get(LinkCounter.TX_BYTES));
        assertEquals(2, ends[1].stats().get(LinkCounter.RX_FRAMES));
        assertEquals(160, ends[1].stats().get(LinkCounter.RX_BYTES));
        assertEquals(0, ends[1].stats().get(LinkCounter.TX_FRAMES));
        assertEquals(0, ends[0].stats().get(LinkCounter.RX_FRAMES));
    }

    @Test
    void capabilitiesSayWhetherChecksumsAreOffloaded() {
        LinkCapabilities on = InMemoryLink.pair(Arena.ofAuto(), 1, 9000, true)[0].capabilities();
        assertEquals(9000, on.mtu());
        assertTrue(on.rxIpv4ChecksumVerified() && on.rxL4ChecksumVerified() && on.txIpv4ChecksumOffload()
                && on.txL4ChecksumOffload());
        LinkCapabilities off = InMemoryLink.pair(Arena.ofAuto(), 1, 1500, false)[1].capabilities();
        assertFalse(off.rxIpv4ChecksumVerified() || off.rxL4ChecksumVerified() || off.txIpv4ChecksumOffload()
                || off.txL4ChecksumOffload());
        assertEquals(1, off.queueCount());
    }
}
