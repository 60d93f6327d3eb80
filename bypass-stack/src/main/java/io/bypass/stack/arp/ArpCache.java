package io.bypass.stack.arp;

import io.bypass.stack.buffer.Frame;

/**
 * The neighbour table: IPv4 address to MAC, in a fixed-capacity open-addressing table
 * (linear probing, backward-shift deletion, so no tombstones build up), with the packets
 * waiting for a resolution kept in bounded per-neighbour queues.
 *
 * <p>States (after RFC 1122 section 2.3.2.1 and Linux's neighbour states):
 * <ul>
 *   <li>{@link #INCOMPLETE}: a request is out; packets queue; the deadline is the next retry.
 *   <li>{@link #REACHABLE}: the MAC is known; the deadline is when that knowledge expires.
 *   <li>{@link #STALE}: it expired and was used again: packets still go to the old MAC
 *       while requests confirm it; the deadline is the next retry.
 * </ul>
 *
 * <p>The table allocates nothing after construction. Slots move when entries are removed,
 * so a slot number is valid only until the next {@link #remove}. Used by the stack's
 * polling thread only.
 */
public final class ArpCache {
    /** No entry. */
    public static final int FREE = 0;
    /** Resolution in progress. */
    public static final int INCOMPLETE = 1;
    /** Resolved and fresh. */
    public static final int REACHABLE = 2;
    /** Resolved, expired, being confirmed. */
    public static final int STALE = 3;
    private static final int NONE = -1;

    private final int mask;
    private final int shift;
    private final int maxEntries;
    private final int[] ips;
    private final byte[] states;
    private final long[] macs;
    private final long[] deadlinesNs;
    private final int[] requestsSent;
    private final int[] queueHeads;
    private final int[] queueTails;
    private final int[] queueLengths;
    private int size;

    private final int perNeighbourLimit;
    private final Frame[] pendingFrames;
    private final int[] pendingNext;
    private int freePending;
    private int pendingCount;

    /**
     * @param maxEntries        neighbours held at most
     * @param perNeighbourLimit packets queued per unresolved neighbour
     * @param totalLimit        packets queued in all
     */
    public ArpCache(int maxEntries, int perNeighbourLimit, int totalLimit) {
        // At most half full, so probe sequences stay short.
        int capacity = Integer.highestOneBit(Math.max(8, maxEntries * 2 - 1)) << 1;
        this.mask = capacity - 1;
        this.shift = 32 - Integer.numberOfTrailingZeros(capacity);
        this.maxEntries = maxEntries;
        this.ips = new int[capacity];
        this.states = new byte[capacity];
        this.macs = new long[capacity];
        this.deadlinesNs = new long[capacity];
        this.requestsSent = new int[capacity];
        this.queueHeads = new int[capacity];
        this.queueTails = new int[capacity];
        this.queueLengths = new int[capacity];
        this.perNeighbourLimit = perNeighbourLimit;
        this.pendingFrames = new Frame[totalLimit];
        this.pendingNext = new int[totalLimit];
        for (int i = 0; i < totalLimit; i++) {
            pendingNext[i] = i + 1 < totalLimit ? i + 1 : NONE;
        }
        this.freePending = 0;
    }

    /** @return the state of {@code ip}'s entry, {@link #FREE} when there is none */
    public int stateOf(int ip) {
        int slot = find(ip);
        return slot < 0 ? FREE : states[slot];
    }

    /** @return the MAC cached for {@code ip} (meaningful in REACHABLE and STALE), or -1 when there is no entry */
    public long macOf(int ip) {
        int slot = find(ip);
        return slot < 0 ? -1 : macs[slot];
    }

    /** @return neighbours in the table */
    public int size() {
        return size;
    }

    /** @return packets waiting for a resolution, in all */
    public int queuedPackets() {
        return pendingCount;
    }

    /** @return how many slots the table has (slots are 0 .. capacity - 1) */
    int capacity() {
        return mask + 1;
    }

    /** @return the slot holding {@code ip}, or -1 */
    int find(int ip) {
        for (int slot = home(ip); ; slot = (slot + 1) & mask) {
            if (states[slot] == FREE) {
                return NONE;
            }
            if (ips[slot] == ip) {
                return slot;
            }
        }
    }

