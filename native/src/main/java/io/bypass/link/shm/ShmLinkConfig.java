package io.bypass.link.shm;

/**
 * The shape of a shared-memory link, fixed by whoever creates the file; a process that
 * attaches must ask for the same shape or is refused with the mismatch named.
 *
 * @param mtu           the largest IP packet carried, 68 to 65,521 (a slot holds the MTU plus
 *                      the 14-byte Ethernet header and an 8-byte length word, within 64 KiB)
 * @param slotCount     slots per direction, a power of two
 * @param poolFrames    frames in each of this end's transmit and receive pools (process-local)
 * @param peerTimeoutNs a peer whose heartbeat is older than this has its pid checked; a dead
 *                      pid makes the link report the peer dead
 */
public record ShmLinkConfig(int mtu, int slotCount, int poolFrames, long peerTimeoutNs) {
    /** The largest MTU: slot (length word + Ethernet header + MTU) stays within 64 KiB. */
    public static final int MAX_MTU = 65_536 - SpscRing.SLOT_DATA_OFFSET - 14 - 1;

    /**
     * @throws IllegalArgumentException naming the bad setting
     */
    public ShmLinkConfig {
        if (mtu < 68 || mtu > MAX_MTU) {
            throw new IllegalArgumentException("mtu must be 68.." + MAX_MTU + ": " + mtu);
        }
        if (slotCount < 2 || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException("slotCount must be a power of two >= 2: " + slotCount);
        }
        if (poolFrames < 1) {
            throw new IllegalArgumentException("poolFrames must be positive: " + poolFrames);
        }
        if (peerTimeoutNs <= 0) {
            throw new IllegalArgumentException("peerTimeoutNs must be positive: " + peerTimeoutNs);
        }
    }

    /**
     * @param mtu the largest IP packet, e.g. 1500 or 65,000
     * @return 1,024 slots per direction, 2,048 frames per pool, a 500 ms peer timeout
     */
    public static ShmLinkConfig of(int mtu) {
        return new ShmLinkConfig(mtu, 1024, 2048, 500_000_000L);
    }

    /** @return bytes per slot */
    int slotSize() {
        return SpscRing.slotSizeFor(mtu + 14);
    }
}
