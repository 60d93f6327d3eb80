package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
        public void send(Frame frame, int dstIp, int protocol, int transportLength, long nowNs) {
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

        void deliverTo(TcpLayer to, int dstIp, long nowNs) {
            for (int i = 0; i < count; i++) {
                to.receive(frames[i], IpSender.TRANSPORT_OFFSET, lengths[i], localIp, dstIp, nowNs);
                frames[i] = null;
            }
            count = 0;
        }
    }

    @Test
    void steadyStateTransferAllocatesNothing() {
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
        TcpLayer a = new TcpLayer(config, wireA, wheel, new StackCounters());
        TcpLayer b = new TcpLayer(config, wireB, wheel, new StackCounters());
        TcpListener listener = b.listen(B_IP, 80, 4);
        TcpConnection client = a.connect(A_IP, 0, B_IP, 80, now);
        ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        TcpConnection server = null;
        long allocatedBefore = 0;
        long received = 0;
        for (int step = 0; step < 20_000; step++) {
            if (step == 2_000) {
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
        assertEquals(0, allocated, "bytes allocated in the steady state, after " + received + " bytes moved");
    }
}