    /**
     * Adds an entry for {@code ip}, which must not be in the table, in state {@code state}.
     * When the table is full, the resolved entry closest to expiry makes room; entries
     * being resolved are never evicted (they hold queued packets).
     *
     * @return the new slot, or -1 when every entry is being resolved
     */
    int insert(int ip, int state) {
        if (size == maxEntries && !evictOne()) {
            return NONE;
        }
        int slot = home(ip);
        while (states[slot] != FREE) {
            slot = (slot + 1) & mask;
        }
        ips[slot] = ip;
        states[slot] = (byte) state;
        macs[slot] = 0;
        deadlinesNs[slot] = 0;
        requestsSent[slot] = 0;
        queueHeads[slot] = NONE;
        queueTails[slot] = NONE;
        queueLengths[slot] = 0;
        size++;
        return slot;
    }

    /** Removes the entry in {@code slot}; its queue must be empty. Other entries may move. */
    void remove(int slot) {
        assert queueLengths[slot] == 0 : "entry removed with queued packets";
        int hole = slot;
        for (int j = (slot + 1) & mask; states[j] != FREE; j = (j + 1) & mask) {
            // Move j back into the hole unless its home lies cyclically after the hole.
            if (((j - home(ips[j])) & mask) >= ((j - hole) & mask)) {
                copy(j, hole);
                hole = j;
            }
        }
        states[hole] = FREE;
        size--;
    }

    int ip(int slot) {
        return ips[slot];
    }

    int state(int slot) {
        return states[slot];
    }

    void state(int slot, int state) {
        states[slot] = (byte) state;
    }

    long mac(int slot) {
        return macs[slot];
    }

    void mac(int slot, long mac) {
        macs[slot] = mac;
    }

    long deadlineNs(int slot) {
        return deadlinesNs[slot];
    }

    void deadlineNs(int slot, long deadlineNs) {
        deadlinesNs[slot] = deadlineNs;
    }

    int requestsSent(int slot) {
        return requestsSent[slot];
    }

    void requestsSent(int slot, int count) {
        requestsSent[slot] = count;
    }

    /**
     * Queues a packet for the neighbour in {@code slot}.
     *
     * @return false, and the caller keeps the frame, when the neighbour's or the total limit is reached
     */
    boolean enqueue(int slot, Frame frame) {
        if (queueLengths[slot] == perNeighbourLimit || freePending == NONE) {
            return false;
        }
        int node = freePending;
        freePending = pendingNext[node];
        pendingFrames[node] = frame;
        pendingNext[node] = NONE;
        if (queueTails[slot] == NONE) {
            queueHeads[slot] = node;
        } else {
            pendingNext[queueTails[slot]] = node;
        }
        queueTails[slot] = node;
        queueLengths[slot]++;
        pendingCount++;
        return true;
    }

    /** @return the oldest packet queued for {@code slot}, now the caller's, or null */
    Frame dequeue(int slot) {
        int node = queueHeads[slot];
        if (node == NONE) {
            return null;
        }
        Frame frame = pendingFrames[node];
        pendingFrames[node] = null;
        queueHeads[slot] = pendingNext[node];
        if (queueHeads[slot] == NONE) {
            queueTails[slot] = NONE;
        }
        pendingNext[node] = freePending;
        freePending = node;
        queueLengths[slot]--;
        pendingCount--;
        return frame;
    }

    private boolean evictOne() {
        int victim = NONE;
        for (int slot = 0; slot <= mask; slot++) {
            int state = states[slot];
            if ((state == REACHABLE || state == STALE)
                    && (victim == NONE || deadlinesNs[slot] - deadlinesNs[victim] < 0)) {
                victim = slot;
            }
        }
        if (victim == NONE) {
            return false;
        }
        remove(victim);
        return true;
    }

    private void copy(int from, int to) {
        ips[to] = ips[from];
        states[to] = states[from];
        macs[to] = macs[from];
        deadlinesNs[to] = deadlinesNs[from];
        requestsSent[to] = requestsSent[from];
        queueHeads[to] = queueHeads[from];
        queueTails[to] = queueTails[from];
        queueLengths[to] = queueLengths[from];
    }

    private int home(int ip) {
        // Fibonacci hashing: addresses of one subnet differ in their low bits only.
        return (ip * 0x9E3779B9) >>> shift;
    }
}
