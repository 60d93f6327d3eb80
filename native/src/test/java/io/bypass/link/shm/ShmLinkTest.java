package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.tcp.TcpConnection;
import io.bypass.stack.tcp.TcpListener;
import io.bypass.stack.tcp.TcpState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two ends of a shared-memory link in one process, on one file. */
class ShmLinkTest {
    @TempDir
    Path dir;

    @Test
    void firstOpenCreatesSideZeroAndSecondAttachesSideOne() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink a = ShmLink.open(file, ShmHost.config()); ShmLink b = ShmLink.open(file, ShmHost.config())) {
            assertEquals(0, a.side());
            assertEquals(1, b.side());
            a.receive(new Frame[1], 1);
            assertEquals(PeerState.UP, a.peerState());
            assertEquals(PeerState.UP, b.peerState());
            assertThrows(IllegalStateException.class, () -> ShmLink.open(file, ShmHost.config()));
        }
    }

    @Test
    void framesCrossInBothDirectionsAndReturnToTheirPools() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink a = ShmLink.open(file, ShmHost.config()); ShmLink b = ShmLink.open(file, ShmHost.config())) {
            Frame[] burst = new Frame[8];
            a.receive(burst, 8); // a learns that b attached
            for (int i = 0; i < 3; i++) {
                Frame f = a.allocate();
                f.memory().fill((byte) (i + 1));
                f.window(0, 60 + i);
                burst[i] = f;
            }
            assertEquals(3, a.transmit(burst, 3));
            assertEquals(0, a.framesInUse());
            assertEquals(3, b.receive(burst, 8));
            for (int i = 0; i < 3; i++) {
                assertEquals(60 + i, burst[i].length());
                assertEquals((byte) (i + 1), burst[i].memory().get(ValueLayout.JAVA_BYTE, 59));
                burst[i].release();
            }
            assertEquals(0, b.framesInUse());
            assertEquals(3, a.stats().get(LinkCounter.TX_FRAMES));
            assertEquals(3, b.stats().get(LinkCounter.RX_FRAMES));
            assertEquals(60 + 61 + 62, b.stats().get(LinkCounter.RX_BYTES));
        }
    }

    @Test
    void fullRingDropsTheRestOfTheBurstAndCountsIt() throws Exception {
        Path file = dir.resolve("link");
        ShmLinkConfig small = new ShmLinkConfig(1500, 4, 16, 200_000_000L);
        try (ShmLink a = ShmLink.open(file, small); ShmLink b = ShmLink.open(file, small)) {
            a.receive(new Frame[1], 1);
            Frame[] burst = new Frame[6];
            for (int i = 0; i < 6; i++) {
                burst[i] = a.allocate();
                burst[i].window(0, 64);
            }
            assertEquals(4, a.transmit(burst, 6));
            assertEquals(2, a.stats().get(LinkCounter.TX_DROP_RING_FULL));
            assertEquals(0, a.framesInUse());
            Frame[] received = new Frame[8];
            assertEquals(4, b.receive(received, 8));
            for (int i = 0; i < 4; i++) {
                received[i].release();
            }
            assertEquals(0, b.framesInUse());
        }
    }

    @Test
    void fileOfAnOlderLayoutIsRefusedWithTheVersionsNamed() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink a = ShmLink.open(file, ShmHost.config())) {
            writeInt(file, ShmHeader.VERSION_OFFSET, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ShmLink.open(file, ShmHost.config()));
            assertEquals("shm link " + file + ": layout version 1 in the file, this build speaks version " + ShmHeader.VERSION + ": both ends"
                    + " must run the same Bypass release (if no process uses the file, delete it)", e.getMessage());
        }
    }

    @Test
    void shapeMismatchIsNamed() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink a = ShmLink.open(file, ShmHost.config())) {
            ShmLinkConfig other = new ShmLinkConfig(9000, 512, 1024, 200_000_000L);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ShmLink.open(file, other));
            assertTrue(e.getMessage().endsWith("slotCount 256 in the file, 512 asked for"), e.getMessage());
        }
    }

    @Test
    void notALinkFileIsNamed() throws Exception {
        Path file = dir.resolve("link");
        Files.write(file, new byte[4096]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ShmLink.open(file, ShmHost.config()));
        assertTrue(e.getMessage().contains("is not a Bypass shm link"), e.getMessage());
    }

    @Test
    void deadPeerIsReportedAndARestartedPeerReattaches() throws Exception {
        Path file = dir.resolve("link");
        try (ShmLink a = ShmLink.open(file, ShmHost.config())) {
            long deadPid;
            try (ShmLink b = ShmLink.open(file, ShmHost.config())) {
                a.receive(new Frame[1], 1);
                assertEquals(PeerState.UP, a.peerState());
                // b's process "dies": its side is left holding the pid of a process that has exited.
                Process gone = new ProcessBuilder("true").start();
                gone.waitFor();
                deadPid = gone.pid();
                writeLong(file, ShmHeader.SIDE_0_OFFSET + ShmHeader.SIDE_STRIDE, deadPid);
            }
            writeLong(file, ShmHeader.SIDE_0_OFFSET + ShmHeader.SIDE_STRIDE, deadPid);
            long giveUpNs = System.nanoTime() + ShmHost.GIVE_UP_NS;
            Frame[] burst = new Frame[4];
            while (a.peerState() != PeerState.DEAD && giveUpNs - System.nanoTime() > 0) {
                a.receive(burst, 4);
            }
            assertEquals(PeerState.DEAD, a.peerState());
            assertEquals(1, a.peerDeaths());
            Frame f = a.allocate();
            f.window(0, 64);
            burst[0] = f;
            assertEquals(0, a.transmit(burst, 1));
            assertEquals(1, a.stats().get(LinkCounter.TX_DROP_PEER_DOWN));
            assertEquals(0, a.framesInUse());

            try (ShmLink restarted = ShmLink.open(file, ShmHost.config())) {
                assertEquals(1, restarted.side());
                a.receive(burst, 4);
                assertEquals(PeerState.UP, a.peerState());
            }
        }
    }

    @Test
    void twoStacksMoveSixteenMebibytesIntact() throws Exception {
        Hosts h = moveIntact(dir.resolve("link"), ShmHost.config(), 16 << 20);
        assertEquals(0, h.client().link.stats().get(LinkCounter.RX_DROP_MALFORMED)
                + h.server().link.stats().get(LinkCounter.RX_DROP_MALFORMED));
    }

    /**
     * A window larger than the ring (16 slots of 9,000 bytes, a 256 KiB receive window):
     * TCP holds new segments back while the ring is full ({@link ShmLink#transmitRoom}) instead
     * of losing them there. Before, every burst that did not fit was dropped and recovered by
     * retransmission timeouts that backed off: two JVMs moved 106 MB in 12 s over such a ring.
     */
    @Test
    void aWindowLargerThanTheRingWaitsForTheRingInsteadOfLosingSegments() throws Exception {
        Hosts h = moveIntact(dir.resolve("small"), new ShmLinkConfig(9000, 16, 512, 200_000_000L),
                64 << 20);
        StackCounters client = h.client().stack.counters();
        assertTrue(client.get(Counter.TCP_SEND_HELD_LINK_FULL) > 0, "the ring filled: " + client);
        assertEquals(0, client.get(Counter.TX_DROP_LINK_FULL), client.toString());
        assertEquals(0, client.get(Counter.TCP_RETRANSMITS), client.toString());
    }

    /** The two ends of a {@link #moveIntact} transfer. */
    private record Hosts(ShmHost client, ShmHost server) {
    }

    /**
     * Moves {@code bytes} of random data from a client stack to a server stack over one link
     * file, polling both in turn, and checks that they arrived intact and in order.
     */
    private static Hosts moveIntact(Path file, ShmLinkConfig config, int bytes) throws Exception {
        try (ShmLink linkA = ShmLink.open(file, config); ShmLink linkB = ShmLink.open(file, config)) {
            ShmHost client = new ShmHost(linkA, false);
            ShmHost server = new ShmHost(linkB, true);
            TcpListener listener = server.stack.tcp().listen(0, ShmHost.PORT, 0);
            byte[] data = new byte[bytes];
            new Random(5).nextBytes(data);
            ByteBuffer out = ByteBuffer.wrap(data);
            ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            TcpConnection c = client.stack.tcp().connect(0, 0, ShmHost.SERVER_IP, ShmHost.PORT, System.nanoTime());
            TcpConnection s = null;
            long total = 0;
            long giveUpNs = System.nanoTime() + ShmHost.GIVE_UP_NS;
            while (total < data.length && giveUpNs - System.nanoTime() > 0) {
                client.poll();
                server.poll();
                if (s == null) {
                    s = listener.accept();
                    continue;
                }
                if (out.hasRemaining()) {
                    c.write(out, System.nanoTime());
                }
                int n;
                while ((n = s.read(in.clear(), System.nanoTime())) > 0) {
                    received.update(in.flip());
                    total += n;
                }
            }
            assertNotNull(s);
            assertEquals(data.length, total);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), received.digest());
            assertEquals(TcpState.ESTABLISHED, c.state());
            return new Hosts(client, server);
        }
    }

    private static void writeInt(Path file, long offset, int value) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, ShmHeader.LENGTH, arena);
            m.set(ValueLayout.JAVA_INT, offset, value);
        }
    }

    private static void writeLong(Path file, long offset, long value) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, ShmHeader.LENGTH, arena);
            m.set(ValueLayout.JAVA_LONG, offset, value);
        }
    }
}
