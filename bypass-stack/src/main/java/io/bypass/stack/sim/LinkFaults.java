package io.bypass.stack.sim;

/**
 * What a simulated segment does to frames, each decision drawn from the segment's seeded
 * random source per frame and per receiver.
 *
 * @param lossRate          probability a frame is lost
 * @param duplicateRate     probability a frame is delivered twice
 * @param reorderRate       probability a frame is held back by up to {@code reorderDelayNs}
 *                          extra, so that later frames overtake it
 * @param corruptRate       probability one bit of the IP packet is flipped (models an error
 *                          that escaped the link's FCS; ARP frames, which carry no checksum
 *                          of their own, are spared)
 * @param delayNs           one-way propagation delay
 * @param jitterNs          extra uniform random delay in [0, jitterNs]
 * @param reorderDelayNs    the most a reordered frame is held back
 * @param bitsPerSecond     serialization rate per sending port; 0 for infinite
 * @param queueLimitBytes   bytes a sending port may have waiting to serialize before it
 *                          drops (a router's tail drop); 0 for unlimited
 * @param mtu               largest IP packet the segment carries; bigger frames are dropped
 *                          and counted (a stack must never send one)
 */
public record LinkFaults(double lossRate, double duplicateRate, double reorderRate, double corruptRate,
                         long delayNs, long jitterNs, long reorderDelayNs, long bitsPerSecond,
                         long queueLimitBytes, int mtu) {

    /** Validates ranges; a bad value names itself. */
    public LinkFaults {
        requireProbability("lossRate", lossRate);
        requireProbability("duplicateRate", duplicateRate);
        requireProbability("reorderRate", reorderRate);
        requireProbability("corruptRate", corruptRate);
        requireNonNegative("delayNs", delayNs);
        requireNonNegative("jitterNs", jitterNs);
        requireNonNegative("reorderDelayNs", reorderDelayNs);
        requireNonNegative("bitsPerSecond", bitsPerSecond);
        requireNonNegative("queueLimitBytes", queueLimitBytes);
        if (mtu < 68 || mtu > 65_535) {
            throw new IllegalArgumentException("mtu must be 68..65535: " + mtu);
        }
    }

    /** @return a 1500-byte MTU segment with 10 microseconds of delay and no faults */
    public static LinkFaults perfect() {
        return new LinkFaults(0, 0, 0, 0, 10_000, 0, 0, 0, 0, 1500);
    }

    /** @return this with the loss rate changed */
    public LinkFaults withLoss(double rate) {
        return new LinkFaults(rate, duplicateRate, reorderRate, corruptRate, delayNs, jitterNs, reorderDelayNs,
                bitsPerSecond, queueLimitBytes, mtu);
    }

    /** @return this with duplication changed */
    public LinkFaults withDuplication(double rate) {
        return new LinkFaults(lossRate, rate, reorderRate, corruptRate, delayNs, jitterNs, reorderDelayNs,
                bitsPerSecond, queueLimitBytes, mtu);
    }

    /** @return this with reordering changed */
    public LinkFaults withReordering(double rate, long maxExtraDelayNs) {
        return new LinkFaults(lossRate, duplicateRate, rate, corruptRate, delayNs, jitterNs, maxExtraDelayNs,
                bitsPerSecond, queueLimitBytes, mtu);
    }

    /** @return this with corruption changed */
    public LinkFaults withCorruption(double rate) {
        return new LinkFaults(lossRate, duplicateRate, reorderRate, rate, delayNs, jitterNs, reorderDelayNs,
                bitsPerSecond, queueLimitBytes, mtu);
    }

    /** @return this with delay and jitter changed */
    public LinkFaults withDelay(long newDelayNs, long newJitterNs) {
        return new LinkFaults(lossRate, duplicateRate, reorderRate, corruptRate, newDelayNs, newJitterNs,
                reorderDelayNs, bitsPerSecond, queueLimitBytes, mtu);
    }

    /** @return this with a serialization rate and a sending queue limit */
    public LinkFaults withBandwidth(long newBitsPerSecond, long newQueueLimitBytes) {
        return new LinkFaults(lossRate, duplicateRate, reorderRate, corruptRate, delayNs, jitterNs, reorderDelayNs,
                newBitsPerSecond, newQueueLimitBytes, mtu);
    }

    /** @return this with the MTU changed */
    public LinkFaults withMtu(int newMtu) {
        return new LinkFaults(lossRate, duplicateRate, reorderRate, corruptRate, delayNs, jitterNs, reorderDelayNs,
                bitsPerSecond, queueLimitBytes, newMtu);
    }

    private static void requireProbability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be a probability in [0, 1]: " + p);
        }
    }

    private static void requireNonNegative(String name, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0: " + v);
        }
    }
}
