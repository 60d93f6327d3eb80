package io.bypass.stack;

import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.MacAddress;

/**
 * A stack's settings: immutable, built with {@link #builder()} and validated in
 * {@link Builder#build()}, where a bad value throws an {@link IllegalArgumentException}
 * whose message starts with the setting's name.
 *
 * <p>Defaults follow common practice: TTL 64 (RFC 1700, Linux), ARP reachable time 30 s
 * and retries every second, three tries (RFC 1122 section 2.3.2.1 asks for a bounded
 * rate; Linux's mcast_solicit is 3).
 */
public final class StackConfig {
    private final long mac;
    private final int ip;
    private final int prefixLength;
    private final int gateway;
    private final int ttl;
    private final long arpReachableTimeNs;
    private final long arpRetryIntervalNs;
    private final int arpMaxRequests;
    private final int arpCacheSize;
    private final int arpQueuePerNeighbour;
    private final int arpQueueTotal;
    private final int rxBurstSize;
    private final int txBurstSize;
    private final int udpReceiveQueueLength;
    private final int icmpErrorsPerSecond;
    private final int icmpErrorBurst;
    private final TcpConfig tcp;
    private final long timerTickNs;
    private final long reassemblyTimeoutNs;
    private final int reassemblyMemoryBytes;
    private final int reassemblyMaxDatagramBytes;
    private final int pathMtuCacheSize;
    private final long pathMtuExpiryNs;
    private final int pathMtuMinimum;
    private final int udpReceiveFramesTotal;

    private StackConfig(Builder b) {
        this.mac = b.mac;
        this.ip = b.ip;
        this.prefixLength = b.prefixLength;
        this.gateway = b.gateway;
        this.ttl = b.ttl;
        this.arpReachableTimeNs = b.arpReachableTimeNs;
        this.arpRetryIntervalNs = b.arpRetryIntervalNs;
        this.arpMaxRequests = b.arpMaxRequests;
        this.arpCacheSize = b.arpCacheSize;
        this.arpQueuePerNeighbour = b.arpQueuePerNeighbour;
        this.arpQueueTotal = b.arpQueueTotal;
        this.rxBurstSize = b.rxBurstSize;
        this.txBurstSize = b.txBurstSize;
        this.udpReceiveQueueLength = b.udpReceiveQueueLength;
        this.icmpErrorsPerSecond = b.icmpErrorsPerSecond;
        this.icmpErrorBurst = b.icmpErrorBurst;
        this.tcp = b.tcp;
        this.timerTickNs = b.timerTickNs;
        this.reassemblyTimeoutNs = b.reassemblyTimeoutNs;
        this.reassemblyMemoryBytes = b.reassemblyMemoryBytes;
        this.reassemblyMaxDatagramBytes = b.reassemblyMaxDatagramBytes;
        this.pathMtuCacheSize = b.pathMtuCacheSize;
        this.pathMtuExpiryNs = b.pathMtuExpiryNs;
        this.pathMtuMinimum = b.pathMtuMinimum;
        this.udpReceiveFramesTotal = b.udpReceiveFramesTotal;
    }

    /** @return a builder with the defaults; {@code mac} and {@code ip} have none and must be set */
    public static Builder builder() {
        return new Builder();
    }

    /** @return our MAC address */
    public long mac() {
        return mac;
    }

    /** @return our IPv4 address */
    public int ip() {
        return ip;
    }

    /** @return the on-link prefix length */
    public int prefixLength() {
        return prefixLength;
    }

    /** @return the default gateway, or {@link Ipv4Address#ANY} when there is none */
    public int gateway() {
        return gateway;
    }

    /** @return the TTL of packets we send */
    public int ttl() {
        return ttl;
    }

    /** @return how long an ARP answer is trusted before it is confirmed again on use */
    public long arpReachableTimeNs() {
        return arpReachableTimeNs;
    }

