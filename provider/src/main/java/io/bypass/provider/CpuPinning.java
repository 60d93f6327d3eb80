package io.bypass.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Pins the calling platform thread to one CPU with Linux's {@code sched_setaffinity}
 * through the FFM API (the JDK has no affinity API). Used for the thread that spins in
 * {@code select} under the latency profile, so it keeps its cache and does not bounce.
 */
final class CpuPinning {
    private static final System.Logger LOG = System.getLogger("io.bypass.provider");
    /** Bytes of the CPU mask we pass: 1024 CPUs, glibc's {@code cpu_set_t}. */
    private static final int MASK_BYTES = 128;

    private CpuPinning() {
    }

    /**
     * Pins the current thread to {@code cpu}; logs why when it cannot (not Linux, a virtual
     * thread, no native access, or the call failed) and carries on unpinned.
     *
     * @return whether the thread is now pinned
     */
    @SuppressWarnings("restricted") // native access is enabled by bin/bypass and the drop-in jar's manifest
    static boolean pinCurrentThread(int cpu) {
        String why = reasonUnsupported(cpu);
        if (why == null) {
            try {
                Optional<MemorySegment> f = Linker.nativeLinker().defaultLookup().find("sched_setaffinity");
                if (f.isEmpty()) {
                    why = "libc has no sched_setaffinity";
                } else {
                    MethodHandle h = Linker.nativeLinker().downcallHandle(f.get(), FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment mask = arena.allocate(MASK_BYTES);
                        mask.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
                        // pid 0: the calling thread (sched_setaffinity(2)).
                        int rc = (int) h.invokeExact(0, (long) MASK_BYTES, mask);
                        if (rc == 0) {
                            LOG.log(System.Logger.Level.INFO, "bypass: pinned thread {0} to CPU {1}",
                                    Thread.currentThread().getName(), cpu);
                            return true;
                        }
                        why = "sched_setaffinity failed (is CPU " + cpu + " online and allowed?)";
                    }
                }
            } catch (Throwable t) {
                why = "native call unavailable: " + t;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "bypass: not pinning to CPU {0}: {1}", cpu, why);
        return false;
    }

    private static String reasonUnsupported(int cpu) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "sched_setaffinity is Linux only";
        }
        if (Thread.currentThread().isVirtual()) {
            return "the selecting thread is virtual (pinning would pin its carrier)";
        }
        if (cpu >= MASK_BYTES * 8) {
            return "CPU number beyond " + (MASK_BYTES * 8 - 1);
        }
        return null;
    }
}
