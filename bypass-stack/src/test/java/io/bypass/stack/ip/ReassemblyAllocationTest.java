package io.bypass.stack.ip;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.fragment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Reassembly allocates nothing on the heap in the steady state (DESIGN.md "Memory and the
 * hot path"): its buffers are pooled after the first fragment, its bookkeeping is arrays.
 */
class ReassemblyAllocationTest {
    private static final int WARM_UP = 5000;
    private static final int MEASURED = 2000;
    /**
     * Measured rounds; the least is asserted. An allocation per packet shows in every round;
     * the odd few hundred bytes the JIT's tiers leave while they settle do not.
     */
    private static final int ROUNDS = 5;

    @Test
    void reassemblingDatagramsAllocatesNothingInTheSteadyState() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        StackHarness h = new StackHarness();
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        byte[] d = FragmentReassemblyTest.datagram(4000, 1);
        // Out of order, with an identical overlap and an exact duplicate.
        byte[][] frames = {
            ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, 17, 1, d, 2960, d.length)),
            ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, 17, 1, d, 0, 1480)),
            ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, 17, 1, d, 0, 1480)),
            ethernet(OUR_MAC, PEER_MAC, 0x0800, fragment(PEER_IP, OUR_IP, 17, 1, d, 1000, 2960)),
        };
        ByteBuffer dst = ByteBuffer.allocateDirect(8192);
        reassemble(h, socket, frames, dst, WARM_UP);
        long least = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            reassemble(h, socket, frames, dst, MEASURED);
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(WARM_UP + ROUNDS * MEASURED, h.count(Counter.IP_FRAG_REASSEMBLED));
        assertEquals(0, least, "bytes allocated reassembling " + MEASURED + " datagrams (least of " + ROUNDS + " rounds)");
    }

    private static void reassemble(StackHarness h, UdpSocket socket, byte[][] frames, ByteBuffer dst, int datagrams) {
        for (int i = 0; i < datagrams; i++) {
            for (byte[] frame : frames) {
                h.link.inject(frame);
                h.stack.poll(h.nowNs);
            }
            dst.clear();
            socket.receive(dst);
        }
    }
}