    /** @return time between ARP requests for an unanswered address */
    public long arpRetryIntervalNs() {
        return arpRetryIntervalNs;
    }

    /** @return ARP requests sent for one resolution before it fails */
    public int arpMaxRequests() {
        return arpMaxRequests;
    }

    /** @return neighbours the ARP cache holds */
    public int arpCacheSize() {
        return arpCacheSize;
    }

    /** @return packets queued per unresolved neighbour */
    public int arpQueuePerNeighbour() {
        return arpQueuePerNeighbour;
    }

    /** @return packets queued for all unresolved neighbours together */
    public int arpQueueTotal() {
        return arpQueueTotal;
    }

    /** @return frames taken from the link per poll at most */
    public int rxBurstSize() {
        return rxBurstSize;
    }

    /** @return frames handed to the link per transmit call at most */
    public int txBurstSize() {
        return txBurstSize;
    }

    /** @return datagrams a UDP socket queues before it drops */
    public int udpReceiveQueueLength() {
        return udpReceiveQueueLength;
    }

    /** @return the sustained rate of ICMP errors we send */
    public int icmpErrorsPerSecond() {
        return icmpErrorsPerSecond;
    }

    /** @return how many ICMP errors may go out back to back */
    public int icmpErrorBurst() {
        return icmpErrorBurst;
    }

    /** @return the TCP settings */
    public TcpConfig tcp() {
        return tcp;
    }

    /** @return the timer wheel's tick */
    public long timerTickNs() {
        return timerTickNs;
    }

    /** @return how long a datagram may wait for its missing fragments */
    public long reassemblyTimeoutNs() {
        return reassemblyTimeoutNs;
    }

    /** @return bytes of off-heap buffers fragment reassembly may use in all */
    public int reassemblyMemoryBytes() {
        return reassemblyMemoryBytes;
    }

    /** @return the largest datagram (IP total length) reassembly accepts */
    public int reassemblyMaxDatagramBytes() {
        return reassemblyMaxDatagramBytes;
    }

    /**
     * @return how many datagrams can be in reassembly (or reassembled and not yet consumed)
     *         at once: the memory limit divided by the buffer size for the largest datagram
     */
    public int reassemblyBuffers() {
        return reassemblyMemoryBytes / reassemblyBufferBytes();
    }

    /**
     * @return bytes of one reassembly buffer: room for an Ethernet header, the largest IPv4
     *         header (the first fragment's, quoted if reassembly times out) and the payload
     *         of the largest datagram
     */
    public int reassemblyBufferBytes() {
        return reassemblyBufferBytes(reassemblyMaxDatagramBytes);
    }

    private static int reassemblyBufferBytes(int maxDatagramBytes) {
        return 14 + 60 + maxDatagramBytes - 20;
    }

    /** @return destinations the path MTU table holds */
    public int pathMtuCacheSize() {
        return pathMtuCacheSize;
    }

    /** @return how long a learned path MTU is used before the link MTU is tried again */
    public long pathMtuExpiryNs() {
        return pathMtuExpiryNs;
    }

    /** @return the smallest path MTU believed from an ICMP fragmentation-needed message */
    public int pathMtuMinimum() {
        return pathMtuMinimum;
    }

    /** @return received frames all UDP sockets together may hold, unread */
    public int udpReceiveFramesTotal() {
        return udpReceiveFramesTotal;
    }

    /** @return whether {@code address} is on our link (same prefix) */
    public boolean onLink(int address) {
        return Ipv4Address.sameSubnet(address, ip, prefixLength);
    }

    /**
     * @return our subnet's directed broadcast address, or {@link Ipv4Address#BROADCAST} for
     *         /31 and /32, which have none (RFC 3021)
     */
    public int subnetBroadcast() {
        return prefixLength >= 31 ? Ipv4Address.BROADCAST : ip | ~Ipv4Address.mask(prefixLength);
    }

