package io.bypass.samples.report;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The round trip of one cache line between two spinning threads (on a 2-CPU machine: between
 * its two CPUs), the floor under any round trip between two processes over shared memory.
 * On a virtual machine it depends on where the host runs the virtual CPUs, and that may change
 * while the report runs: on the 2-CPU VM of the README it was 120-170 ns in some runs and
 * 510-560 ns in others, minutes apart; the shm link's 64-byte round trip moves several lines
 * each way, so the report prints this beside it.
 */
final class CacheLineProbe {
    private static final int ROUND_TRIPS = 200_000;
    /** The two threads' words are 256 bytes apart: separate lines, and separate pairs for adjacent-line prefetch. */
    private static final int PING = 0;
    private static final int PONG = 32;

    private CacheLineProbe() {
    }

    /**
     * @return the median round trip in nanoseconds, or -1 when the machine has one CPU (the
     *         two threads would take turns on it, which measures the scheduler instead)
     * @throws InterruptedException if interrupted while the echoing thread finishes
     */
    static long medianRoundTripNs() throws InterruptedException {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            return -1;
        }
        AtomicLongArray words = new AtomicLongArray(PONG + 1);
        Thread echo = Thread.ofPlatform().daemon().name("cache-line-echo").start(() -> {
            for (long i = 1; i <= ROUND_TRIPS; i++) {
                while (words.getAcquire(PING) != i) {
                    Thread.onSpinWait();
                }
                words.setRelease(PONG, i);
            }
        });
        long[] roundTripNs = new long[ROUND_TRIPS];
        for (int i = 1; i <= ROUND_TRIPS; i++) {
            long startNs = System.nanoTime();
            words.setRelease(PING, i);
            while (words.getAcquire(PONG) != i) {
                Thread.onSpinWait();
            }
            roundTripNs[i - 1] = System.nanoTime() - startNs;
        }
        echo.join();
        // The second half only: the first is the interpreter's and the JIT's.
        long[] measured = Arrays.copyOfRange(roundTripNs, ROUND_TRIPS / 2, ROUND_TRIPS);
        Arrays.sort(measured);
        return measured[measured.length / 2];
    }
}
