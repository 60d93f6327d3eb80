package io.bypass.stack.sim;

/**
 * What a {@link SimulatedSegment} did to the frames it carried, per receiver delivery
 * (a frame sent on a segment with three ports counts twice in {@link #offered}).
 */
public final class SegmentStats {
    /** Frames offered for delivery (one per sent frame and receiving port). */
    public long offered;
    /** Frames placed in a receiver's queue. */
    public long delivered;
    /** Frames lost on purpose. */
    public long lost;
    /** Extra copies delivered. */
    public long duplicated;
    /** Frames held back so that later ones overtook them. */
    public long reordered;
    /** Frames with a flipped bit. */
    public long corrupted;
    /** Frames larger than the segment's MTU (a stack bug: they should never be sent). */
    public long oversize;
    /** Frames dropped because the sending port's queue was full. */
    public long queueDrops;
    /** Frames dropped because the receiver had no free receive frame (a full NIC ring). */
    public long noBufferDrops;

    @Override
    public String toString() {
        return "offered=" + offered + " delivered=" + delivered + " lost=" + lost + " duplicated=" + duplicated
                + " reordered=" + reordered + " corrupted=" + corrupted + " oversize=" + oversize
                + " queueDrops=" + queueDrops + " noBufferDrops=" + noBufferDrops;
    }
}
