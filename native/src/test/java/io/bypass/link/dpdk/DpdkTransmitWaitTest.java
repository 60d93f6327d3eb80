package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * A full device transmit queue, on DPDK's {@code net_ring} PMD: a port whose transmit queue
 * is its own receive queue, one ring of 1,023 frames, so it fills while nobody receives and
 * empties as the test receives. What the full queue refuses waits in the shim, goes out in
 * order before anything newer, and the link's room falls to 0 meanwhile; only what does not
 * fit the waiting places is dropped and counted.
 */
class DpdkTransmitWaitTest {
    /** The net_ring PMD's ring: 1,024 entries, one kept empty. */
    private static final int QUEUE = 1023;
    private static final int BURST = 32;
    /** Where the test writes each frame's number: past a 128-byte headroom and an Ethernet header. */
    private static final int NUMBER_AT = 128 + 14;

    @Test
    void framesTheFullQueueRefusesWaitAndGoOutInOrder() throws Exception {
        DpdkTests.assumeRootAndDpdk("filling a DPDK transmit queue");
        Link link = LinkFactory.open(DpdkTests.spec("net_ring5") + "&mbufs=4095", LinkSettings.DEFAULTS);
        try {
            DpdkLink dpdk = assertInstanceOf(DpdkLink.class, link);
            assertEquals("net_ring", dpdk.driver());
            assertEquals(Integer.MAX_VALUE, link.transmitRoom(), "nothing waits: the room is not known");
            int waitingPlaces = DpdkShim.TX_WAITING_MAX;
            int offered = QUEUE + waitingPlaces + 10;
            int taken = 0;
            Frame[] burst = new Frame[BURST];
            for (int number = 0; number < offered; number += BURST) {
                int n = Math.min(BURST, offered - number);
                for (int i = 0; i < n; i++) {
                    burst[i] = link.allocate();
                    burst[i].window(128, 64);
                    burst[i].memory().set(ValueLayout.JAVA_INT_UNALIGNED, NUMBER_AT, number + i);
                }
                taken += link.transmit(burst, n);
            }
            assertEquals(QUEUE + waitingPlaces, taken, "the queue's frames and the waiting places' are taken");
            assertEquals(10, link.stats().get(LinkCounter.TX_DROP_RING_FULL), "the rest is dropped, and counted");
            assertEquals(0, link.transmitRoom(), "the queue is full and the waiting places too");

            int expected = 0;
            Frame[] received = new Frame[BURST];
            while (expected < taken) {
                int n = link.receive(received, BURST);
                assertTrue(n > 0, "frame " + expected + " never came");
                for (int i = 0; i < n; i++) {
                    assertEquals(expected++, received[i].memory().get(ValueLayout.JAVA_INT_UNALIGNED, NUMBER_AT),
                            "frames in the order sent");
                    received[i].release();
                }
            }
            assertEquals(0, link.receive(received, BURST));
            assertEquals(Integer.MAX_VALUE, link.transmitRoom(), "every waiting frame went to the device");
            assertEquals(waitingPlaces, link.stats().get(LinkCounter.TX_WAITED_QUEUE_FULL));
            assertEquals(taken, link.stats().get(LinkCounter.TX_FRAMES));
            assertEquals(0, dpdk.framesInUse());
        } finally {
            link.close();
        }
    }
}