    @Override
    public String toString() {
        return "StackConfig[mac=" + MacAddress.toString(mac) + " ip=" + Ipv4Address.toString(ip) + "/" + prefixLength
                + " gateway=" + (gateway == 0 ? "none" : Ipv4Address.toString(gateway)) + " ttl=" + ttl + "]";
    }

    /** Collects settings; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private static final long SECOND_NS = 1_000_000_000L;
        /** Reassembly looks datagrams up by a scan of those in progress: keep the table small. */
        private static final int MAX_REASSEMBLY_BUFFERS = 4096;
        private long mac = -1;
        private int ip;
        private boolean ipSet;
        private int prefixLength = 24;
        private int gateway = Ipv4Address.ANY;
        private int ttl = 64;
        private long arpReachableTimeNs = 30 * SECOND_NS;
        private long arpRetryIntervalNs = SECOND_NS;
        private int arpMaxRequests = 3;
        private int arpCacheSize = 256;
        private int arpQueuePerNeighbour = 4;
        private int arpQueueTotal = 64;
        private int rxBurstSize = 32;
        private int txBurstSize = 32;
        private int udpReceiveQueueLength = 64;
        private int icmpErrorsPerSecond = 100;
        private int icmpErrorBurst = 10;
        private TcpConfig tcp = TcpConfig.defaults();
        private long timerTickNs = 1_000_000L;
        private long reassemblyTimeoutNs = 30 * SECOND_NS;
        private int reassemblyMemoryBytes = 4 << 20;
        private int reassemblyMaxDatagramBytes = 65_535;
        private int pathMtuCacheSize = 64;
        private long pathMtuExpiryNs = 600 * SECOND_NS;
        private int pathMtuMinimum = 552;
        private int udpReceiveFramesTotal = 1024;

        private Builder() {
        }

        /** Our MAC address, low 48 bits (required). */
        public Builder mac(long mac) {
            this.mac = mac;
            return this;
        }

        /** Our MAC address as text, {@code aa:bb:cc:dd:ee:ff} (required). */
        public Builder mac(String mac) {
            return mac(MacAddress.parse(mac));
        }

        /** Our IPv4 address (required). */
        public Builder ip(int ip) {
            this.ip = ip;
            this.ipSet = true;
            return this;
        }

        /** Our IPv4 address as dotted-quad text (required). */
        public Builder ip(String ip) {
            return ip(Ipv4Address.parse(ip));
        }

        /** On-link prefix length, 1..32 (default 24). */
        public Builder prefixLength(int prefixLength) {
            this.prefixLength = prefixLength;
            return this;
        }

        /** Default gateway, on-link; {@link Ipv4Address#ANY} for none (the default). */
        public Builder gateway(int gateway) {
            this.gateway = gateway;
            return this;
        }

        /** Default gateway as dotted-quad text. */
        public Builder gateway(String gateway) {
            return gateway(Ipv4Address.parse(gateway));
        }

        /** TTL of packets we send, 1..255 (default 64). */
        public Builder ttl(int ttl) {
            this.ttl = ttl;
            return this;
        }

        /** How long an ARP answer is trusted (default 30 s). */
        public Builder arpReachableTimeNs(long arpReachableTimeNs) {
            this.arpReachableTimeNs = arpReachableTimeNs;
            return this;
        }

        /** Time between ARP requests for one address (default 1 s). */
        public Builder arpRetryIntervalNs(long arpRetryIntervalNs) {
            this.arpRetryIntervalNs = arpRetryIntervalNs;
            return this;
        }

        /** ARP requests per resolution before it fails (default 3). */
        public Builder arpMaxRequests(int arpMaxRequests) {
            this.arpMaxRequests = arpMaxRequests;
            return this;
        }

        /** Neighbours the ARP cache holds (default 256). */
        public Builder arpCacheSize(int arpCacheSize) {
            this.arpCacheSize = arpCacheSize;
            return this;
        }

