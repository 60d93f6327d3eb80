package io.bypass.link.shm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A single-producer/single-consumer ring of fixed-size slots over a region of (shared)
 * memory, in the manner of Agrona's {@code OneToOneRingBuffer}: one process writes, one
 * process reads, and the two counters that say how far each has come are the only words
 * both touch.
 *
 * <pre>
 *   region offset
 *   0                 tail: slots ever published (long; written by the producer only)
 *   8..127            padding: the tail has its own pair of cache lines (adjacent-line prefetch)
 *   128               head: slots ever consumed (long; written by the consumer only)
 *   136..255          padding
 *   256               slot 0: | length (int) | held (int) | frame bytes ... |  slotSize bytes
 *   256 + slotSize    slot 1
 *   ...               slot slotCount - 1
 * </pre>
 *
 * <p>Counters grow without bound (2^63 slots is centuries at any rate) and are masked into
 * the ring; {@code tail - head} is the number of full slots. The producer writes a slot's
 * length and bytes with plain stores and then publishes them with a release store of the
 * tail; the consumer reads the tail with an acquire load before it reads the slot, and
 * frees slots with a release store of the head, which the producer reads with acquire
 * before it overwrites them. The producer keeps a private copy of the head and reads the
 * shared one only when its copy says the ring is too full, so that in steady state the
 * consumer's line is not pulled across cores on every burst; each side counts its own
 * counter privately and only writes the shared one, whose line the other side reads.
 *
 * <p><b>Held slots.</b> The consumer may lend a slot's frame bytes to its stack instead of
 * copying them out (the payload then stays there until the application reads it): it sets the
 * slot's {@code held} word before it frees the slot with the head, and clears it (release)
 * when its stack lets the frame go. The producer, before it fills a slot, reads that word
 * (acquire); a held slot it leaves alone and publishes with the length {@link #SKIP}, which the
 * consumer steps over. So a frame the application does not read for a long time costs one
 * slot, not the ring: nothing waits for it in order, the producer goes round it.
 *
 * <p><b>The next slot, prepared.</b> After a publish the producer writes the next free slot's
 * length word and a word in each line the last frame filled ({@link #prepareWrite}): the
 * consumer read those lines on the ring's last round, and this takes them back while nothing
 * waits, so that the next frame's stores do not queue behind them. Nothing is published by it.
 *
 * <p>A ring view is used by one thread. Two views over the same memory, one producing and
 * one consuming, may live in different processes. Lengths read from a slot are checked
 * against the slot size before any copy: the other process's memory is not trusted.
 */
public final class SpscRing {
    /** Offset of the tail counter in the region. */
    static final long TAIL_OFFSET = 0;
    /** Offset of the head counter in the region: two cache lines after the tail. */
    static final long HEAD_OFFSET = 128;
    /** Offset of slot 0 in the region. */
    static final long SLOTS_OFFSET = 256;
    /** Offset of a slot's frame bytes after its length word (8 keeps them 8-byte aligned). */
    static final int SLOT_DATA_OFFSET = 8;
    /** Offset of a slot's held word: non-zero while the consumer lends the slot's bytes out. */
    static final int SLOT_HELD_OFFSET = 4;
    /** The length word of a slot the producer stepped over because the consumer still held it. */
    public static final int SKIP = -1;
    /** Slot sizes are multiples of a cache line, so that slots do not share lines. */
    static final int SLOT_ALIGNMENT = 64;
    /** The most cache lines of a slot {@link #prepareWrite} takes: a frame of up to 1,016 bytes. */
    static final int MAX_PREPARED_LINES = 16;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle HELD = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    private final MemorySegment region;
    private final int slotSize;
    private final int slotCount;
    private final int mask;
    private final int maxLength;
    /** The producer's copy of the head: the ring is not full while {@code tail - headCache < slotCount}. */
    private long headCache;
    /**
     * The producer's own count of slots published, the tail's value: the consumer spins on the
     * tail's line, so reading it back would take the line from the consumer's CPU at every
     * transmit.
     */
    private long tail;
    /** The consumer's own count of slots consumed, the head's value. */
    private long head;

    /**
     * Views a ring in {@code region}, which must be at least {@link #regionBytes} long and
     * 8-byte aligned. Does not initialize the counters (see {@link #reset()}).
     *
     * @param region    the ring's memory
     * @param slotSize  bytes per slot, a multiple of {@value #SLOT_ALIGNMENT}
     * @param slotCount slots, a power of two
     */
    public SpscRing(MemorySegment region, int slotSize, int slotCount) {
        if (slotCount < 1 || Integer.bitCount(slotCount) != 1 || slotSize < SLOT_ALIGNMENT
                || slotSize % SLOT_ALIGNMENT != 0 || region.byteSize() < regionBytes(slotSize, slotCount)) {
            throw new IllegalArgumentException("slotSize=" + slotSize + " slotCount=" + slotCount
                    + " region=" + region.byteSize());
        }
        this.region = region;
        this.slotSize = slotSize;
        this.slotCount = slotCount;
        this.mask = slotCount - 1;
        this.maxLength = slotSize - SLOT_DATA_OFFSET;
        this.headCache = headAcquire();
        this.head = headCache;
        this.tail = tailAcquire();
    }

    /**
     * @param slotSize  bytes per slot
     * @param slotCount slots
     * @return bytes a ring of that shape occupies
     */
    public static long regionBytes(int slotSize, int slotCount) {
        return SLOTS_OFFSET + (long) slotSize * slotCount;
    }

    /**
     * @param maxFrameBytes the largest frame a slot must hold
     * @return the slot size for it: length word plus frame, rounded up to a cache line
     */
    public static int slotSizeFor(int maxFrameBytes) {
        return (SLOT_DATA_OFFSET + maxFrameBytes + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    }

    /** Sets both counters to zero and every slot unheld; only while neither side uses the ring (at creation). */
    public void reset() {
        clearHolds();
        LONG.setRelease(region, TAIL_OFFSET, 0L);
        LONG.setRelease(region, HEAD_OFFSET, 0L);
        headCache = 0;
        head = 0;
        tail = 0;
    }

    /**
     * Consumer: marks every slot unheld (a process that attaches in place of a dead consumer
     * holds nothing, whatever its predecessor held).
     */
    public void clearHolds() {
        for (int slot = 0; slot < slotCount; slot++) {
            // Release: what the previous holder read happens before the producer's overwrite.
            HELD.setRelease(region, SLOTS_OFFSET + (long) slot * slotSize + SLOT_HELD_OFFSET, 0);
        }
    }

    /**
     * The frame bytes of a slot, for a frame that lends them ({@link #hold}); made once per
     * slot, not per packet.
     *
     * @param slot slot number, 0 to {@link #capacity()} - 1
     * @return a view of the slot's {@link #maxLength()} frame bytes
     */
    public MemorySegment slotData(int slot) {
        return region.asSlice(SLOTS_OFFSET + (long) slot * slotSize + SLOT_DATA_OFFSET, maxLength);
    }

    /** @return the largest frame a slot holds */
    public int maxLength() {
        return maxLength;
    }

    /** @return slots in the ring */
    public int capacity() {
        return slotCount;
    }

    // ---- producer side ----

    /**
     * Producer: how many slots are free, reading the consumer's head only when the cached
     * copy says fewer than {@code wanted} are; the answer is at least the smaller of
     * {@code wanted} and the slots free now.
     *
     * @param wanted slots the caller would like
     * @return free slots known, at most {@link #capacity()}
     */
    public int freeSlots(int wanted) {
        long free = slotCount - (tail - headCache);
        if (free < wanted) {
            // Acquire: the consumer's reads of the slots it freed happen before our overwrite.
            headCache = headAcquire();
            free = slotCount - (tail - headCache);
        }
        return (int) free;
    }

    /**
     * Producer: copies a frame into the {@code i}-th free slot after the tail without
     * publishing it. The caller made sure with {@link #freeSlots} that the slot is free and
     * that {@code length <= maxLength()}.
     *
     * @param i      slot index after the tail, from 0
     * @param src    frame memory
     * @param offset where the frame starts in {@code src}
     * @param length frame bytes
     */
    public void write(int i, MemorySegment src, long offset, int length) {
        long slot = slotOffset(tail + i);
        MemorySegment.copy(src, offset, region, slot + SLOT_DATA_OFFSET, length);
        region.set(INT, slot, length);
    }

    /**
     * Producer: the slot number of the {@code i}-th free slot after the tail (where a frame
     * built in place, {@link #slotData}, must be for {@link #publishLength}).
     *
     * @param i slot index after the tail, from 0
     * @return 0 to {@link #capacity()} - 1
     */
    public int slotAfterTail(int i) {
        return (int) ((tail + i) & mask);
    }

    /**
     * Producer: sets the length word of a slot whose frame bytes were written in place,
     * through {@link #slotData}; published, like {@link #write}, by the next {@link #publish}.
     *
     * @param slot   a slot number from {@link #slotAfterTail}
     * @param length frame bytes, at most {@link #maxLength()}
     */
    public void writeLength(int slot, int length) {
        region.set(INT, SLOTS_OFFSET + (long) slot * slotSize, length);
    }

    /**
     * Producer: whether the consumer still holds the {@code i}-th free slot after the tail,
     * which must then be {@link #skip skipped}, not written.
     *
     * @param i slot index after the tail, from 0, within {@link #freeSlots}
     * @return true while the consumer lends the slot's bytes out
     */
    public boolean held(int i) {
        // Acquire: the consumer's reads of the bytes it held happen before our overwrite.
        return (int) HELD.getAcquire(region, slotOffset(tail + i) + SLOT_HELD_OFFSET) != 0;
    }

    /**
     * Producer: publishes the {@code i}-th free slot after the tail as {@link #SKIP}, without
     * touching its bytes (the consumer still holds them).
     *
     * @param i slot index after the tail, from 0
     */
    public void skip(int i) {
        region.set(INT, slotOffset(tail + i), SKIP);
    }

    /**
     * Producer: makes {@code n} written slots visible to the consumer, one release store
     * for the whole burst.
     *
     * @param n slots written with {@link #write} since the last publish
     */
    public void publish(int n) {
        // Release: the slot lengths and bytes written above are visible before the new tail.
        LONG.setRelease(region, TAIL_OFFSET, tail += n);
    }

    /**
     * Producer: takes the lines of the {@code i}-th free slot after the tail that a frame of
     * {@code frameBytes} fills (at most {@value #MAX_PREPARED_LINES}) into this CPU's cache for
     * writing, ahead of the frame. The consumer read them on the ring's last round, so a store
     * to them waits for the consumer's CPU to let them go; the stores after it queue behind it
     * until the core stalls, where a store made while nothing waits on it costs nothing.
     * Writes the slot's length word (not yet published) and the first word of each further
     * line (frame bytes the builder overwrites). The caller made sure the slot is free and
     * that no frame is being built in it; a slot the consumer holds is left alone.
     *
     * @param i          slot index after the tail, from 0, within {@link #freeSlots}
     * @param frameBytes the size of frame expected there (the last one sent)
     */
    public void prepareWrite(int i, int frameBytes) {
        if (held(i)) {
            return;
        }
        long slot = slotOffset(tail + i);
        int lines = Math.min(Math.min(MAX_PREPARED_LINES, slotSize / SLOT_ALIGNMENT),
                (SLOT_DATA_OFFSET + frameBytes + SLOT_ALIGNMENT - 1) / SLOT_ALIGNMENT);
        region.set(INT, slot, 0);
        for (int line = 1; line < lines; line++) {
            region.set(WORD, slot + (long) line * SLOT_ALIGNMENT, 0L);
        }
    }

    // ---- consumer side ----

    /**
     * Consumer: how many slots hold published frames.
     *
     * @return full slots
     */
    public int available() {
        // Acquire: the producer's writes of the slots it published happen before our reads.
        return (int) (tailAcquire() - head);
    }

    /**
     * Consumer: the frame length in the {@code i}-th full slot after the head, as the
     * producer wrote it: untrusted, check it against {@link #maxLength()}.
     *
     * @param i slot index after the head, from 0
     * @return the length word
     */
    public int length(int i) {
        return region.get(INT, slotOffset(head + i));
    }

    /**
     * Consumer: copies {@code length} bytes of the {@code i}-th full slot's frame out.
     *
     * @param i      slot index after the head
     * @param dst    where to
     * @param offset where in {@code dst}
     * @param length bytes, checked by the caller against {@link #maxLength()}
     */
    public void read(int i, MemorySegment dst, long offset, int length) {
        MemorySegment.copy(region, slotOffset(head + i) + SLOT_DATA_OFFSET, dst, offset, length);
    }

    /**
     * Consumer: the slot number of the {@code i}-th full slot after the head.
     *
     * @param i slot index after the head
     * @return 0 to {@link #capacity()} - 1
     */
    public int slotOf(int i) {
        return (int) ((head + i) & mask);
    }

    /**
     * Consumer: keeps a slot's bytes after the slot is freed with {@link #consume}, until
     * {@link #unhold}; the producer steps over it meanwhile. Call before the {@code consume}
     * that frees it: its release store publishes this one.
     *
     * @param slot a slot number from {@link #slotOf}
     */
    public void hold(int slot) {
        region.set(INT, SLOTS_OFFSET + (long) slot * slotSize + SLOT_HELD_OFFSET, 1);
    }

    /**
     * Consumer: gives a held slot back to the producer.
     *
     * @param slot a slot number passed to {@link #hold}
     */
    public void unhold(int slot) {
        // Release: our reads of the held bytes happen before the producer may overwrite them.
        HELD.setRelease(region, SLOTS_OFFSET + (long) slot * slotSize + SLOT_HELD_OFFSET, 0);
    }

    /**
     * Consumer: frees {@code n} slots, one release store for the whole burst.
     *
     * @param n slots read since the last release
     */
    public void consume(int n) {
        // Release: our reads of the slots happen before the producer may overwrite them.
        LONG.setRelease(region, HEAD_OFFSET, head += n);
    }

    /**
     * Consumer: frees every published slot unread (a re-attaching process drops what its
     * dead predecessor left behind).
     *
     * @return how many slots were dropped
     */
    public long discardAll() {
        long dropped = 0;
        for (int n = available(); n > 0; n = available()) {
            consume(n);
            dropped += n;
        }
        return dropped;
    }

    private long slotOffset(long index) {
        return SLOTS_OFFSET + (index & mask) * slotSize;
    }

    private long tailAcquire() {
        return (long) LONG.getAcquire(region, TAIL_OFFSET);
    }

    private long headAcquire() {
        return (long) LONG.getAcquire(region, HEAD_OFFSET);
    }
}
