package io.bypass.stack.time;

import java.util.Arrays;

/**
 * The timers of a {@link TimerWheel} more than one revolution away (TIME-WAIT's 60 s,
 * keep-alive's hours), in a binary min-heap by deadline: the earliest is known at once, and
 * adding, removing any one and taking the earliest cost O(log n), whatever else is held.
 *
 * <p>Why not a list: with a list, taking out its earliest timer meant walking all the others
 * for the next earliest. A client that reuses the 4-tuples of connections in TIME-WAIT
 * (RFC 6191) ends the oldest one with every new connection once its ephemeral ports wrap, so
 * every connection walked the whole list: 16,383 timers at 16,384 ports, and the in-JVM
 * connection rate fell from 17,400 to 9,200 a second over 60,000 connections. And once the
 * earliest came within a revolution, each tick promoted a few timers and walked the rest.
 *
 * <p>Each timer keeps its index in the heap ({@link Timer#heapIndex}), so removal needs no
 * search. The array grows (allocating) only when more timers are held than ever before.
 */
final class FarTimers {
    private Timer[] heap = new Timer[64];
    private int size;

    /** @return how many timers are held */
    int size() {
        return size;
    }

    /** @return the earliest timer, or null when none is held */
    Timer earliest() {
        return size == 0 ? null : heap[0];
    }

    /** Holds {@code timer}, which must not be held already, by its {@link Timer#deadlineNs}. */
    void add(Timer timer) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, 2 * size);
        }
        siftUp(size++, timer);
    }

    /** Lets go of {@code timer}, which must be held. */
    void remove(Timer timer) {
        int at = timer.heapIndex;
        timer.heapIndex = -1;
        Timer last = heap[--size];
        heap[size] = null;
        if (at == size) {
            return;
        }
        // The last timer fills the hole: it moves up if earlier than the hole's parent, else down.
        if (at > 0 && last.deadlineNs - heap[(at - 1) >>> 1].deadlineNs < 0) {
            siftUp(at, last);
        } else {
            siftDown(at, last);
        }
    }

    private void siftUp(int at, Timer timer) {
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            Timer p = heap[parent];
            if (timer.deadlineNs - p.deadlineNs >= 0) {
                break;
            }
            put(at, p);
            at = parent;
        }
        put(at, timer);
    }

    private void siftDown(int at, Timer timer) {
        int half = size >>> 1;
        while (at < half) {
            int child = 2 * at + 1;
            int right = child + 1;
            if (right < size && heap[right].deadlineNs - heap[child].deadlineNs < 0) {
                child = right;
            }
            if (timer.deadlineNs - heap[child].deadlineNs <= 0) {
                break;
            }
            put(at, heap[child]);
            at = child;
        }
        put(at, timer);
    }

    private void put(int at, Timer timer) {
        heap[at] = timer;
        timer.heapIndex = at;
    }
}