        /** Packets queued per unresolved neighbour (default 4). */
        public Builder arpQueuePerNeighbour(int arpQueuePerNeighbour) {
            this.arpQueuePerNeighbour = arpQueuePerNeighbour;
            return this;
        }

        /** Packets queued for all unresolved neighbours (default 64). */
        public Builder arpQueueTotal(int arpQueueTotal) {
            this.arpQueueTotal = arpQueueTotal;
            return this;
        }

        /** Frames taken from the link per poll (default 32). */
        public Builder rxBurstSize(int rxBurstSize) {
            this.rxBurstSize = rxBurstSize;
            return this;
        }

        /** Frames per transmit call (default 32). */
        public Builder txBurstSize(int txBurstSize) {
            this.txBurstSize = txBurstSize;
            return this;
        }

        /** Datagrams a UDP socket queues (default 64). */
        public Builder udpReceiveQueueLength(int udpReceiveQueueLength) {
            this.udpReceiveQueueLength = udpReceiveQueueLength;
            return this;
        }

        /** Sustained ICMP error rate (default 100 per second). */
        public Builder icmpErrorsPerSecond(int icmpErrorsPerSecond) {
            this.icmpErrorsPerSecond = icmpErrorsPerSecond;
            return this;
        }

        /** ICMP errors that may go out back to back (default 10). */
        public Builder icmpErrorBurst(int icmpErrorBurst) {
            this.icmpErrorBurst = icmpErrorBurst;
            return this;
        }

        /** TCP settings (default {@link TcpConfig#defaults()}). */
        public Builder tcp(TcpConfig tcp) {
            this.tcp = tcp;
            return this;
        }

        /** The timer wheel's tick (default 1 ms). */
        public Builder timerTickNs(long timerTickNs) {
            this.timerTickNs = timerTickNs;
            return this;
        }

        /** How long a datagram may wait for its missing fragments (default 30 s, Linux ipfrag_time). */
        public Builder reassemblyTimeoutNs(long reassemblyTimeoutNs) {
            this.reassemblyTimeoutNs = reassemblyTimeoutNs;
            return this;
        }

        /**
         * Off-heap bytes fragment reassembly may use (default 4 MiB, Linux ipfrag_high_thresh);
         * allocated at the first fragment, in buffers sized for the largest datagram.
         */
        public Builder reassemblyMemoryBytes(int reassemblyMemoryBytes) {
            this.reassemblyMemoryBytes = reassemblyMemoryBytes;
            return this;
        }

        /** Largest datagram reassembled, 576..65535 (default 65,535; RFC 791 requires 576). */
        public Builder reassemblyMaxDatagramBytes(int reassemblyMaxDatagramBytes) {
            this.reassemblyMaxDatagramBytes = reassemblyMaxDatagramBytes;
            return this;
        }

        /** Destinations the path MTU table holds (default 64). */
        public Builder pathMtuCacheSize(int pathMtuCacheSize) {
            this.pathMtuCacheSize = pathMtuCacheSize;
            return this;
        }

        /** How long a learned path MTU is kept (default 10 min, RFC 1191 section 6.3). */
        public Builder pathMtuExpiryNs(long pathMtuExpiryNs) {
            this.pathMtuExpiryNs = pathMtuExpiryNs;
            return this;
        }

        /** Smallest path MTU believed, 68..1500 (default 552, Linux min_pmtu; RFC 791 minimum 68). */
        public Builder pathMtuMinimum(int pathMtuMinimum) {
            this.pathMtuMinimum = pathMtuMinimum;
            return this;
        }

        /** Received frames all UDP sockets together may hold unread (default 1024). */
        public Builder udpReceiveFramesTotal(int udpReceiveFramesTotal) {
            this.udpReceiveFramesTotal = udpReceiveFramesTotal;
            return this;
        }

