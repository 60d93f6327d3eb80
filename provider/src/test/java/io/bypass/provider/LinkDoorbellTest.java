package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.wire.Ipv4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Waiters that do not spin ({@code bypass.spin=0}) on a link engine whose device has a
 * doorbell (the shm link's futex word): the blocked application thread itself sleeps on the
 * doorbell, so the peer's transmit wakes it and it polls the frames (one wake-up per frame),
 * instead of parking while the engine's helper sleeps on the doorbell, polls, and unparks it
 * (two). Two providers in this JVM on the two ends of one shm file. Each doorbell sleep of a
 * thread is bounded by a second, far longer than any round trip here: a lost wake-up would make
 * the ping-pongs take minutes and the {@link Timeout} fail them. The sleeping reader allocates
 * nothing per round trip.
 */
@Timeout(120)
class LinkDoorbellTest {
    private static final int A_IP = Ipv4Address.parse("10.9.1.1");
    private static final int B_IP = Ipv4Address.parse("10.9.1.2");
    private static final int ROUND_TRIPS = 2_000;
    private static final int SIZE = 64;
    /** Round trips before the measured ones of the allocation check (the JIT compiles the sleep path). */
    private static final int WARM_UP = 10_000;

    @TempDir
    Path dir;

    private BypassSelectorProvider provider(int side, int ip) {
        return LinkEcho.provider(dir.resolve("link"), "shm", side, ip, 0);
    }

    @Test
    void blockedReadersSleepOnTheDoorbellAndTakeTheFramesThemselves() throws Exception {
        BypassSelectorProvider a = provider(0, A_IP);
        BypassSelectorProvider b = provider(1, B_IP);
        try (LinkEcho link = LinkEcho.connect(a, b, B_IP)) {
            SocketChannel c = link.client();
            SocketChannel s = link.server();
            CompletableFuture<Void> echo = link.blockingEcho(WARM_UP + ROUND_TRIPS, SIZE);
            StackEngine linkA = a.linkEngine();
            StackEngine linkB = b.linkEngine();
            ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
            link.pingPong(buf, WARM_UP);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long allocated = threads.getCurrentThreadAllocatedBytes();
            Wakes aBefore = Wakes.of(linkA);
            Wakes bBefore = Wakes.of(linkB);
            link.pingPong(buf, ROUND_TRIPS);
            allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
            echo.get(60, TimeUnit.SECONDS);
            Wakes aWakes = aBefore.since(linkA);
            Wakes bWakes = bBefore.since(linkB);
            System.out.printf("shm link, blocking ping-pong without spinning: %d round trips, readers' doorbell"
                    + " sleeps: client %d, server %d; helper polls that took frames: client side %d, server side %d;"
                    + " %d bytes allocated by the client%n", ROUND_TRIPS, aWakes.bellSleeps(), bWakes.bellSleeps(),
                    aWakes.helperPolls(), bWakes.helperPolls(), allocated);
            // A reader that parked while the helper slept on the doorbell would sleep on it never.
            assertTrue(aWakes.bellSleeps() >= ROUND_TRIPS / 4 && bWakes.bellSleeps() >= ROUND_TRIPS / 4,
                    "doorbell sleeps: client " + aWakes.bellSleeps() + ", server " + bWakes.bellSleeps());
            // The woken readers poll the frames themselves; a helper that kept the doorbell would take nearly all.
            assertTrue(aWakes.helperPolls() < ROUND_TRIPS / 2 && bWakes.helperPolls() < ROUND_TRIPS / 2,
                    "helper polls with frames: client side " + aWakes.helperPolls() + ", server side "
                            + bWakes.helperPolls());
            // Zero per round trip: anything allocated each time is at least 16 bytes a round trip; a
            // contended lock's occasional 32-byte queue node stays far below one byte on average.
            assertTrue(allocated < ROUND_TRIPS, allocated + " bytes allocated by " + ROUND_TRIPS
                    + " round trips asleep on the doorbell");
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    @Test
    void aSelectorThatDoesNotSpinSleepsOnTheDoorbell() throws Exception {
        BypassSelectorProvider a = provider(0, A_IP);
        BypassSelectorProvider b = provider(1, B_IP);
        try (LinkEcho link = LinkEcho.connect(a, b, B_IP)) {
            SocketChannel c = link.client();
            SocketChannel s = link.server();
            s.configureBlocking(false);
            BypassSelector sel = (BypassSelector) b.openSelector();
            s.register(sel, SelectionKey.OP_READ);
            StackEngine linkB = b.linkEngine();
            long bSleeps = linkB.waitBellSleeps();
            CompletableFuture<Void> echo = link.selectorEcho(sel, ROUND_TRIPS * SIZE, SIZE);
            ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);
            link.pingPong(buf, ROUND_TRIPS);
            echo.get(60, TimeUnit.SECONDS);
            bSleeps = linkB.waitBellSleeps() - bSleeps;
            System.out.printf("shm link, selector echo without spinning: %d round trips, selects that blocked %d,"
                    + " doorbell sleeps %d%n", ROUND_TRIPS, sel.blocks(), bSleeps);
            // A select that finds its key ready does not block; one that blocks sleeps on the doorbell
            // as a rule (it parks only when the helper held the doorbell and was slow to give it back).
            assertTrue(sel.blocks() > 0 && bSleeps >= sel.blocks() / 2,
                    "selector's doorbell sleeps: " + bSleeps + " of " + sel.blocks() + " blocking selects");
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    /**
     * Events from this process end a select asleep on the doorbell: a wakeup, and a key made
     * ready by a write of an in-JVM loopback peer (no frame crosses the link, so only the ring
     * from this side can end the sleep). Repeated, so that a lost ring (a one-second sleep each)
     * would run past the timeout.
     */
    @Test
    void wakeupsAndInProcessEventsEndASelectAsleepOnTheDoorbell() throws Exception {
        BypassSelectorProvider a = provider(0, A_IP);
        try (Selector sel = a.openSelector();
             ServerSocketChannel ssc = a.openServerSocketChannel().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel c = a.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            SocketChannel s = ssc.accept();
            s.configureBlocking(false);
            SelectionKey key = s.register(sel, SelectionKey.OP_READ);
            StackEngine link = a.engines()[a.engines().length - 1];
            assertTrue(!link.isLoopback(), "the link engine is started with the provider");
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            ByteBuffer in = ByteBuffer.allocateDirect(16);
            int rounds = 100;
            long sleepsBefore = link.waitBellSleeps();
            for (int i = 0; i < rounds; i++) {
                long sleeps = link.waitBellSleeps();
                long blocks = ((BypassSelector) sel).blocks();
                CompletableFuture<Integer> select = CompletableFuture.supplyAsync(() -> {
                    try {
                        return sel.select();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                // Until it blocks: asleep on the doorbell as a rule, parked when the helper held the
                // doorbell and was slow to give it back.
                while (link.waitBellSleeps() == sleeps && ((BypassSelector) sel).blocks() == blocks) {
                    Thread.onSpinWait();
                }
                Thread.sleep(1);
                if (i % 2 == 0) {
                    sel.wakeup();
                    assertEquals(0, select.get(60, TimeUnit.SECONDS));
                } else {
                    one.clear();
                    c.write(one);
                    assertEquals(1, select.get(60, TimeUnit.SECONDS));
                    sel.selectedKeys().clear();
                    in.clear();
                    assertEquals(1, s.read(in));
                }
                assertTrue(key.isValid());
            }
            long bellSleeps = link.waitBellSleeps() - sleepsBefore;
            System.out.printf("select asleep on the doorbell ended by a wakeup or an in-JVM write: %d of %d selects"
                    + " slept on it%n", bellSleeps, rounds);
            assertTrue(bellSleeps >= rounds / 2, "selects asleep on the doorbell: " + bellSleeps);
            s.close();
        } finally {
            a.shutdown();
        }
    }
}
