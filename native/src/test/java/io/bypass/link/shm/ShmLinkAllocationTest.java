package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bulk through two stacks over the shm link at its default MTU: slot frames both ways, nothing on the heap. */
class ShmLinkAllocationTest {
    @TempDir
    Path dir;

    @Test
    void bulkInSlotFramesAllocatesNothingPerSegment() throws Exception {
        ShmLinkConfig config = ShmHost.config(ShmLinkConfig.MAX_MTU);
        try (ShmLink linkA = ShmLink.open(dir.resolve("link"), config); ShmLink linkB = ShmLink.open(dir.resolve("link"), config)) {
            ShmHost client = new ShmHost(linkA, false);
            ShmHost server = new ShmHost(linkB, true);
            TcpListener listener = server.stack.tcp().listen(0, ShmHost.PORT, 0);
            TcpConnection c = client.stack.tcp().connect(0, 0, ShmHost.SERVER_IP, ShmHost.PORT, System.nanoTime());
            TcpConnection s = null;
            long giveUpNs = System.nanoTime() + ShmHost.GIVE_UP_NS;
            while (s == null && giveUpNs - System.nanoTime() > 0) {
                client.poll();
                server.poll();
                s = listener.accept();
            }
            ByteBuffer out = ByteBuffer.allocateDirect(64 << 10);
            ByteBuffer in = ByteBuffer.allocateDirect(256 << 10);
            long[] lentSeen = new long[1];
            move(client, server, c, s, out, in, 64L << 20, lentSeen, linkB);
            ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            long bytes = 64L << 20;
            move(client, server, c, s, out, in, bytes, lentSeen, linkB);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.printf("%d MiB over the shm link in 64 KiB segments: %d bytes allocated%n", bytes >> 20, allocated);
            // About 1,000 segments and as many reads and writes: one 16-byte object each would be 16 KB.
            assertTrue(allocated < 1_000, allocated + " bytes allocated moving " + bytes + " bytes");
            assertTrue(lentSeen[0] > 0, "received segments were lent from their slots");
            // Everything read: no frame is left with either stack (lent slots and slot frames included).
            assertEquals(0, linkA.framesInUse());
            assertEquals(0, linkB.framesInUse());
        }
    }

    private static void move(ShmHost client, ShmHost server, TcpConnection c, TcpConnection s, ByteBuffer out,
                             ByteBuffer in, long bytes, long[] lentSeen, ShmLink serverLink) {
        long sent = 0;
        long got = 0;
        long giveUpNs = System.nanoTime() + ShmHost.GIVE_UP_NS;
        while (got < bytes && giveUpNs - System.nanoTime() > 0) {
            long nowNs = System.nanoTime();
            while (sent < bytes) {
                out.clear().limit((int) Math.min(out.capacity(), bytes - sent));
                int n = c.write(out, nowNs);
                if (n == 0) {
                    break;
                }
                sent += n;
            }
            client.poll();
            server.poll();
            lentSeen[0] = Math.max(lentSeen[0], serverLink.slotsLent());
            int n;
            while ((n = s.read(in.clear(), nowNs)) > 0) {
                got += n;
            }
        }
        assertEquals(bytes, got);
    }
}
