package io.bypass.stack.tcp;

import java.security.SecureRandom;

/**
 * Immutable settings of a {@link TcpLayer}. Built with {@link #builder()}; {@link #defaults()}
 * gives Linux-like values with a random ISN secret. A bad value fails in
 * {@link Builder#build()} with an {@link IllegalArgumentException} naming the setting.
 */
public final class TcpConfig {
    private final int mssCap;
    private final int sendBufferBytes;
    private final int receiveBufferBytes;
    private final int sendBufferMaxBytes;
    private final int receiveBufferMaxBytes;
    private final int reassemblyFramesTotal;
    private final int receiveFramesTotal;
    private final int receiveFramesPerConnection;
    private final int framesPerFullSegment;
    private final long initialRtoNs;
    private final long minRtoNs;
    private final long maxRtoNs;
    private final int maxRetransmissions;
    private final int synRetries;
    private final long delayedAckTimeoutNs;
    private final long timeWaitNs;
    private final int defaultBacklog;
    private final int maxConnections;
    private final int maxTimeWait;
    private final boolean timeWaitReuse;
    private final int ephemeralPortFirst;
    private final int ephemeralPortLast;
    private final int reassemblyLimitSegments;
    private final long isnSecretHigh;
    private final long isnSecretLow;
    private final long portSeed;
    private final CongestionAlgorithm congestionAlgorithm;
    private final long keepAliveIdleNs;
    private final long keepAliveIntervalNs;
    private final int keepAliveCount;
    private final long userTimeoutNs;
    private final int maxHalfOpen;
    private final boolean synCookies;
    private final boolean windowScaling;
    private final boolean timestamps;
    private final boolean sack;
    private final int challengeAcksPerSecond;

    private TcpConfig(Builder b) {
        this.mssCap = b.mssCap;
        this.sendBufferBytes = b.sendBufferBytes;
        this.receiveBufferBytes = b.receiveBufferBytes;
        this.sendBufferMaxBytes = Math.max(b.sendBufferMaxBytes, b.sendBufferBytes);
        this.receiveBufferMaxBytes = Math.max(b.receiveBufferMaxBytes, b.receiveBufferBytes);
        this.reassemblyFramesTotal = b.reassemblyFramesTotal;
        this.receiveFramesTotal = b.receiveFramesTotal;
        this.receiveFramesPerConnection = b.receiveFramesPerConnection;
        this.framesPerFullSegment = b.framesPerFullSegment;
        this.initialRtoNs = b.initialRtoNs;
        this.minRtoNs = b.minRtoNs;
        this.maxRtoNs = b.maxRtoNs;
        this.maxRetransmissions = b.maxRetransmissions;
        this.synRetries = b.synRetries;
        this.delayedAckTimeoutNs = b.delayedAckTimeoutNs;
        this.timeWaitNs = b.timeWaitNs;
        this.defaultBacklog = b.defaultBacklog;
        this.maxConnections = b.maxConnections;
        this.maxTimeWait = b.maxTimeWait;
        this.timeWaitReuse = b.timeWaitReuse;
        this.ephemeralPortFirst = b.ephemeralPortFirst;
        this.ephemeralPortLast = b.ephemeralPortLast;
        this.reassemblyLimitSegments = b.reassemblyLimitSegments;
        this.isnSecretHigh = b.isnSecretHigh;
        this.isnSecretLow = b.isnSecretLow;
        this.portSeed = b.portSeed;
        this.congestionAlgorithm = b.congestionAlgorithm;
        this.keepAliveIdleNs = b.keepAliveIdleNs;
        this.keepAliveIntervalNs = b.keepAliveIntervalNs;
        this.keepAliveCount = b.keepAliveCount;
        this.userTimeoutNs = b.userTimeoutNs;
        this.maxHalfOpen = b.maxHalfOpen;
        this.synCookies = b.synCookies;
        this.windowScaling = b.windowScaling;
        this.timestamps = b.timestamps;
        this.sack = b.sack;
        this.challengeAcksPerSecond = b.challengeAcksPerSecond;
    }

