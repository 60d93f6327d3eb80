package io.bypass.link.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.Link;
import java.util.concurrent.TimeUnit;

/**
 * Checks a link's wake-up ({@link Link#awaitFrames}): a frame from the kernel in the test's
 * namespace ends a sleep (an ARP request, as the kernel resolves our address for a UDP
 * datagram), so does a {@link Link#wakeAwaiter} from another thread, and one that comes before
 * the sleep ends it at once. No timing is asserted beyond "before the sleep's own 10 s timeout".
 */
public final class LinkWakeUps {
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    private LinkWakeUps() {
    }

    /** Keeps the namespace's kernel from sending IPv6 neighbour discovery, which would end a sleep early; before its interface goes up. */
    public static void quietIpv6(KernelNamespace ns) throws Exception {
        ns.exec("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
    }

    /**
     * @param link a link whose far end is the kernel of {@code ns}, up, with the kernel's
     *             address, and nobody else polling it
     */
    public static void wakesUpForAFrameAndForAWakeUp(Link link, KernelNamespace ns) throws Exception {
        assertTrue(link.canAwaitFrames(), link + " should have a wake-up");
        drain(link);

        link.wakeAwaiter();
        sleepsUntilWoken(link, "a wake-up that came before the sleep");

        Thread waker = Thread.ofPlatform().start(() -> {
            pause();
            link.wakeAwaiter();
        });
        sleepsUntilWoken(link, "a wake-up from another thread");
        waker.join();

        Thread sender = Thread.ofPlatform().start(() -> {
            pause();
            try {
                ns.exec("bash", "-c", "echo wake > /dev/udp/" + ns.ourIp + "/9");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(sleepsUntilWoken(link, "a frame from the kernel"), "the frame was seen waiting");
        sender.join();
        assertTrue(drain(link) > 0, "a frame waits to be received");
    }

    /** @return what {@link Link#awaitFrames} returned */
    private static boolean sleepsUntilWoken(Link link, String what) {
        long startNs = System.nanoTime();
        boolean seen = link.awaitFrames(WAIT_NS);
        long tookNs = System.nanoTime() - startNs;
        assertTrue(tookNs < WAIT_NS / 2, what + " did not end the sleep: " + tookNs / 1_000_000 + " ms");
        return seen;
    }

    /** Receives for 200 ms, releasing every frame (a frame may take a moment to arrive); @return frames received. */
    private static int drain(Link link) {
        Frame[] frames = new Frame[32];
        int total = 0;
        long untilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() - untilNs < 0) {
            int n = link.receive(frames, frames.length);
            for (int i = 0; i < n; i++) {
                frames[i].release();
            }
            total += n;
        }
        return total;
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
