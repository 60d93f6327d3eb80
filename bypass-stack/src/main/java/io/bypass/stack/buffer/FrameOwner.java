package io.bypass.stack.buffer;

/**
 * Where a frame goes back to when its holder releases it: a {@link FramePool}, or a link
 * whose frames live in its own memory (a DPDK mempool, an ef_vi buffer ring).
 */
public interface FrameOwner {
    /**
     * Takes back a frame that its holder no longer needs. Called exactly once per
     * allocation; the caller must not touch the frame afterwards.
     *
     * @param frame a frame this owner handed out
     */
    void recycle(Frame frame);
}
