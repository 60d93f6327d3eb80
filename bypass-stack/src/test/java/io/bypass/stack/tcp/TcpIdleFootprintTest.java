package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.junit.jupiter.api.Test;

/**
 * Issue 3's memory bound: an idle ESTABLISHED connection costs at most 2 KiB of heap beyond
 * its buffers (send rings are off-heap, received data stays in frames). Measured over a few
 * thousand connections as the heap in use after GC, so single-object noise averages out.
 */
class TcpIdleFootprintTest {
    private static final int CONNECTIONS = 4_000;
    private static final int P = 5000;

    @Test
    void idleEstablishedConnectionCostsAtMostTwoKibOfHeap() {
        TcpHarness h = new TcpHarness(TcpHarness.config().sendBufferBytes(1024).build(), 1_000 * TcpHarness.MS);
        TcpListener l = h.layer.listen(LOCAL_IP, LOCAL_PORT, CONNECTIONS);
        TcpConnection[] held = new TcpConnection[CONNECTIONS];
        // Warm up the code paths and the tables' first sizes outside the measurement.
        open(h, l, held, 0, 16);
        long before = heapAfterGc();
        open(h, l, held, 16, CONNECTIONS);
        long after = heapAfterGc();
        long perConnection = (after - before) / (CONNECTIONS - 16);
        System.out.println("heap per idle ESTABLISHED connection: " + perConnection + " bytes");
        assertEquals(CONNECTIONS, h.layer.connectionCount());
        assertTrue(perConnection <= 2048, perConnection + " bytes per idle connection");
        assertTrue(perConnection > 100, "the measurement sees the connections: " + perConnection);
        for (TcpConnection c : held) {
            assertEquals(TcpState.ESTABLISHED, c.state());
        }
    }

    private static void open(TcpHarness h, TcpListener l, TcpConnection[] held, int from, int to) {
        for (int i = from; i < to; i++) {
            h.peerPort = 1_024 + i;
            h.send(Seg.syn(P).mss(1460));
            Seg synAck = h.expect(Seg.of(SYN | io.bypass.stack.wire.TcpHeader.ACK));
            h.send(Seg.ack(P + 1, synAck.seq + 1));
            held[i] = l.accept();
        }
        h.ip.drop();
    }

    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
