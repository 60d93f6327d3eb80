package io.bypass.samples.latency;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * When a warm-up is over: this JVM's JIT compilers have compiled nothing for
 * {@link #QUIET_NS}, by their own clock ({@link CompilationMXBean#getTotalCompilationTime}).
 *
 * <p>Why a fixed warm-up count is not enough: Bypass's data path is Java. Between two JVMs
 * over the shm link, after the 100,000 round trips that used to end the warm-up, the C2
 * compiler threads of the two JVMs still took 430-620 ms of every half second of the 2-CPU
 * development VM's CPU time for about 3 s (perf sched), preempting the spinning threads being
 * measured, in slices of up to 4.8 ms. A measurement of 100,000 round trips lasts 0.2 s: it
 * fell entirely into that storm. The JDK's kernel path is native code and quiets at once; both
 * sides use this, so the comparison is between steady states.
 *
 * <p>Only this JVM's compilers are watched. The peer's (the other JVM of a two-JVM
 * measurement) run the same exchange and compile in the same period.
 */
final class JitQuiet {
    /** How long the compilers must have been idle. */
    static final long QUIET_NS = 500_000_000L;
    /** The longest wait: a JVM that keeps compiling a little is measured anyway, and says so. */
    static final long MAX_WAIT_NS = 30_000_000_000L;

    private final CompilationMXBean jit;
    private final long startNs;
    private long lastCompileMs = -1;
    private long quietSinceNs;
    private boolean quiet;

    /** @param nowNs {@link System#nanoTime()} now: the extra warm-up starts */
    JitQuiet(long nowNs) {
        CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
        this.jit = bean != null && bean.isCompilationTimeMonitoringSupported() ? bean : null;
        this.startNs = nowNs;
        this.quietSinceNs = nowNs;
    }

    /**
     * @param nowNs {@link System#nanoTime()} now
     * @return whether to stop warming up: the compilers were idle for {@link #QUIET_NS}, or
     *         {@link #MAX_WAIT_NS} passed, or this JVM cannot tell
     */
    boolean over(long nowNs) {
        if (jit == null) {
            return true;
        }
        long compileMs = jit.getTotalCompilationTime();
        if (compileMs != lastCompileMs) {
            lastCompileMs = compileMs;
            quietSinceNs = nowNs;
        }
        quiet = nowNs - quietSinceNs >= QUIET_NS;
        return quiet || nowNs - startNs >= MAX_WAIT_NS;
    }

    /** @return how the extra warm-up ended, for the tool's diagnostics */
    String summary(long nowNs) {
        if (jit == null) {
            return "the JVM does not report compilation time";
        }
        return String.format(Locale.ROOT, "%.1f s until the JIT %s", (nowNs - startNs) / 1e9,
                quiet ? "was idle for " + QUIET_NS / 1_000_000 + " ms" : "still compiled (gave up waiting)");
    }
}
