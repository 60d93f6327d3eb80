package io.bypass.provider;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.link.Link;

import java.lang.foreign.Arena;

/**
 * One end of the in-JVM loopback wire: frames transmitted here are received by the peer
 * port. Both ports are used only under the {@link StackEngine} lock, so the ring needs no
 * fences; ownership of a frame passes with it from transmitter to receiver.
 */
final class LoopbackPort implements Link {
    private static final int MTU = 1500;
    private final FramePool pool;
    private final Frame[] ring;
    private int head;
    /** Frames queued; volatile so that {@link #pending} may be read without the stack lock. */
    private volatile int count;
    private LoopbackPort peer;

    LoopbackPort(int frames) {
        this.pool = new FramePool(Arena.ofShared(), frames, 2048);
        this.ring = new Frame[frames];
    }

    static void connect(LoopbackPort a, LoopbackPort b) {
        a.peer = b;
        b.peer = a;
    }

    private boolean offer(Frame f) {
        if (count == ring.length) {
            return false;
        }
        ring[(head + count) % ring.length] = f;
        count++;
        return true;
    }

    @Override
    public int receive(Frame[] burst, int max) {
        int n = 0;
        while (n < max && count > 0) {
            burst[n++] = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            count--;
        }
        return n;
    }

    @Override
    public Frame allocate() {
        return pool.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int n) {
        int queued = 0;
        while (queued < n && peer.offer(burst[queued])) {
            queued++;
        }
        // Link contract: the rest is released by us and counted as dropped by the caller.
        for (int i = queued; i < n; i++) {
            burst[i].release();
        }
        return queued;
    }

    @Override
    public int mtu() {
        return MTU;
    }

    /** @return frames queued for the stack behind this port (racy without the lock: a hint) */
    int pending() {
        return count;
    }

    /** @return frames of this port's pool in use (held by a stack or in flight) */
    int framesInUse() {
        return pool.inUse();
    }
}
