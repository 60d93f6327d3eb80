package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.Ipv4Address;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The steady state allocates nothing on the heap per packet, per write or per read
 * (common brief, DESIGN.md "Memory and the hot path"): a bulk transfer between two layers
 * through an allocation-free wire is measured with the thread's allocation counter.
 */
class TcpAllocationTest {
    private static final long MS = 1_000_000L;
    private static final int A_IP = Ipv4Address.parse("10.0.0.1");
    private static final int B_IP = Ipv4Address.parse("10.0.0.2");

    /** An IpSender that queues frames in preallocated arrays. */
    private static final class Wire implements IpSender {
        final FramePool pool;
        final int localIp;
        final Frame[] frames = new Frame[4096];
        final int[] lengths = new int[4096];
        int count;

        Wire(FramePool pool, int localIp) {
            this.pool = pool;
            this.localIp = localIp;
        }

        @Override
        public Frame allocate() {
            return pool.allocate();
        }

        @Override
        public void send(Frame frame, int dstIp, int protocol, int dscpEcn, int transportLength, long nowNs) {
            frames[count] = frame;
            lengths[count++] = transportLength;
        }

        @Override
        public int localIp() {
            return localIp;
        }

        @Override
        public int mtu(int dstIp) {
            return 1500;
        }

        /** Drops every {@code dropEvery}-th frame (0: none), so that SACK recovery runs too. */
        int dropEvery;
        int delivered;

        void deliverTo(TcpLayer to, int dstIp, long nowNs) {
            for (int i = 0; i < count; i++) {
                if (dropEvery > 0 && ++delivered % dropEvery == 0) {
                    frames[i].release();
                } else {
                    to.receive(frames[i], IpSender.TRANSPORT_OFFSET, lengths[i], localIp, dstIp, nowNs);
                }
                frames[i] = null;
            }
            count = 0;
        }
    }

    @Test
    void steadyStateTransferAllocatesNothing() {
        assertEquals(0, transferAllocation(0, 2_000, null));
    }

    /**
     * The loss paths run rarely, so C2 compiles them late and may deoptimize once on the way
     * (rematerializing scalar-replaced objects, which counts as this thread's allocation; with
     * C1 alone the run allocates nothing): the warm-up is longer than for the clean run.
     */
    @Test
    void lossRecoveryWithSackAndTimestampsAllocatesNothing() {
        StackCounters counters = new StackCounters();
        assertEquals(0, transferAllocation(37, 30_000, counters));
        // The run must have gone through what it claims to measure.
        assertTrue(counters.get(Counter.TCP_SACK_RECOVERIES) > 0, counters.toString());
    }

    /**
     * Moves data from a client to a server in steps of 250 us with options negotiated, and
     * measures the heap allocated in 18,000 steps after a warm-up.
     *
     * @param dropEvery drop every n-th data frame, 0 for none
     * @param warmUpSteps steps before the measurement starts
     * @param clientCounters the client's counters, or null for fresh ones
     */
    private static long transferAllocation(int dropEvery, int warmUpSteps, StackCounters clientCounters) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        FramePool pool = new FramePool(Arena.ofAuto(), 1024, 2048);
        Wire wireA = new Wire(pool, A_IP);
        Wire wireB = new Wire(pool, B_IP);
        long now = 0;
        TimerWheel wheel = new TimerWheel(MS, 1024, now);
        TcpConfig config = TcpHarness.config().build();
        TcpLayer a = new TcpLayer(config, wireA, wheel, clientCounters != null ? clientCounters : new StackCounters());
        wireA.dropEvery = dropEvery;
        TcpLayer b = new TcpLayer(config, wireB, wheel, new StackCounters());
        TcpListener listener = b.listen(B_IP, 80, 4);
        TcpConnection client = a.connect(A_IP, 0, B_IP, 80, now);
        ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        TcpConnection server = null;
        long allocatedBefore = 0;
        long received = 0;
        for (int step = 0; step < warmUpSteps + 18_000; step++) {
            if (step == warmUpSteps) {
                allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            }
            now += MS / 4;
            wheel.advance(now);
            wireA.deliverTo(b, B_IP, now);
            wireB.deliverTo(a, A_IP, now);
            if (server == null) {
                server = listener.accept();
                continue;
            }
            out.clear();
            client.write(out, now);
            int n;
            while ((n = server.read(in.clear(), now)) > 0) {
                received += n;
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertTrue(received > 1_000_000, "too little moved to measure");
        return allocated;
    }
}
