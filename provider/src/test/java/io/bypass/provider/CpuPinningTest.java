package io.bypass.provider;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** bypass.pin: sched_setaffinity through FFM for platform threads, a logged refusal otherwise. */
class CpuPinningTest {
    @Test
    void aPlatformThreadIsPinnedToCpuZeroOnLinux() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "sched_setaffinity is Linux only");
        AtomicBoolean pinned = new AtomicBoolean();
        // A thread of its own: the pinning stays with it and ends with it.
        Thread t = Thread.ofPlatform().start(() -> pinned.set(CpuPinning.pinCurrentThread(0)));
        t.join();
        assertTrue(pinned.get());
    }

    @Test
    void aVirtualThreadOrAnAbsentCpuIsRefusedAndLeftUnpinned() throws Exception {
        AtomicBoolean pinned = new AtomicBoolean(true);
        Thread.ofVirtual().start(() -> pinned.set(CpuPinning.pinCurrentThread(0))).join();
        assertFalse(pinned.get());
        Thread t = Thread.ofPlatform().start(() -> pinned.set(CpuPinning.pinCurrentThread(1023)));
        t.join();
        assertFalse(pinned.get());
    }
}
