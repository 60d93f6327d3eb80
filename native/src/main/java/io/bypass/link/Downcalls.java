package io.bypass.link;

/**
 * What a native downcall may throw, for the FFM binding classes ({@code DpdkShim},
 * {@code LibC}). {@code MethodHandle.invokeExact} is declared to throw {@link Throwable};
 * a downcall itself throws nothing checked, so anything caught is a JVM error or a runtime
 * exception of the binding (a wrong argument), passed on as is.
 */
public final class Downcalls {
    private Downcalls() {
    }

    /**
     * Rethrows what a downcall threw; use as {@code throw Downcalls.rethrow(t)} so the
     * compiler sees the call site end.
     *
     * @param t what {@code invokeExact} threw
     * @return never returns normally
     */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
