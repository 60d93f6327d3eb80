package io.bypass.stack.link;

/**
 * What every link opened by a {@link LinkFactory} shares with the stack that will drive it;
 * the spec string says what is particular to one device.
 *
 * @param mtu        the MTU to use, or 0 for the link's own default (a spec's {@code mtu=} wins over both)
 * @param poolFrames frames in each of the link's receive and transmit pools, or 0 for the link's default
 */
public record LinkSettings(int mtu, int poolFrames) {
    /** Let every link choose. */
    public static final LinkSettings DEFAULTS = new LinkSettings(0, 0);

    /**
     * @throws IllegalArgumentException when a value is negative or the MTU is below the IPv4 minimum of 68
     */
    public LinkSettings {
        if (mtu != 0 && (mtu < 68 || mtu > 65_535)) {
            throw new IllegalArgumentException("mtu must be 68..65535 (or 0 for the link's default): " + mtu);
        }
        if (poolFrames < 0) {
            throw new IllegalArgumentException("poolFrames must be positive (or 0 for the link's default): " + poolFrames);
        }
    }

    /**
     * @param linkDefault the link's own default MTU
     * @return the MTU asked for, or the link's default
     */
    public int mtuOr(int linkDefault) {
        return mtu == 0 ? linkDefault : mtu;
    }

    /**
     * @param linkDefault the link's own default pool size
     * @return the pool size asked for, or the link's default
     */
    public int poolFramesOr(int linkDefault) {
        return poolFrames == 0 ? linkDefault : poolFrames;
    }
}