    /** @return the defaults, with the ISN secret and port seed drawn from {@link SecureRandom} */
    public static TcpConfig defaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults (random secret and seed until set) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration's values */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.mssCap = mssCap;
        b.sendBufferBytes = sendBufferBytes;
        b.receiveBufferBytes = receiveBufferBytes;
        b.sendBufferMaxBytes = sendBufferMaxBytes;
        b.receiveBufferMaxBytes = receiveBufferMaxBytes;
        b.reassemblyFramesTotal = reassemblyFramesTotal;
        b.receiveFramesTotal = receiveFramesTotal;
        b.receiveFramesPerConnection = receiveFramesPerConnection;
        b.framesPerFullSegment = framesPerFullSegment;
        b.initialRtoNs = initialRtoNs;
        b.minRtoNs = minRtoNs;
        b.maxRtoNs = maxRtoNs;
        b.maxRetransmissions = maxRetransmissions;
        b.synRetries = synRetries;
        b.delayedAckTimeoutNs = delayedAckTimeoutNs;
        b.timeWaitNs = timeWaitNs;
        b.defaultBacklog = defaultBacklog;
        b.maxConnections = maxConnections;
        b.maxTimeWait = maxTimeWait;
        b.timeWaitReuse = timeWaitReuse;
        b.ephemeralPortFirst = ephemeralPortFirst;
        b.ephemeralPortLast = ephemeralPortLast;
        b.reassemblyLimitSegments = reassemblyLimitSegments;
        b.isnSecretHigh = isnSecretHigh;
        b.isnSecretLow = isnSecretLow;
        b.portSeed = portSeed;
        b.congestionAlgorithm = congestionAlgorithm;
        b.keepAliveIdleNs = keepAliveIdleNs;
        b.keepAliveIntervalNs = keepAliveIntervalNs;
        b.keepAliveCount = keepAliveCount;
        b.userTimeoutNs = userTimeoutNs;
        b.maxHalfOpen = maxHalfOpen;
        b.synCookies = synCookies;
        b.secretSet = true;
        b.seedSet = true;
        b.windowScaling = windowScaling;
        b.timestamps = timestamps;
        b.sack = sack;
        b.challengeAcksPerSecond = challengeAcksPerSecond;
        return b;
    }

    /** @return the largest MSS we advertise or send, whatever the MTU allows */
    public int mssCap() {
        return mssCap;
    }

    /**
     * @return bytes of the per-connection send buffer (unacknowledged plus unsent data) a
     *         connection starts with (Linux tcp_wmem[1])
     */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /**
     * @return bytes of received data a connection starts out holding for the application
     *         (Linux tcp_rmem[1]); the window is computed from it
     */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /**
     * @return the most the send buffer grows to by auto-tuning (Linux tcp_wmem[2]); never
     *         below {@link #sendBufferBytes()}
     */
    public int sendBufferMaxBytes() {
        return sendBufferMaxBytes;
    }

    /**
     * @return the most the receive buffer grows to by auto-tuning (Linux tcp_rmem[2]); never
     *         below {@link #receiveBufferBytes()}. The window scale we offer is sized for it.
     */
    public int receiveBufferMaxBytes() {
        return receiveBufferMaxBytes;
    }

    /**
     * @return received frames all connections together may hold out of order (see
     *         {@link FrameBudget}); keep it a fraction of the link's receive pool
     */
    public int reassemblyFramesTotal() {
        return reassemblyFramesTotal;
    }

    /**
     * @return received frames all connections together may hold for data the applications
     *         have not read, in order and out of order (see {@link ReceiveQueue}); keep it
     *         a fraction of the link's receive pool so ARP, ICMP and other sockets still
     *         find frames
     */
    public int receiveFramesTotal() {
        return receiveFramesTotal;
    }

    /**
     * @return received frames one connection may hold for unread data; its advertised window
     *         never promises more than these frames hold (see {@link ReceiveWindow})
     */
    public int receiveFramesPerConnection() {
        return receiveFramesPerConnection;
    }

    /**
     * @return receive frames a full segment's worth of a stream may take: the advertised window
     *         promises a full segment per this many frames still allowed (see {@link ReceiveWindow})
     */
    public int framesPerFullSegment() {
        return framesPerFullSegment;
    }

    /** @return the RTO before any RTT sample (RFC 6298 section 2.1: 1 s) */
    public long initialRtoNs() {
        return initialRtoNs;
    }

    /** @return the lower bound of the RTO (RFC 6298 says 1 s; Linux uses 200 ms) */
    public long minRtoNs() {
        return minRtoNs;
    }

    /** @return the upper bound of the RTO (RFC 6298 section 2.5: at least 60 s) */
    public long maxRtoNs() {
        return maxRtoNs;
    }

    /** @return retransmissions of one segment after which the connection is aborted (RFC 1122 4.2.3.5 R2) */
    public int maxRetransmissions() {
        return maxRetransmissions;
    }

    /** @return retransmissions of a SYN or SYN-ACK before giving up */
    public int synRetries() {
        return synRetries;
    }

    /** @return the delayed-ACK timeout (RFC 1122 4.2.3.2: at most 500 ms) */
    public long delayedAckTimeoutNs() {
        return delayedAckTimeoutNs;
    }

    /** @return how long TIME_WAIT lasts (2 * MSL) */
    public long timeWaitNs() {
        return timeWaitNs;
    }

    /** @return the backlog used when {@code listen} is given 0 or less */
    public int defaultBacklog() {
        return defaultBacklog;
    }

    /**
     * @return the most connections a layer holds in any state but LISTEN and TIME-WAIT (those
     *         in TIME-WAIT are bounded by {@link #maxTimeWait()} instead, so that they never
     *         keep a new connection out)
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * @return the most connections a layer keeps in TIME-WAIT (Linux's {@code
     *         tcp_max_tw_buckets}); one that would go beyond closes at once instead, counted
     *         as {@link io.bypass.stack.Counter#TCP_TIME_WAIT_OVERFLOW}. Each is a record of about
     *         130 bytes of heap: a server that closes first keeps 60 s of its connection rate here.
     */
    public int maxTimeWait() {
        return maxTimeWait;
    }

    /**
     * @return whether a connect may take a 4-tuple that our own TIME-WAIT holds, as Linux's
     *         {@code tcp_tw_reuse}: only when that connection used timestamps and its last
     *         segment came at least {@link TimeWait#REUSE_AFTER_NS} ago, so the new incarnation's
     *         newer TSvals and an ISS beyond the old SND.MAX keep its segments apart from old
     *         duplicates (RFC 6191, RFC 7323 PAWS). Off by default, as Linux's is for anything
     *         but loopback; a client that closes first otherwise runs out of ephemeral ports
     *         towards one server at 16,384 connections per 2 MSL
     */
    public boolean timeWaitReuse() {
        return timeWaitReuse;
    }

    /** @return the first ephemeral port */
    public int ephemeralPortFirst() {
        return ephemeralPortFirst;
    }

    /** @return the last ephemeral port (inclusive) */
    public int ephemeralPortLast() {
        return ephemeralPortLast;
    }

    /** @return the most out-of-order segments one connection holds for reassembly */
    public int reassemblyLimitSegments() {
        return reassemblyLimitSegments;
    }

    /** @return the high 64 bits of the ISN secret (RFC 6528) */
    public long isnSecretHigh() {
        return isnSecretHigh;
    }

    /** @return the low 64 bits of the ISN secret (RFC 6528) */
    public long isnSecretLow() {
        return isnSecretLow;
    }

    /** @return the key of ephemeral port selection (RFC 6056 algorithm 3) */
    public long portSeed() {
        return portSeed;
    }

    /** @return the congestion control new connections start with (CUBIC unless set) */
    public CongestionAlgorithm congestionAlgorithm() {
        return congestionAlgorithm;
    }

    /** @return idle time before the first keep-alive probe (RFC 1122 4.2.3.6: at least two hours by default; Linux tcp_keepalive_time) */
    public long keepAliveIdleNs() {
        return keepAliveIdleNs;
    }

    /** @return time between unanswered keep-alive probes (Linux tcp_keepalive_intvl) */
    public long keepAliveIntervalNs() {
        return keepAliveIntervalNs;
    }

    /** @return unanswered keep-alive probes after which the connection is dropped (Linux tcp_keepalive_probes) */
    public int keepAliveCount() {
        return keepAliveCount;
    }

    /** @return how long sent data may stay unacknowledged before the connection is aborted (RFC 5482, Linux TCP_USER_TIMEOUT); 0 means the retransmission count limit decides */
    public long userTimeoutNs() {
        return userTimeoutNs;
    }

    /** @return the most half-open (SYN-RECEIVED) connections the layer holds over all listeners; beyond it SYNs are answered with cookies or dropped */
    public int maxHalfOpen() {
        return maxHalfOpen;
    }

    /** @return whether a listener whose SYN backlog is full answers SYNs with SYN cookies (as Linux's tcp_syncookies = 1) instead of dropping them */
    public boolean synCookies() {
        return synCookies;
    }

    /** @return whether we offer and accept window scaling (RFC 7323 section 2) */
    public boolean windowScaling() {
        return windowScaling;
    }

    /** @return whether we offer and accept timestamps (RFC 7323 sections 3 to 5) */
    public boolean timestamps() {
        return timestamps;
    }

    /** @return whether we offer and accept SACK (RFC 2018, recovery per RFC 6675) */
    public boolean sack() {
        return sack;
    }

    /** @return challenge ACKs a connection may send per second (RFC 5961 section 7) */
    public int challengeAcksPerSecond() {
        return challengeAcksPerSecond;
    }

    /** Collects settings; {@link #build()} validates them. */
    public static final class Builder {
        private int mssCap = 1460;
        private int sendBufferBytes = 256 * 1024;
        private int receiveBufferBytes = 256 * 1024;
        private int sendBufferMaxBytes = 4 << 20;
        private int receiveBufferMaxBytes = 4 << 20;
        private int reassemblyFramesTotal = 256;
        private int receiveFramesTotal = 512;
        private int receiveFramesPerConnection = 192;
        private int framesPerFullSegment = 1;
        private long initialRtoNs = 1_000_000_000L;
        private long minRtoNs = 200_000_000L;
        private long maxRtoNs = 60_000_000_000L;
        private int maxRetransmissions = 15;
        private int synRetries = 6;
        private long delayedAckTimeoutNs = 40_000_000L;
        private long timeWaitNs = 60_000_000_000L;
        private int defaultBacklog = 128;
        private int maxConnections = 65_536;
        /** Linux's {@code tcp_max_tw_buckets} on a 24 GB machine; about 20 MB of records when full. */
        private int maxTimeWait = 131_072;
        private boolean timeWaitReuse;
        private int ephemeralPortFirst = 49_152;
        private int ephemeralPortLast = 65_535;
        private int reassemblyLimitSegments = 64;
        private long isnSecretHigh;
        private long isnSecretLow;
        private long portSeed;
        private CongestionAlgorithm congestionAlgorithm = CongestionAlgorithm.CUBIC;
        private long keepAliveIdleNs = 7_200_000_000_000L;
        private long keepAliveIntervalNs = 75_000_000_000L;
        private int keepAliveCount = 9;
        private long userTimeoutNs = 0L;
        private int maxHalfOpen = 4_096;
        private boolean synCookies = true;
        private boolean secretSet;
        private boolean seedSet;
        private boolean windowScaling = true;
        private boolean timestamps = true;
        private boolean sack = true;
        private int challengeAcksPerSecond = 1000;

        private Builder() {
        }

        /** @param bytes the largest MSS we use, 64..65495 */
        public Builder mssCap(int bytes) {
            this.mssCap = bytes;
            return this;
        }

        /** @param bytes per-connection send buffer, 1 KiB..1 GiB */
        public Builder sendBufferBytes(int bytes) {
            this.sendBufferBytes = bytes;
            return this;
        }

        /** @param bytes per-connection receive buffer, 1 KiB..1 GiB */
        public Builder receiveBufferBytes(int bytes) {
            this.receiveBufferBytes = bytes;
            return this;
        }

        /** @param bytes auto-tuning cap of the send buffer, 1 KiB..1 GiB (default 4 MiB) */
        public Builder sendBufferMaxBytes(int bytes) {
            this.sendBufferMaxBytes = bytes;
            return this;
        }

        /** @param bytes auto-tuning cap of the receive buffer, 1 KiB..1 GiB (default 4 MiB) */
        public Builder receiveBufferMaxBytes(int bytes) {
            this.receiveBufferMaxBytes = bytes;
            return this;
        }

        /**
         * @param frames received frames all connections together hold out of order, 0..2^24
         *               (default 256: a quarter of a 1024-frame receive pool)
         */
        public Builder reassemblyFramesTotal(int frames) {
            this.reassemblyFramesTotal = frames;
            return this;
        }

        /**
         * @param frames received frames all connections together hold for unread data,
         *               1..2^24 (default 512: half of a 1024-frame receive pool, the other
         *               half left to segments in flight, ARP, ICMP and UDP)
         */
        public Builder receiveFramesTotal(int frames) {
            this.receiveFramesTotal = frames;
            return this;
        }

        /**
         * @param frames received frames one connection holds for unread data, 1..receiveFramesTotal
         *               (default 192: 192 full-sized segments are 280 KB, above the default
         *               256 KiB receive buffer, so the default window is unchanged; two slow
         *               readers still leave a quarter of the layer's budget to the others)
         */
        public Builder receiveFramesPerConnection(int frames) {
            this.receiveFramesPerConnection = frames;
            return this;
        }

        /**
         * @param frames receive frames a full segment's worth of a stream may take, 1..16: each
         *               segment arrives in a frame of its own, so the window promises a full
         *               segment per this many frames still allowed. Default 1, for a link whose
         *               MSS is small next to an application's writes (a stream is almost all
         *               full segments). 2 where the MSS is about a write's size: at the in-JVM
         *               loopback's 64 KiB MSS a 64 KiB write is a full segment and a 75-byte tail
         *               (as Linux's {@code tcp_adv_win_scale=1} offers half its free buffer)
         */
        public Builder framesPerFullSegment(int frames) {
            this.framesPerFullSegment = frames;
            return this;
        }

        /** @param ns RTO before the first RTT sample */
        public Builder initialRtoNs(long ns) {
            this.initialRtoNs = ns;
            return this;
        }

        /** @param ns lower bound of the RTO, positive */
        public Builder minRtoNs(long ns) {
            this.minRtoNs = ns;
            return this;
        }

        /** @param ns upper bound of the RTO, at least the minimum */
        public Builder maxRtoNs(long ns) {
            this.maxRtoNs = ns;
            return this;
        }

        /** @param count retransmissions before abort, 1..100 */
        public Builder maxRetransmissions(int count) {
            this.maxRetransmissions = count;
            return this;
        }

        /** @param count SYN (or SYN-ACK) retransmissions before giving up, 0..100 */
        public Builder synRetries(int count) {
            this.synRetries = count;
            return this;
        }

        /** @param ns delayed-ACK timeout, 0 (ACK every segment at once) .. 500 ms */
        public Builder delayedAckTimeoutNs(long ns) {
            this.delayedAckTimeoutNs = ns;
            return this;
        }

        /** @param ns TIME_WAIT duration (2 * MSL), 0 or more */
        public Builder timeWaitNs(long ns) {
            this.timeWaitNs = ns;
            return this;
        }

        /** @param backlog used when listen is given no backlog, at least 1 */
        public Builder defaultBacklog(int backlog) {
            this.defaultBacklog = backlog;
            return this;
        }

        /** @param count most connections not in TIME-WAIT, at least 1 */
        public Builder maxConnections(int count) {
            this.maxConnections = count;
            return this;
        }

        /** @param count most connections in TIME-WAIT, 0 or more (default 131,072; 0: none wait) */
        public Builder maxTimeWait(int count) {
            this.maxTimeWait = count;
            return this;
        }

        /** @param reuse whether a connect may take a 4-tuple our TIME-WAIT holds ({@link #timeWaitReuse()}) */
        public Builder timeWaitReuse(boolean reuse) {
            this.timeWaitReuse = reuse;
            return this;
        }

        /** @param first first ephemeral port, @param last last one (inclusive), 1..65535 */
        public Builder ephemeralPorts(int first, int last) {
            this.ephemeralPortFirst = first;
            this.ephemeralPortLast = last;
            return this;
        }

        /** @param segments out-of-order segments held per connection, 0..4096 */
        public Builder reassemblyLimitSegments(int segments) {
            this.reassemblyLimitSegments = segments;
            return this;
        }

        /** @param algorithm congestion control of new connections, not null */
        public Builder congestionAlgorithm(CongestionAlgorithm algorithm) {
            this.congestionAlgorithm = algorithm;
            return this;
        }

        /** @param ns idle time before the first keep-alive probe, positive */
        public Builder keepAliveIdleNs(long ns) {
            this.keepAliveIdleNs = ns;
            return this;
        }

        /** @param ns time between keep-alive probes, positive */
        public Builder keepAliveIntervalNs(long ns) {
            this.keepAliveIntervalNs = ns;
            return this;
        }

        /** @param count unanswered probes before the connection is dropped, 1..255 */
        public Builder keepAliveCount(int count) {
            this.keepAliveCount = count;
            return this;
        }

        /** @param ns user timeout of new connections, 0 (off: the retransmission limit decides) or more */
        public Builder userTimeoutNs(long ns) {
            this.userTimeoutNs = ns;
            return this;
        }

        /** @param count most half-open connections over all listeners, at least 1 */
        public Builder maxHalfOpen(int count) {
            this.maxHalfOpen = count;
            return this;
        }

        /** @param on whether to answer SYNs with cookies when the backlog is full */
        public Builder synCookies(boolean on) {
            this.synCookies = on;
            return this;
        }

        /** Sets the 128-bit ISN secret (RFC 6528); tests and simulations pass fixed ones. */
        public Builder isnSecret(long high, long low) {
            this.isnSecretHigh = high;
            this.isnSecretLow = low;
            this.secretSet = true;
            return this;
        }

        /** Sets the key of ephemeral port selection; simulations pass a fixed one. */
        public Builder portSeed(long seed) {
            this.portSeed = seed;
            this.seedSet = true;
            return this;
        }

        /** @param on offer and accept window scaling (RFC 7323 section 2); default on */
        public Builder windowScaling(boolean on) {
            this.windowScaling = on;
            return this;
        }

        /** @param on offer and accept timestamps, PAWS and RTTM (RFC 7323); default on */
        public Builder timestamps(boolean on) {
            this.timestamps = on;
            return this;
        }

        /** @param on offer and accept SACK (RFC 2018) with RFC 6675 recovery; default on */
        public Builder sack(boolean on) {
            this.sack = on;
            return this;
        }

        /**
         * @param count challenge ACKs per connection per second, 1..1000000 (RFC 5961 section 7;
         *              Linux's tcp_challenge_ack_limit defaults to 1000)
         */
        public Builder challengeAcksPerSecond(int count) {
            this.challengeAcksPerSecond = count;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException naming the first bad setting
         */
        public TcpConfig build() {
            check(mssCap >= 64 && mssCap <= 65_495, "mssCap", mssCap);
            check(sendBufferBytes >= 1024 && sendBufferBytes <= (1 << 30), "sendBufferBytes", sendBufferBytes);
            check(receiveBufferBytes >= 1024 && receiveBufferBytes <= (1 << 30), "receiveBufferBytes",
                    receiveBufferBytes);
            check(sendBufferMaxBytes >= 1024 && sendBufferMaxBytes <= (1 << 30), "sendBufferMaxBytes",
                    sendBufferMaxBytes);
            check(receiveBufferMaxBytes >= 1024 && receiveBufferMaxBytes <= (1 << 30), "receiveBufferMaxBytes",
                    receiveBufferMaxBytes);
            check(reassemblyFramesTotal >= 0 && reassemblyFramesTotal <= (1 << 24), "reassemblyFramesTotal",
                    reassemblyFramesTotal);
            check(receiveFramesTotal >= 1 && receiveFramesTotal <= (1 << 24), "receiveFramesTotal",
                    receiveFramesTotal);
            check(receiveFramesPerConnection >= 1 && receiveFramesPerConnection <= receiveFramesTotal,
                    "receiveFramesPerConnection", receiveFramesPerConnection);
            check(framesPerFullSegment >= 1 && framesPerFullSegment <= 16, "framesPerFullSegment", framesPerFullSegment);
            check(minRtoNs > 0, "minRtoNs", minRtoNs);
            check(maxRtoNs >= minRtoNs, "maxRtoNs", maxRtoNs);
            check(initialRtoNs >= minRtoNs && initialRtoNs <= maxRtoNs, "initialRtoNs", initialRtoNs);
            check(maxRetransmissions >= 1 && maxRetransmissions <= 100, "maxRetransmissions", maxRetransmissions);
            check(synRetries >= 0 && synRetries <= 100, "synRetries", synRetries);
            check(delayedAckTimeoutNs >= 0 && delayedAckTimeoutNs <= 500_000_000L, "delayedAckTimeoutNs",
                    delayedAckTimeoutNs);
            check(timeWaitNs >= 0, "timeWaitNs", timeWaitNs);
            check(defaultBacklog >= 1, "defaultBacklog", defaultBacklog);
            check(maxConnections >= 1, "maxConnections", maxConnections);
            check(maxTimeWait >= 0, "maxTimeWait", maxTimeWait);
            check(ephemeralPortFirst >= 1 && ephemeralPortFirst <= 65_535, "ephemeralPortFirst", ephemeralPortFirst);
            check(ephemeralPortLast >= ephemeralPortFirst && ephemeralPortLast <= 65_535, "ephemeralPortLast",
                    ephemeralPortLast);
            check(reassemblyLimitSegments >= 0 && reassemblyLimitSegments <= 4096, "reassemblyLimitSegments",
                    reassemblyLimitSegments);
            check(keepAliveIdleNs > 0, "keepAliveIdleNs", keepAliveIdleNs);
            check(keepAliveIntervalNs > 0, "keepAliveIntervalNs", keepAliveIntervalNs);
            check(keepAliveCount >= 1 && keepAliveCount <= 255, "keepAliveCount", keepAliveCount);
            check(userTimeoutNs >= 0, "userTimeoutNs", userTimeoutNs);
            check(maxHalfOpen >= 1, "maxHalfOpen", maxHalfOpen);
            if (congestionAlgorithm == null) {
                throw new IllegalArgumentException("bad TCP setting congestionAlgorithm=null");
            }
            check(challengeAcksPerSecond >= 1 && challengeAcksPerSecond <= 1_000_000, "challengeAcksPerSecond",
                    challengeAcksPerSecond);
            if (!secretSet || !seedSet) {
                SecureRandom random = new SecureRandom();
                if (!secretSet) {
                    isnSecretHigh = random.nextLong();
                    isnSecretLow = random.nextLong();
                    secretSet = true;
                }
                if (!seedSet) {
                    portSeed = random.nextLong();
                    seedSet = true;
                }
            }
            return new TcpConfig(this);
        }

        private static void check(boolean ok, String name, long value) {
            if (!ok) {
                throw new IllegalArgumentException("bad TCP setting " + name + "=" + value);
            }
        }
    }
}
