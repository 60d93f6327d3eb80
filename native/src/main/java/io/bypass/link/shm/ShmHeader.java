package io.bypass.link.shm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Flyweight over the header of a shared-memory link file.
 *
 * <pre>
 *   offset
 *   0     magic        long  "BYPSHMLK" (0x4B4C4D4853505942 little-endian)
 *   8     version      int   {@link #VERSION}
 *   12    slotSize     int   bytes per ring slot
 *   16    slotCount    int   slots per direction
 *   20    mtu          int   largest IP packet
 *   24..127            reserved, zero
 *   128   side 0 pid   long  0 = free; claimed by CAS
 *   136   side 0 beat  long  System.nanoTime of side 0's last poll
 *   256   side 1 pid   long
 *   264   side 1 beat  long
 *   384   side 0 bell  int   the {@link Doorbell} side 0 sleeps on, waiting for ring 1
 *   448   side 1 bell  int   the {@link Doorbell} side 1 sleeps on, waiting for ring 0
 *   388..447, 452..511 reserved
 *   512   ring 0       side 0 produces, side 1 consumes ({@link SpscRing} layout)
 *   512 + ringBytes    ring 1: side 1 produces, side 0 consumes
 * </pre>
 *
 * <p>Each side's pid and heartbeat share a pair of cache lines that only that side writes.
 * The heartbeat is {@code System.nanoTime()}, which HotSpot on Linux reads from
 * {@code CLOCK_MONOTONIC}, one clock for all processes on the host.
 *
 * <p>The doorbells have their own pair of cache lines, away from the heartbeats: each side
 * reads the other's bell after every transmitted burst, and a heartbeat store on the same
 * line would make that read a miss once per heartbeat. Version 2 added them; a version 1
 * peer would never ring, so the versions refuse each other.
 */
final class ShmHeader {
    /** "BYPSHMLK" read as a little-endian long. */
    static final long MAGIC = 0x4B4C_4D48_5350_5942L;
    /**
     * Layout version; any change of the layout above or of the rings' changes it (2: the
     * doorbell words; 3: and held slots, {@link SpscRing#SKIP}).
     */
    static final int VERSION = 3;
    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 8;
    static final long SLOT_SIZE_OFFSET = 12;
    static final long SLOT_COUNT_OFFSET = 16;
    static final long MTU_OFFSET = 20;
    static final long SIDE_0_OFFSET = 128;
    static final long SIDE_STRIDE = 128;
    static final long PID_OFFSET = 0;
    static final long HEARTBEAT_OFFSET = 8;
    static final long DOORBELL_0_OFFSET = 384;
    static final long DOORBELL_STRIDE = 64;
    /** Bytes before ring 0. */
    static final long LENGTH = 512;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private final MemorySegment memory;

    ShmHeader(MemorySegment memory) {
        this.memory = memory;
    }

    /** @return the file size for a link of this shape */
    static long fileBytes(ShmLinkConfig config) {
        return LENGTH + 2 * SpscRing.regionBytes(config.slotSize(), config.slotCount());
    }

    /** @return ring {@code producerSide}'s memory */
    static MemorySegment ring(MemorySegment file, ShmLinkConfig config, int producerSide) {
        long bytes = SpscRing.regionBytes(config.slotSize(), config.slotCount());
        return file.asSlice(LENGTH + producerSide * bytes, bytes);
    }

    /** Writes the shape; called on a file no other process can see yet. */
    void initialize(ShmLinkConfig config) {
        memory.set(LONG_LE, MAGIC_OFFSET, MAGIC);
        memory.set(INT, VERSION_OFFSET, VERSION);
        memory.set(INT, SLOT_SIZE_OFFSET, config.slotSize());
        memory.set(INT, SLOT_COUNT_OFFSET, config.slotCount());
        memory.set(INT, MTU_OFFSET, config.mtu());
    }

    /**
     * @return null when the file was made for {@code config} by this layout version, else
     *         what differs, naming the field, the file's value and ours
     */
    String mismatch(ShmLinkConfig config) {
        long magic = memory.get(LONG_LE, MAGIC_OFFSET);
        if (magic != MAGIC) {
            return "magic 0x" + Long.toHexString(magic) + " is not a Bypass shm link (0x" + Long.toHexString(MAGIC) + ")";
        }
        int version = memory.get(INT, VERSION_OFFSET);
        if (version != VERSION) {
            return "layout version " + version + " in the file, this build speaks version " + VERSION
                    + ": both ends must run the same Bypass release (if no process uses the file, delete it)";
        }
        // The MTU first: it is what a user sets, and the slot size follows from it.
        String field = compare("mtu", memory.get(INT, MTU_OFFSET), config.mtu());
        if (field == null) {
            field = compare("slotCount", memory.get(INT, SLOT_COUNT_OFFSET), config.slotCount());
        }
        if (field == null) {
            field = compare("slotSize", memory.get(INT, SLOT_SIZE_OFFSET), config.slotSize());
        }
        return field;
    }

    private static String compare(String name, int inFile, int wanted) {
        return inFile == wanted ? null : name + " " + inFile + " in the file, " + wanted + " asked for";
    }

    long pidVolatile(int side) {
        return (long) LONG.getVolatile(memory, sideOffset(side) + PID_OFFSET);
    }

    /** Claims a side: atomic across processes (a locked compare-and-exchange on shared memory). */
    boolean compareAndSetPid(int side, long expected, long pid) {
        return LONG.compareAndSet(memory, sideOffset(side) + PID_OFFSET, expected, pid);
    }

    /** Sets a side's pid directly; on a file no other process can see yet, or to give up a side. */
    void pidRelease(int side, long pid) {
        LONG.setRelease(memory, sideOffset(side) + PID_OFFSET, pid);
    }

    long heartbeatAcquire(int side) {
        return (long) LONG.getAcquire(memory, sideOffset(side) + HEARTBEAT_OFFSET);
    }

    /** Opaque is enough: the heartbeat orders nothing else, it only has to become visible. */
    void heartbeatOpaque(int side, long nowNs) {
        LONG.setOpaque(memory, sideOffset(side) + HEARTBEAT_OFFSET, nowNs);
    }

    /**
     * @param file the mapped file, from offset 0
     * @return the 4-byte doorbell word that {@code side} sleeps on while it waits for ring {@code 1 - side}
     */
    static MemorySegment doorbell(MemorySegment file, int side) {
        return file.asSlice(DOORBELL_0_OFFSET + side * DOORBELL_STRIDE, Integer.BYTES);
    }

    private static long sideOffset(int side) {
        return SIDE_0_OFFSET + side * SIDE_STRIDE;
    }
}
