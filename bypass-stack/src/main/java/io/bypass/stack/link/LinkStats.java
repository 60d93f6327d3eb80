package io.bypass.stack.link;

/**
 * A read-only view of a link's {@link LinkCounter}s. The link's polling thread writes them;
 * any thread may read them (each value is current as of some recent moment, which is all a
 * statistics line or a test after the last poll needs).
 */
@FunctionalInterface
public interface LinkStats {
    /** A link that counts nothing: every counter reads 0. */
    LinkStats NONE = counter -> 0;

    /**
     * @param counter which
     * @return its value, 0 when the link does not count it
     */
    long get(LinkCounter counter);
}
