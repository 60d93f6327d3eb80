package io.bypass.link.shm;

import io.bypass.link.Downcalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * {@code futex(2)} on a word of shared memory, through libc's {@code syscall(3)} (glibc has
 * no futex wrapper). Shared, not {@code FUTEX_PRIVATE_FLAG}: the kernel keys a shared futex
 * on the mapped file's page and offset, so a waiter and a waker in two processes that map
 * the same file meet on the same word (futex(2), "FUTEX_PRIVATE_FLAG").
 *
 * <p>Syscall numbers are per architecture: {@code SYS_futex} is 202 on x86-64 and 98 on
 * aarch64 (the generic table). Elsewhere {@link #available()} is empty and the link polls.
 */
final class Futex {
    /** {@code FUTEX_WAIT} from {@code <linux/futex.h>}: sleep while the word holds the expected value. */
    private static final int FUTEX_WAIT = 0;
    /** {@code FUTEX_WAKE} from {@code <linux/futex.h>}: wake up to n waiters. */
    private static final int FUTEX_WAKE = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final MethodHandle syscall;
    private final long sysFutex;

    private Futex(MethodHandle syscall, long sysFutex) {
        this.syscall = syscall;
        this.sysFutex = sysFutex;
    }

    private static final Optional<Futex> INSTANCE = load();

    /** @return the binding, or empty on an architecture whose futex number we do not know or without libc */
    static Optional<Futex> available() {
        return INSTANCE;
    }

    @SuppressWarnings("restricted") // native access is what this module is for; tests enable it in test.jvm.args
    private static Optional<Futex> load() {
        long number = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 202;
            case "aarch64" -> 98;
            default -> -1;
        };
        if (number < 0 || !System.getProperty("os.name").startsWith("Linux")) {
            return Optional.empty();
        }
        Linker linker = Linker.nativeLinker();
        // long syscall(long number, ...): the futex arguments are variadic (uaddr, op, val, timeout).
        return linker.defaultLookup().find("syscall").map(symbol -> new Futex(linker.downcallHandle(symbol,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(1)), number));
    }

    /**
     * Sleeps while {@code word} holds {@code expected}, at most {@code timeoutNs}. Returns at
     * once when the word holds something else (the kernel compares atomically with queueing
     * the waiter: that is what makes the caller's lost-wake-up protocol work), when woken,
     * on timeout, or on a signal; the caller looks again in every case.
     *
     * @param word      a 4-byte aligned int in a shared mapping
     * @param expected  the value that means "still asleep"
     * @param timeoutNs the longest sleep, > 0
     * @param timespec  16 bytes of native memory for the relative {@code struct timespec}, owned by the calling thread
     */
    void await(MemorySegment word, int expected, long timeoutNs, MemorySegment timespec) {
        timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNs / NANOS_PER_SECOND);
        timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNs % NANOS_PER_SECOND);
        call(word, FUTEX_WAIT, expected, timespec);
    }

    /**
     * Wakes up to {@code count} processes sleeping on {@code word}.
     *
     * @return how many were woken, or -1 when the call failed (an unmapped word, a kernel without futexes)
     */
    long wake(MemorySegment word, int count) {
        return call(word, FUTEX_WAKE, count, MemorySegment.NULL);
    }

    private long call(MemorySegment word, int op, int value, MemorySegment timespec) {
        try {
            return (long) syscall.invokeExact(sysFutex, word, op, value, timespec);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
