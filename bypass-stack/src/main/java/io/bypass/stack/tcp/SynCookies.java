package io.bypass.stack.tcp;

/**
 * SYN cookies, in the spirit of Linux's (D. J. Bernstein's idea; RFC 4987 section 3.6): when
 * a listener cannot hold another half-open connection, the SYN-ACK's ISN carries what the
 * connection needs, authenticated, and nothing is kept; the peer's ACK brings it back.
 *
 * <pre>
 *   31       27 26  24 23                                      0
 *  +-----------+------+-----------------------------------------+
 *  |  counter  | MSS  |  keyed hash, low 24 bits                 |
 *  |  (5 bits) | index|  SipHash(secret; addresses, ports,       |
 *  |           |(3 b.)|   peer ISN, full counter, MSS index)     |
 *  +-----------+------+-----------------------------------------+
 * </pre>
 *
 * The counter ticks every {@link #COUNTER_PERIOD_NS} (64 s, as Linux's); a cookie is good
 * for {@link #MAX_AGE} ticks after the one it was made in (2 to 3 minutes). The hash binds
 * the cookie to the 4-tuple and to the peer's ISN (the ACK's sequence number minus one), so
 * a blind attacker must guess 24 bits per try. The MSS is one of {@link #MSS_TABLE}, the
 * largest not above what the peer announced.
 *
 * <p>Window scaling and SACK-permitted travel as Linux's cookie_init_timestamp() carries them,
 * when the SYN had timestamps: in the low bits of the SYN-ACK's TSval, which the peer's ACK
 * echoes in TSecr. That timestamps were offered is told by the echo itself.
 *
 * <pre>
 *   31                                 6   5    4   3       0
 *  +------------------------------------+----+----+---------+
 *  |  our timestamp clock, high bits    | 0  |SACK| peer WS |   WS 15: none
 *  +------------------------------------+----+----+---------+
 * </pre>
 *
 * The echo is not authenticated (nor is it in Linux): a forger who guesses a cookie can pick
 * these options, but no more than it could by sending its own SYN. Without timestamps in the
 * SYN the cookie carries only the MSS, and the connection has none of these options.
 * Allocates nothing.
 */
final class SynCookies {
    /** Length of one counter tick: 64 s (Linux's). */
    static final long COUNTER_PERIOD_NS = 64_000_000_000L;
    /** Ticks a cookie stays good after its own one. */
    static final int MAX_AGE = 2;
    /** MSS values a cookie can carry: common links, tunnels, and 9000-byte jumbo frames. */
    static final int[] MSS_TABLE = {256, 536, 1220, 1300, 1440, 1460, 4312, 8960};
    private static final int COUNTER_SHIFT = 27;
    private static final int COUNTER_MASK = 0x1f;
    private static final int MSS_SHIFT = 24;
    private static final int MSS_MASK = 0x7;
    private static final int HASH_MASK = 0xff_ffff;

    /** Low bits of the cookie TSval that carry options. */
    static final int TS_OPTION_MASK = 0x3f;
    /** The peer's window scale shift in the TSval, or {@link #TS_NO_WSCALE}. */
    static final int TS_WSCALE_MASK = 0xf;
    /** The peer sent no window scale option. */
    static final int TS_NO_WSCALE = 0xf;
    /** The peer sent SACK-permitted. */
    static final int TS_SACK = 0x10;

    private final long k0;
    private final long k1;

    /** Derives the cookie key from the stack's 128-bit secret, apart from the ISN key it also keys. */
    SynCookies(long secretHigh, long secretLow) {
        this.k0 = SipHash.hash(secretHigh, secretLow, 0x73796e636f6f6b69L, 0);
        this.k1 = SipHash.hash(secretHigh, secretLow, 0x73796e636f6f6b69L, 1);
    }

    /** @return the counter tick of {@code nowNs} */
    static long counter(long nowNs) {
        return Math.floorDiv(nowNs, COUNTER_PERIOD_NS);
    }

    /** @return the index of the largest table MSS not above {@code mss} (0 when all are above) */
    static int mssIndex(int mss) {
        int i = MSS_TABLE.length - 1;
        while (i > 0 && MSS_TABLE[i] > mss) {
            i--;
        }
        return i;
    }

    /**
     * @param mss the MSS to carry (the smaller of the peer's and ours)
     * @return the ISN of a SYN-ACK answering a SYN with sequence number {@code peerIsn}
     */
    int make(int localIp, int localPort, int remoteIp, int remotePort, int peerIsn, int mss, long nowNs) {
        long counter = counter(nowNs);
        int index = mssIndex(mss);
        int hash = hash(localIp, localPort, remoteIp, remotePort, peerIsn, counter, index);
        return (int) ((counter & COUNTER_MASK) << COUNTER_SHIFT) | index << MSS_SHIFT | hash;
    }

    /**
     * Checks the cookie an ACK brings back ({@code cookie} = SEG.ACK - 1, {@code peerIsn} =
     * SEG.SEQ - 1).
     *
     * @return the MSS it carries, or -1 when it is forged, for another connection or too old
     */
    int check(int localIp, int localPort, int remoteIp, int remotePort, int peerIsn, int cookie, long nowNs) {
        long now = counter(nowNs);
        int age = (int) ((now - (cookie >>> COUNTER_SHIFT)) & COUNTER_MASK);
        if (age > MAX_AGE) {
            return -1;
        }
        int index = (cookie >>> MSS_SHIFT) & MSS_MASK;
        int hash = hash(localIp, localPort, remoteIp, remotePort, peerIsn, now - age, index);
        return hash == (cookie & HASH_MASK) ? MSS_TABLE[index] : -1;
    }

    private int hash(int localIp, int localPort, int remoteIp, int remotePort, int peerIsn, long counter,
                     int index) {
        long addresses = ((localIp & 0xffffffffL) << 32) | (remoteIp & 0xffffffffL);
        long portsAndIsn = ((long) localPort << 48) | ((long) remotePort << 32) | (peerIsn & 0xffffffffL);
        long inner = SipHash.hash(k0, k1, addresses, portsAndIsn);
        return (int) SipHash.hash(k0, k1, inner, (counter << 3) | index) & HASH_MASK;
    }

    /**
     * The TSval of a cookie SYN-ACK: our clock with its low six bits replaced by the options,
     * never ahead of the clock (so the connection's later TSvals do not go backwards).
     *
     * @param tsNow     our timestamp clock for the 4-tuple now
     * @param peerShift the peer's window scale shift, or -1 when it sent none (or we do not scale)
     * @param sack      whether SACK is agreed
     */
    static int timestampWithOptions(int tsNow, int peerShift, boolean sack) {
        int options = (peerShift >= 0 ? Math.min(peerShift, OptionNegotiation.MAX_SHIFT) : TS_NO_WSCALE)
                | (sack ? TS_SACK : 0);
        int ts = (tsNow & ~TS_OPTION_MASK) | options;
        return ts - tsNow > 0 ? ts - (TS_OPTION_MASK + 1) : ts;
    }

    /** @return the peer's shift carried in an echoed cookie TSval, -1 for none, -2 when malformed */
    static int peerShift(int echo) {
        int bits = echo & TS_WSCALE_MASK;
        if (bits == TS_NO_WSCALE) {
            return -1;
        }
        return bits > OptionNegotiation.MAX_SHIFT || (echo & ~(TS_WSCALE_MASK | TS_SACK) & TS_OPTION_MASK) != 0
                ? -2 : bits;
    }

    /** @return whether an echoed cookie TSval says SACK was agreed */
    static boolean sack(int echo) {
        return (echo & TS_SACK) != 0;
    }
}
