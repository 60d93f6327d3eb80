package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.buffer.Frame;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shm link's doorbell: an end asleep in {@link ShmLink#awaitFrames} for far longer than
 * any test waits is woken by its peer's transmit, in one JVM (two threads) and across two
 * (a child {@link DoorbellPeerMain}). Wake-up latencies are printed, not asserted.
 */
@Timeout(120)
class ShmDoorbellTest {
    /** Longer than the test's timeout: an await that returns did not time out. */
    private static final long FOREVER_NS = TimeUnit.MINUTES.toNanos(10);
    private static final int ROUNDS = 2_000;

    @TempDir
    Path dir;
    private Path file;
    private final Arena arena = Arena.ofShared();
    private MemorySegment header;

    @BeforeEach
    void setUp() {
        file = dir.resolve("link");
    }

    @AfterEach
    void unmap() {
        arena.close();
    }

    @Test
    void endsCanBlockForFramesOnLinux() throws Exception {
        try (ShmLink a = ShmLink.open(file, ShmHost.config())) {
            assertTrue(a.canAwaitFrames(), "futex available on " + System.getProperty("os.arch"));
        }
    }

    @Test
    void sleepingEndIsWokenByThePeersTransmit() throws Exception {
        try (ShmLink a = ShmLink.open(file, ShmHost.config()); ShmLink b = ShmLink.open(file, ShmHost.config())) {
            a.receive(new Frame[1], 1); // a learns that b attached
            CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> b.awaitFrames(FOREVER_NS));
            awaitBell(b.side(), Doorbell.SLEEPING);
            long sentNs = System.nanoTime();
            sendOne(a, (byte) 7);
            assertTrue(woken.get(60, TimeUnit.SECONDS), "woken with the frame waiting");
            System.out.printf("shm doorbell, one JVM: sleeping thread returned %.1f us after the transmit%n",
                    (System.nanoTime() - sentNs) / 1e3);
            assertEquals(Doorbell.AWAKE, bell(b.side()));
            Frame[] burst = new Frame[1];
            assertEquals(1, b.receive(burst, 1));
            assertEquals((byte) 7, burst[0].memory().get(ValueLayout.JAVA_BYTE, 20));
            burst[0].release();
        }
    }

    @Test
    void awaitReturnsAtOnceWhenFramesAlreadyWait() throws Exception {
        try (ShmLink a = ShmLink.open(file, ShmHost.config()); ShmLink b = ShmLink.open(file, ShmHost.config())) {
            a.receive(new Frame[1], 1);
            sendOne(a, (byte) 1);
            assertTrue(b.awaitFrames(FOREVER_NS));
            assertEquals(Doorbell.AWAKE, bell(b.side()));
        }
    }

    @Test
    void awaitReturnsFalseAtTheTimeoutWhenNothingArrives() throws Exception {
        try (ShmLink a = ShmLink.open(file, ShmHost.config())) {
            long startNs = System.nanoTime();
            assertFalse(a.awaitFrames(TimeUnit.MILLISECONDS.toNanos(20)));
            System.out.printf("shm doorbell: a 20 ms await with nothing sent returned after %.1f ms%n",
                    (System.nanoTime() - startNs) / 1e6);
            assertEquals(Doorbell.AWAKE, bell(a.side()));
        }
    }

    @Test
    void wakeAwaiterEndsASleepWithNothingToReceive() throws Exception {
        try (ShmLink a = ShmLink.open(file, ShmHost.config())) {
            CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> a.awaitFrames(FOREVER_NS));
            awaitBell(a.side(), Doorbell.SLEEPING);
            a.wakeAwaiter();
            assertFalse(woken.get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void wakeBeforeTheSleepMakesTheNextAwaitReturnAndOnlyThatOne() throws Exception {
        try (ShmLink a = ShmLink.open(file, ShmHost.config())) {
            a.wakeAwaiter();
            assertEquals(Doorbell.WAKE_PENDING, bell(a.side()));
            assertFalse(a.awaitFrames(FOREVER_NS));
            assertEquals(Doorbell.AWAKE, bell(a.side()));
            assertFalse(a.awaitFrames(TimeUnit.MILLISECONDS.toNanos(5)), "the pending wake was used up");
        }
    }

    /**
     * Ping-pong of raw frames with a child JVM where both ends sleep in {@code awaitFrames}
     * between frames: every frame is delivered by a futex wake across processes.
     */
    @Test
    void peerProcessAsleepInAwaitFramesIsWokenByEachTransmit() throws Exception {
        try (ShmLink link = ShmLink.open(file, ShmHost.config())) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process peer = new ProcessBuilder(java, "-Xmx128m", "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), DoorbellPeerMain.class.getName(), file.toString(),
                    Integer.toString(ROUNDS)).redirectErrorStream(true).start();
            try {
                assertEquals("attached side 1", new BufferedReader(new InputStreamReader(peer.getInputStream())).readLine());
                Frame[] burst = new Frame[1];
                while (link.peerState() != PeerState.UP) {
                    link.receive(burst, 1);
                }
                long[] rttNs = new long[ROUNDS];
                for (int i = 0; i < ROUNDS; i++) {
                    // The peer announces its sleep before it sleeps: wait for it, so that each frame needs the bell.
                    awaitBell(1, Doorbell.SLEEPING);
                    long startNs = System.nanoTime();
                    sendOne(link, (byte) i);
                    int n = 0;
                    while (n == 0) {
                        link.awaitFrames(FOREVER_NS);
                        n = link.receive(burst, 1);
                    }
                    rttNs[i] = System.nanoTime() - startNs;
                    assertEquals((byte) i, burst[0].memory().get(ValueLayout.JAVA_BYTE, 20));
                    burst[0].release();
                }
                assertTrue(peer.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, peer.exitValue());
                Arrays.sort(rttNs);
                System.out.printf("shm doorbell, two JVMs, both ends asleep between frames: round trip p50 %.1f us,"
                        + " p99 %.1f us, max %.1f us (%d rounds)%n", rttNs[ROUNDS / 2] / 1e3,
                        rttNs[ROUNDS * 99 / 100] / 1e3, rttNs[ROUNDS - 1] / 1e3, ROUNDS);
                assertEquals(0, link.framesInUse());
            } finally {
                peer.destroyForcibly().waitFor();
            }
        }
    }

    private static void sendOne(ShmLink link, byte mark) {
        Frame f = link.allocate();
        f.memory().fill(mark);
        f.window(0, 60);
        assertEquals(1, link.transmit(new Frame[] {f}, 1));
    }

    /** Waits (by polling the word through a mapping of our own) until {@code side}'s bell holds {@code value}. */
    private void awaitBell(int side, int value) throws Exception {
        while (bell(side) != value) {
            Thread.onSpinWait();
        }
    }

    /** @return {@code side}'s bell, read through a mapping of the header of our own (made on first use) */
    private int bell(int side) throws Exception {
        if (header == null) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                header = ch.map(FileChannel.MapMode.READ_ONLY, 0, ShmHeader.LENGTH, arena);
            }
        }
        return (int) ValueLayout.JAVA_INT.varHandle().getVolatile(header,
                ShmHeader.DOORBELL_0_OFFSET + side * ShmHeader.DOORBELL_STRIDE);
    }
}
