package io.bypass.stack.testkit;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.link.Link;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;

/**
 * An in-memory link for tests: frames fed with {@link #inject} are received, transmitted
 * frames are copied out (and released) for {@link #takeSent}. One real {@link FramePool}
 * serves both directions, so {@code pool().inUse()} counts every frame the stack holds.
 */
public final class MemoryLink implements Link {
    private final FramePool pool;
    private final ArrayDeque<Frame> received = new ArrayDeque<>();
    private final ArrayDeque<byte[]> sent = new ArrayDeque<>();
    private final int mtu;
    private boolean refuseAllocation;

    /** A link with 512 frames of 2048 bytes and an MTU of 1500. */
    public MemoryLink() {
        this(512, 1500);
    }

    /** A link with {@code frames} frames of 2048 bytes and the given MTU. */
    public MemoryLink(int frames, int mtu) {
        this.pool = new FramePool(Arena.ofAuto(), frames, 2048);
        this.mtu = mtu;
    }

    /** Queues a frame for the stack to receive; the pool must have a frame free. */
    public void inject(byte[] bytes) {
        Frame frame = pool.allocate();
        if (frame == null) {
            throw new IllegalStateException("test link pool exhausted");
        }
        MemorySegment.copy(bytes, 0, frame.memory(), ValueLayout.JAVA_BYTE, 0, bytes.length);
        frame.window(0, bytes.length);
        received.add(frame);
    }

    /** @return the oldest transmitted frame not yet taken, or null */
    public byte[] takeSent() {
        return sent.poll();
    }

    /** @return how many transmitted frames wait to be taken */
    public int sentCount() {
        return sent.size();
    }

    /** Forgets every transmitted frame. */
    public void clearSent() {
        sent.clear();
    }

    /** @return the pool behind every frame of this link */
    public FramePool pool() {
        return pool;
    }

    @Override
    public int receive(Frame[] burst, int max) {
        int n = 0;
        while (n < max && !received.isEmpty()) {
            burst[n++] = received.poll();
        }
        return n;
    }

    /**
     * Makes {@link #allocate} return null (or normal again), as a NIC whose transmit pool
     * is empty does; received frames still arrive.
     */
    public void refuseAllocation(boolean refuse) {
        this.refuseAllocation = refuse;
    }

    @Override
    public Frame allocate() {
        return refuseAllocation ? null : pool.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        for (int i = 0; i < count; i++) {
            Frame frame = burst[i];
            byte[] copy = new byte[frame.length()];
            MemorySegment.copy(frame.memory(), ValueLayout.JAVA_BYTE, frame.offset(), copy, 0, copy.length);
            sent.add(copy);
            frame.release();
        }
        return count;
    }

    @Override
    public int mtu() {
        return mtu;
    }
}
