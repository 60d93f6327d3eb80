package io.bypass.stack.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A fixed number of equal frames carved out of one off-heap slab, recycled through a
 * LIFO free stack (the most recently freed frame is the warmest in cache).
 *
 * <p>Allocation and release are O(1) and allocate nothing on the heap. Not thread-safe:
 * a pool belongs to one stack or one simulated link end.
 */
public final class FramePool implements FrameOwner {
    /** Frames start on cache-line boundaries. */
    private static final int ALIGNMENT = 64;

    private final Frame[] frames;
    private final Frame[] free;
    private int freeCount;
    private final int frameCapacity;

    /**
     * Allocates the slab in {@code arena}; its memory lives as long as the arena.
     *
     * @param arena         owner of the off-heap memory
     * @param frameCount    how many frames
     * @param frameCapacity bytes per frame (rounded up to a cache line)
     */
    public FramePool(Arena arena, int frameCount, int frameCapacity) {
        if (frameCount <= 0 || frameCapacity < 64) {
            throw new IllegalArgumentException("frameCount=" + frameCount + " frameCapacity=" + frameCapacity);
        }
        int stride = (frameCapacity + ALIGNMENT - 1) & -ALIGNMENT;
        MemorySegment slab = arena.allocate((long) stride * frameCount, ALIGNMENT);
        this.frames = new Frame[frameCount];
        this.free = new Frame[frameCount];
        this.frameCapacity = frameCapacity;
        for (int i = 0; i < frameCount; i++) {
            frames[i] = new Frame(slab.asSlice((long) i * stride, frameCapacity), this, i);
        }
        for (int i = 0; i < frameCount; i++) {
            free[i] = frames[frameCount - 1 - i];
        }
        freeCount = frameCount;
    }

    /** @return a frame with an empty window at offset 0, or {@code null} when none is free */
    public Frame allocate() {
        if (freeCount == 0) {
            return null;
        }
        Frame frame = free[--freeCount];
        free[freeCount] = null;
        frame.acquire();
        return frame;
    }

    @Override
    public void recycle(Frame frame) {
        assert frames[frame.index()] == frame : "frame from another pool";
        free[freeCount++] = frame;
    }

    /** @return how many frames are free now */
    public int available() {
        return freeCount;
    }

    /** @return how many frames the pool has in all */
    public int size() {
        return frames.length;
    }

    /** @return how many frames are allocated and not yet released (a leak check in tests) */
    public int inUse() {
        return frames.length - freeCount;
    }

    /** @return bytes per frame */
    public int frameCapacity() {
        return frameCapacity;
    }
}
