package io.bypass.stack.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs each benchmark body a few thousand times, so that the benchmarks stay correct as
 * the engine changes (they are run only by {@code bin/build bench}): the bytes arrive, no
 * frame leaks, nothing is dropped or retransmitted (the benchmarks measure the clean
 * path), and the steady state of the data path allocates nothing on the heap (the same
 * claim {@code -prof gc} checks under JMH, here with the thread's allocation counter).
 *
 * <p>The allocation bound is "fewer bytes than packets", not zero: while the JIT moves code
 * between tiers, code that C2 runs allocation-free may allocate once in the interpreter or
 * C1 (a deoptimised frame). Any allocation per packet or per call (16 bytes or more each,
 * thousands of packets) fails it.
 */
class BenchmarkSmokeTest {
    private static final int WARM_UP = 2_000;
    private static final int MEASURED = 2_000;
    private static com.sun.management.ThreadMXBean threads;

    @BeforeAll
    static void enableAllocationCounter() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        // The first readings allocate (class loading); take them before anything is measured.
        for (int i = 0; i < 3; i++) {
            threads.getCurrentThreadAllocatedBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void roundTripsMoveEveryByteWithoutAllocating(boolean checksumOffload) {
        RoundTripBenchmark bench = new RoundTripBenchmark();
        bench.checksumOffload = checksumOffload;
        bench.setUp();
        for (int i = 0; i < WARM_UP; i++) {
            bench.roundTrip();
        }
        long before = allocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            bench.roundTrip();
        }
        long allocated = allocatedBytes() - before;
        assertCleanPath(bench.pair);
        assertEquals(0, bench.pair.framesInUse(), "frames held after the response was read");
        assertNoAllocation(allocated, 2 * MEASURED, MEASURED + " round trips");
    }

    @ParameterizedTest
    @ValueSource(ints = {1500, 9000})
    void bulkTransferMovesEveryByteWithoutAllocating(int mtu) {
        BulkTransferBenchmark bench = new BulkTransferBenchmark();
        bench.mtu = mtu;
        bench.checksumOffload = true;
        bench.setUp();
        for (int i = 0; i < 20; i++) {
            bench.transfer();
        }
        long before = allocatedBytes();
        long received = 0;
        for (int i = 0; i < 20; i++) {
            received = bench.transfer();
        }
        long allocated = allocatedBytes() - before;
        // Each operation moves at least its chunk; the stream runs on by less than a window.
        long overshoot = received - 40L * BulkTransferBenchmark.CHUNK_BYTES;
        assertTrue(overshoot >= 0 && overshoot < 65_536, "received " + received);
        assertCleanPath(bench.pair);
        long packets = bench.pair.a.counters().get(Counter.TX_FRAMES) / 2;
        assertNoAllocation(allocated, packets, "20 MiB of bulk transfer");
    }

    @Test
    void connectionsOpenAndCloseAndTimeWaitExpires() {
        ConnectionBenchmark bench = new ConnectionBenchmark();
        bench.setUp();
        // 7,000 connections 10 ms apart: those of the first 10 s have left TIME-WAIT (60 s).
        for (int i = 0; i < 7_000; i++) {
            bench.openAndClose();
        }
        NetworkStack client = bench.pair.a;
        assertEquals(7_000, client.counters().get(Counter.TCP_ACTIVE_OPENS));
        int inTimeWait = client.tcp().connectionCount();
        assertTrue(inTimeWait > 5_000 && inTimeWait < 7_000, inTimeWait + " connections in TIME-WAIT");
        assertEquals(0, bench.pair.b.tcp().connectionCount(), "server connections left");
        assertCleanPath(bench.pair);
        assertEquals(0, bench.pair.framesInUse(), "frames held between connections");
    }

    private static void assertCleanPath(EnginePair pair) {
        for (NetworkStack stack : new NetworkStack[] {pair.a, pair.b}) {
            assertEquals(0, stack.counters().get(Counter.TX_DROP_LINK_FULL), "link drops");
            assertEquals(0, stack.counters().get(Counter.TX_DROP_NO_FRAME), "frame shortage");
            assertEquals(0, stack.counters().get(Counter.TCP_RETRANSMITS), "retransmissions");
            assertEquals(0, stack.counters().get(Counter.TCP_RX_DROP_BAD_CHECKSUM), "checksum drops");
            assertEquals(0, stack.counters().get(Counter.IP_RX_DROP_BAD_CHECKSUM), "IP checksum drops");
        }
    }

    private static long allocatedBytes() {
        return threads.getCurrentThreadAllocatedBytes();
    }

    private static void assertNoAllocation(long allocated, long packets, String what) {
        assertTrue(allocated < Math.min(packets, 1024), allocated + " bytes allocated on the heap during " + what);
    }
}
