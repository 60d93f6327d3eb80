package io.bypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.wire.Ipv4Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A link engine's helper beside an application that polls the link itself: a non-blocking
 * ping-pong over the shm link whose every read and write polls, with nobody spinning
 * ({@code bypass.spin=0}) and nobody asleep on the doorbell, so that the helper's looks at the
 * spinner count and the doorbell find nobody watching. It must leave the link to the
 * application and back off to {@link StackEngine#LINK_LOOK_WATCHED_NS}: each of its wake-ups
 * preempts a spinning thread on a machine whose CPUs they fill. Before, it took the lock and
 * polled beside the application every 50 us-1 ms. And the other side of that back-off: a
 * thread that blocks on a link without a doorbell still gets the helper's polls within its
 * usual bound.
 */
@Timeout(60)
class LinkHelperBackOffTest {
    private static final int A_IP = Ipv4Address.parse("10.9.3.1");
    private static final int B_IP = Ipv4Address.parse("10.9.3.2");
    private static final long RUN_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int BLOCKING_SPIN_US = 2_000;
    private static final long ANSWER_AFTER_NS = TimeUnit.MILLISECONDS.toNanos(6);
    private static final int BLOCKED_ROUNDS = 40;

    @TempDir
    Path dir;

    @Test
    void helperLeavesTheLinkToAnApplicationThatPollsIt() throws Exception {
        BypassSelectorProvider a = LinkEcho.provider(dir.resolve("link"), "shm", 0, A_IP, 0);
        BypassSelectorProvider b = LinkEcho.provider(dir.resolve("link"), "shm", 1, B_IP, 0);
        try (LinkEcho echo = LinkEcho.connect(a, b, B_IP)) {
            echo.client().configureBlocking(false);
            echo.server().configureBlocking(false);
            StackEngine client = a.linkEngine();
            StackEngine server = b.linkEngine();
            ByteBuffer buf = ByteBuffer.allocateDirect(1);
            pingPong(echo, buf, TimeUnit.MILLISECONDS.toNanos(100));
            long clientSleeps = client.helperSleeps();
            long serverSleeps = server.helperSleeps();
            long clientPolls = client.helperPollsWithWork();
            long serverPolls = server.helperPollsWithWork();
            long rounds = pingPong(echo, buf, RUN_NS);
            long looks = client.helperSleeps() - clientSleeps + server.helperSleeps() - serverSleeps;
            long polls = client.helperPollsWithWork() - clientPolls + server.helperPollsWithWork() - serverPolls;
            System.out.printf("shm link, non-blocking ping-pong polling the link at every call: %d rounds in %d ms;"
                    + " helper looks %d, helper polls that took frames %d (both engines)%n",
                    rounds, RUN_NS / 1_000_000, looks, polls);
            // Two helpers looking every 10 ms: ~100 looks in 500 ms. Before: every 50 us-1 ms, each
            // taking the lock beside the application, or asleep on the doorbell, woken by every
            // transmit: 20,000-1,200,000 looks, and a frame taken from the application per round.
            assertTrue(looks < 300, "helper looks: " + looks);
            // Left to the helper: a frame that came while the application thread stood still for
            // over a millisecond (a compilation, a safepoint).
            assertTrue(polls < rounds / 100, "the helpers took " + polls + " frames in " + rounds + " rounds");
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    /**
     * On a link without a doorbell ({@code hintless:}, as TAP and DPDK) a reader that spins and
     * then blocks waits for the helper's poll. While it spins the helper backs off towards
     * {@link StackEngine#LINK_LOOK_WATCHED_NS}; when it parks, the helper must come back within
     * {@link StackEngine#LINK_POLL_MAX_NS}, not sleep out the longer back-off.
     */
    @Test
    void helperPollsForAThreadThatBlocksOnALinkWithoutDoorbell() throws Exception {
        BypassSelectorProvider a = LinkEcho.provider(dir.resolve("link"), "hintless", 0, A_IP, BLOCKING_SPIN_US);
        BypassSelectorProvider b = LinkEcho.provider(dir.resolve("link"), "hintless", 1, B_IP, BLOCKING_SPIN_US);
        try (LinkEcho echo = LinkEcho.connect(a, b, B_IP)) {
            // One-byte answers with nothing coming back to acknowledge them at once: no Nagle.
            echo.server().setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            long[] latencies = new long[BLOCKED_ROUNDS];
            for (int i = 0; i < BLOCKED_ROUNDS; i++) {
                CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                    LockSupport.parkNanos(ANSWER_AFTER_NS);
                    long sentNs = System.nanoTime();
                    try {
                        echo.server().write(ByteBuffer.allocate(1));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return sentNs;
                });
                one.clear();
                assertEquals(1, echo.client().read(one));
                latencies[i] = System.nanoTime() - sent.get();
            }
            Arrays.sort(latencies);
            long medianNs = latencies[BLOCKED_ROUNDS / 2];
            System.out.printf("hintless link, a reader spinning %d us then blocked, answered %d ms after its read:"
                    + " frame to read p50 %.2f ms, max %.2f ms (%d rounds)%n", BLOCKING_SPIN_US,
                    ANSWER_AFTER_NS / 1_000_000, medianNs / 1e6, latencies[BLOCKED_ROUNDS - 1] / 1e6, BLOCKED_ROUNDS);
            assertTrue(medianNs < StackEngine.LINK_POLL_MAX_NS * 2, "median " + medianNs + " ns");
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    /** Non-blocking one-byte ping-pong, each read and write in a loop that polls the link, for {@code ns}. */
    private static long pingPong(LinkEcho echo, ByteBuffer buf, long ns) throws IOException {
        long rounds = 0;
        for (long start = System.nanoTime(); System.nanoTime() - start < ns; rounds++) {
            exchange(echo.client(), echo.server(), buf);
            exchange(echo.server(), echo.client(), buf);
        }
        return rounds;
    }

    private static void exchange(SocketChannel from, SocketChannel to, ByteBuffer buf) throws IOException {
        buf.clear();
        while (from.write(buf) == 0) {
            Thread.onSpinWait();
        }
        buf.clear();
        while (to.read(buf) == 0) {
            Thread.onSpinWait();
        }
    }
}