        /**
         * @return the validated settings
         * @throws IllegalArgumentException naming the first bad setting
         */
        public StackConfig build() {
            if (mac == -1) {
                throw bad("mac", "is required");
            }
            if ((mac >>> 48) != 0 || mac == MacAddress.ZERO || MacAddress.isMulticast(mac)) {
                throw bad("mac", "must be a unicast address, not " + MacAddress.toString(mac & MacAddress.BROADCAST));
            }
            if (!ipSet) {
                throw bad("ip", "is required");
            }
            if (ip == Ipv4Address.ANY || ip == Ipv4Address.BROADCAST || Ipv4Address.isMulticast(ip)
                    || (ip >>> 24) == 127) {
                throw bad("ip", "must be a unicast address, not " + Ipv4Address.toString(ip));
            }
            if (prefixLength < 1 || prefixLength > 32) {
                throw bad("prefixLength", "must be 1..32, not " + prefixLength);
            }
            if (gateway != Ipv4Address.ANY) {
                if (!Ipv4Address.sameSubnet(gateway, ip, prefixLength)) {
                    throw bad("gateway", Ipv4Address.toString(gateway) + " is not on-link for "
                            + Ipv4Address.toString(ip) + "/" + prefixLength);
                }
                if (gateway == ip) {
                    throw bad("gateway", "must not be our own address " + Ipv4Address.toString(ip));
                }
            }
            if (ttl < 1 || ttl > 255) {
                throw bad("ttl", "must be 1..255, not " + ttl);
            }
            positive("arpReachableTimeNs", arpReachableTimeNs);
            positive("arpRetryIntervalNs", arpRetryIntervalNs);
            range("arpMaxRequests", arpMaxRequests, 1, 100);
            range("arpCacheSize", arpCacheSize, 1, 1 << 20);
            range("arpQueuePerNeighbour", arpQueuePerNeighbour, 1, 1 << 16);
            range("arpQueueTotal", arpQueueTotal, arpQueuePerNeighbour, 1 << 20);
            range("rxBurstSize", rxBurstSize, 1, 4096);
            range("txBurstSize", txBurstSize, 1, 4096);
            range("udpReceiveQueueLength", udpReceiveQueueLength, 1, 1 << 20);
            range("icmpErrorsPerSecond", icmpErrorsPerSecond, 1, 1_000_000);
            range("icmpErrorBurst", icmpErrorBurst, 1, 1_000_000);
            if (tcp == null) {
                throw bad("tcp", "is required");
            }
            positive("timerTickNs", timerTickNs);
            positive("reassemblyTimeoutNs", reassemblyTimeoutNs);
            range("reassemblyMaxDatagramBytes", reassemblyMaxDatagramBytes, 576, 65_535);
            int buffer = reassemblyBufferBytes(reassemblyMaxDatagramBytes);
            if (reassemblyMemoryBytes < buffer || reassemblyMemoryBytes / buffer > MAX_REASSEMBLY_BUFFERS) {
                throw bad("reassemblyMemoryBytes", "must hold 1.." + MAX_REASSEMBLY_BUFFERS + " buffers of "
                        + buffer + " bytes (for reassemblyMaxDatagramBytes " + reassemblyMaxDatagramBytes
                        + "), not " + reassemblyMemoryBytes);
            }
            range("pathMtuCacheSize", pathMtuCacheSize, 1, 1 << 16);
            positive("pathMtuExpiryNs", pathMtuExpiryNs);
            range("pathMtuMinimum", pathMtuMinimum, 68, 1500);
            range("udpReceiveFramesTotal", udpReceiveFramesTotal, 1, 1 << 24);
            return new StackConfig(this);
        }

        private static void positive(String name, long value) {
            if (value <= 0) {
                throw bad(name, "must be positive, not " + value);
            }
        }

        private static void range(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw bad(name, "must be " + min + ".." + max + ", not " + value);
            }
        }

        private static IllegalArgumentException bad(String name, String problem) {
            return new IllegalArgumentException(name + " " + problem);
        }
    }
}
