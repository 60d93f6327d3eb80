package io.bypass.stack.tcp;

/**
 * Congestion control as a connection sees it: the connection reports what the ACKs and the
 * timer say, the algorithm answers how much may be in flight ({@link #sendWindow()}) and
 * whether to retransmit. Implementations keep their state in primitive fields and allocate
 * nothing after construction; time arrives as {@code nowNs}.
 */
interface CongestionControl {
    /** Duplicate ACKs that trigger fast retransmit (RFC 5681 section 3.2). */
    int DUP_THRESHOLD = 3;

    /** @return a fresh instance of {@code algorithm} (allocates: once per connection, or per switch) */
    static CongestionControl create(CongestionAlgorithm algorithm) {
        return switch (algorithm) {
            case NEW_RENO -> new NewRenoCongestion();
            case CUBIC -> new CubicCongestion();
        };
    }

    /** @return which algorithm this is */
    CongestionAlgorithm algorithm();

    /**
     * Starts a connection once the handshake is done (RFC 5681 section 3.1 initial window;
     * RFC 6582 section 3.2 step 1: recover starts at the initial send sequence number).
     */
    void init(int mss, int iss);

    /**
     * Takes over from another algorithm in mid-connection: keeps its window and threshold
     * (as Linux does on a TCP_CONGESTION change) and starts a new growth epoch.
     */
    void continueFrom(CongestionControl previous, int mss, int sndUna);

    /** The path MTU went down (RFC 1191): keep the window in whole segments of the new size. */
    void mss(int newMss);

    /**
     * An ACK of new data.
     *
     * @param ack         the cumulative ACK
     * @param acked       bytes (sequence space) it newly acknowledges
     * @param flightAfter bytes still outstanding after it
     * @param nowNs       the time
     * @param srttNs      the smoothed RTT, 0 before the first sample
     * @return whether it was a partial ACK in fast recovery: the caller retransmits the first
     *         unacknowledged segment and restarts the retransmission timer
     */
    boolean onNewAck(int ack, int acked, int flightAfter, long nowNs, long srttNs);

    /**
     * A duplicate ACK (RFC 5681 section 2 definition).
     *
     * @param ack    the cumulative ACK (= SND.UNA)
     * @param flight bytes outstanding
     * @param sndMax the highest sequence number sent
     * @param nowNs  the time
     * @return whether to fast-retransmit the first unacknowledged segment now
     */
    boolean onDupAck(int ack, int flight, int sndMax, long nowNs);

    /** A retransmission timeout with {@code flight} bytes outstanding up to {@code sndMax}. */
    void onTimeout(int flight, int sndMax, long nowNs);

    /** @return how much may be in flight now, in bytes (cwnd plus Limited Transmit's allowance) */
    int sendWindow();

    /**
     * SACK-based loss recovery starts (RFC 6675 section 5 step 4.2): ssthresh and cwnd drop
     * to the algorithm's loss threshold (FlightSize / 2 for NewReno, RFC 5681 equation 4;
     * beta_cubic times it for CUBIC, RFC 9438 section 4.6). During it the connection paces
     * sending by RFC 6675's pipe and does not report ACKs here; cwnd stays at ssthresh until
     * recovery ends. The algorithm's own recovery (duplicate ACK counting, inflation) is not
     * used with SACK.
     */
    void sackRecoveryStarted(int flight, long nowNs);

    /** New data of {@code bytes} went out with {@code flightBefore} bytes outstanding before it. */
    void onNewDataSent(int bytes, int flightBefore);

    /** @return the congestion window in bytes */
    int cwnd();

    /** @return the slow-start threshold in bytes */
    int ssthresh();
}
