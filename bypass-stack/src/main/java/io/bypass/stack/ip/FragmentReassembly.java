package io.bypass.stack.ip;

import io.bypass.stack.Counter;
import io.bypass.stack.StackConfig;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.time.Timer;
import io.bypass.stack.time.TimerWheel;
import io.bypass.stack.wire.EthernetHeader;
import io.bypass.stack.wire.IcmpHeader;
import io.bypass.stack.wire.IpProtocol;
import io.bypass.stack.wire.Ipv4Header;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * IPv4 fragment reassembly (RFC 791 section 3.2, RFC 1122 section 3.3.2): datagrams in
 * reassembly keyed by (source, destination, protocol, identification), each assembled in
 * its own large buffer, handed on as one contiguous packet when complete.
 *
 * <p>Each fragment's payload is copied into the buffer at its offset and the received
 * frame released at once, so reassembly never holds link frames: its memory is its own
 * pool of {@link StackConfig#reassemblyBuffers()} buffers, allocated at the first
 * fragment and reused from then on. A buffer handed on with a complete datagram returns
 * to the pool when its transport releases it.
 *
 * <pre>
 *   0          14           54           74 - ihl        74                     74 + payload
 *   | Ethernet |  (unused)  | rebuilt IP header, once     | payload, each fragment's  |
 *   | (unused) |            | complete / first fragment's | bytes at their offset     |
 *   |          |            | header while in reassembly  |                           |
 * </pre>
 *
 * <p>Which bytes have arrived is kept as a short sorted list of received ranges per
 * datagram (the complement of RFC 815's hole list; adjacent ranges merge, so fragments in
 * order keep one range). Overlaps are handled as RFC 5722 asks of IPv6: bytes received
 * twice must agree, else the whole datagram is dropped (an attacker cannot rewrite a
 * header by overlapping it, RFC 1858 section 4); a fragment adding nothing new is
 * ignored. Datagrams are few and looked up by a scan of those in reassembly.
 *
 * <p>Limits: a datagram may not exceed 65,535 bytes (RFC 791) nor the configured
 * maximum; when no buffer is free the oldest datagram in reassembly is evicted (Linux's
 * behaviour before 4.17: a flood of incomplete datagrams cannot freeze reassembly until
 * they time out); when every buffer holds a complete datagram not yet consumed, new
 * fragments are dropped. Each datagram has {@link StackConfig#reassemblyTimeoutNs()}
 * from its first fragment; if fragment zero had come, the sender gets an ICMP time
 * exceeded, code 1 (RFC 1122 section 3.3.2).
 */
final class FragmentReassembly {
    /** Where the payload starts in a buffer: after an Ethernet header and the longest IPv4 header. */
    static final int PAYLOAD_AT = EthernetHeader.LENGTH + 60;
    /** Where the rebuilt 20-byte header of a complete datagram starts. */
    static final int HEADER_AT = PAYLOAD_AT - Ipv4Header.MIN_LENGTH;
    /** Received ranges tracked per datagram; more gaps than this is an attack or a very odd path. */
    static final int MAX_RANGES = 32;
    /** RFC 1858 section 3.2: a first TCP fragment shorter than this may hide the flags in the second. */
    private static final int MIN_FIRST_TCP_FRAGMENT = 16;
    /** RFC 1858 section 3.2: a TCP fragment at offset 8 overwrites the flags of the first. */
    private static final int TCP_FLAGS_OVERWRITE_OFFSET = 8;
    private static final int ICMP_CODE_REASSEMBLY_TIME_EXCEEDED = 1;

    private final StackCounters counters;
    private final TimerWheel timers;
    private final int capacity;
    private final int bufferBytes;
    private final int maxPayload;
    private final long timeoutNs;
    private final Timer timer = new Timer(this::onTimer);
    private final Ipv4Header first = new Ipv4Header();
    private final Ipv4Header rebuilt = new Ipv4Header();
    private IcmpErrorSender errors;
    /** Created at the first fragment: a stack that never sees one pays nothing. */
    private FramePool pool;

    // One entry per datagram in reassembly, dense in [0, active).
    private final int[] sources;
    private final int[] destinations;
    /** Protocol in bits 16..23, identification in bits 0..15. */
    private final int[] protocolIds;
    private final Frame[] buffers;
    private final long[] deadlinesNs;
    /** Payload length once the last fragment (MF clear) came, else -1. */
    private final int[] payloadLengths;
    /** Header length of fragment zero once it came (its header waits before the payload), else 0. */
    private final int[] firstHeaderLengths;
    private final int[] rangeCounts;
    /** Per datagram {@link #MAX_RANGES} pairs of [start, end) payload offsets, sorted, disjoint, not adjacent. */
    private final int[] ranges;
    private int active;

    /**
     * @param config   the buffer count and size, the timeout
     * @param timers   the stack's timer wheel
     * @param counters the stack's counters
     */
    FragmentReassembly(StackConfig config, TimerWheel timers, StackCounters counters) {
        this.counters = counters;
        this.timers = timers;
        this.capacity = config.reassemblyBuffers();
        this.bufferBytes = config.reassemblyBufferBytes();
        this.maxPayload = config.reassemblyMaxDatagramBytes() - Ipv4Header.MIN_LENGTH;
        assert PAYLOAD_AT + maxPayload == bufferBytes : "buffer layout and StackConfig disagree";
        this.timeoutNs = config.reassemblyTimeoutNs();
        this.sources = new int[capacity];
        this.destinations = new int[capacity];
        this.protocolIds = new int[capacity];
        this.buffers = new Frame[capacity];
        this.deadlinesNs = new long[capacity];
        this.payloadLengths = new int[capacity];
        this.firstHeaderLengths = new int[capacity];
        this.rangeCounts = new int[capacity];
        this.ranges = new int[capacity * MAX_RANGES * 2];
    }

    /** Where ICMP time exceeded goes; set once while the stack is built. */
    void errors(IcmpErrorSender errors) {
        this.errors = errors;
    }

    /** @return datagrams in reassembly now */
    int inProgress() {
        return active;
    }

    /** @return reassembly buffers taken: datagrams in reassembly plus complete ones not yet released */
    int buffersInUse() {
        return pool == null ? 0 : pool.inUse();
    }

    /**
     * Takes one fragment. Takes ownership of {@code frame} (copied and released, or released).
     *
     * @param frame  the received fragment, its window the IP packet
     * @param header {@code frame}'s header, wrapped and validated (checksum, addresses)
     * @param nowNs  the caller's current time
     * @return the complete datagram, its window the rebuilt IP packet (20-byte header at
     *         {@link #HEADER_AT}, payload at {@link #PAYLOAD_AT}), owned by the caller; or
     *         {@code null} when the datagram is not complete or the fragment was dropped
     */
    Frame add(Frame frame, Ipv4Header header, long nowNs) {
        int start = header.fragmentOffset();
        int length = header.payloadLength();
        int end = start + length;
        boolean more = header.moreFragments();
        int protocol = header.protocol();
        // RFC 791 section 3.2: every fragment but the last carries a multiple of 8 bytes.
        if (length == 0 || (more && (length & 7) != 0)) {
            return drop(frame, Counter.IP_RX_DROP_FRAGMENT);
        }
        // RFC 791 section 3.1: 65,535 bytes at most (the "ping of death" overflows this).
        if (end > maxPayload) {
            return drop(frame, Counter.IP_FRAG_DROP_TOO_BIG);
        }
        if (protocol == IpProtocol.TCP
                && (start == TCP_FLAGS_OVERWRITE_OFFSET || (start == 0 && length < MIN_FIRST_TCP_FRAGMENT))) {
            return drop(frame, Counter.IP_FRAG_DROP_TINY);
        }
        int source = header.source();
        int destination = header.destination();
        int protocolId = (protocol << 16) | header.identification();
        int slot = find(source, destination, protocolId);
        if (slot < 0) {
            slot = open(source, destination, protocolId, nowNs);
            if (slot < 0) {
                return drop(frame, Counter.IP_FRAG_DROP_NO_BUFFER);
            }
        }
        int total = payloadLengths[slot];
        int rangeBase = slot * MAX_RANGES * 2;
        int receivedEnd = rangeCounts[slot] == 0 ? 0 : ranges[rangeBase + 2 * rangeCounts[slot] - 1];
        // Two last fragments must agree on the length, and nothing may lie beyond it.
        boolean lengthConflict = more ? total >= 0 && end > total
                : (total >= 0 && total != end) || receivedEnd > end;
        if (lengthConflict) {
            discard(slot);
            return drop(frame, Counter.IP_FRAG_DROP_CONFLICT);
        }
        MemorySegment data = frame.memory();
        long dataAt = header.payloadOffset();
        MemorySegment buffer = buffers[slot].memory();
        int covered = 0;
        for (int i = 0; i < rangeCounts[slot]; i++) {
            int from = Math.max(ranges[rangeBase + 2 * i], start);
            int to = Math.min(ranges[rangeBase + 2 * i + 1], end);
            if (from < to) {
                if (MemorySegment.mismatch(buffer, PAYLOAD_AT + from, PAYLOAD_AT + to,
                        data, dataAt + from - start, dataAt + to - start) != -1) {
                    discard(slot);
                    return drop(frame, Counter.IP_FRAG_DROP_CONFLICT);
                }
                covered += to - from;
            }
        }
        if (!more) {
            payloadLengths[slot] = end;
        }
        Counter outcome;
        if (covered == length) {
            outcome = Counter.IP_FRAG_DUPLICATE;
        } else {
            if (!addRange(slot, start, end)) {
                discard(slot);
                return drop(frame, Counter.IP_FRAG_DROP_TOO_MANY_HOLES);
            }
            MemorySegment.copy(data, dataAt, buffer, PAYLOAD_AT + start, length);
            outcome = Counter.IP_FRAG_QUEUED;
        }
        if (start == 0 && firstHeaderLengths[slot] == 0) {
            int headerLength = header.headerLength();
            MemorySegment.copy(data, frame.offset(), buffer, PAYLOAD_AT - headerLength, headerLength);
            firstHeaderLengths[slot] = headerLength;
        }
        frame.release();
        if (!complete(slot)) {
            counters.increment(outcome);
            return null;
        }
        // The fragment that completes the datagram is counted by the transport it goes to.
        return finish(slot);
    }

    private Frame drop(Frame frame, Counter reason) {
        counters.increment(reason);
        frame.release();
        return null;
    }

    private int find(int source, int destination, int protocolId) {
        for (int slot = 0; slot < active; slot++) {
            if (protocolIds[slot] == protocolId && sources[slot] == source && destinations[slot] == destination) {
                return slot;
            }
        }
        return -1;
    }

    /** @return a new entry with a buffer, evicting the oldest datagram if need be; -1 when every buffer holds a complete datagram */
    private int open(int source, int destination, int protocolId, long nowNs) {
        if (pool == null) {
            pool = new FramePool(Arena.ofAuto(), capacity, bufferBytes);
        }
        if (pool.available() == 0 && active > 0) {
            counters.increment(Counter.IP_FRAG_EVICTED);
            discard(oldest());
        }
        Frame buffer = pool.allocate();
        if (buffer == null) {
            return -1;
        }
        int slot = active++;
        sources[slot] = source;
        destinations[slot] = destination;
        protocolIds[slot] = protocolId;
        buffers[slot] = buffer;
        deadlinesNs[slot] = nowNs + timeoutNs;
        payloadLengths[slot] = -1;
        firstHeaderLengths[slot] = 0;
        rangeCounts[slot] = 0;
        if (!timer.isScheduled()) {
            timers.schedule(timer, deadlinesNs[slot]);
        }
        return slot;
    }

    /** Every datagram has the same timeout, so the earliest deadline is the oldest datagram. */
    private int oldest() {
        int oldest = 0;
        for (int slot = 1; slot < active; slot++) {
            if (deadlinesNs[slot] - deadlinesNs[oldest] < 0) {
                oldest = slot;
            }
        }
        return oldest;
    }

    /**
     * Adds [start, end) to the slot's received ranges, merging every range it overlaps or
     * touches.
     *
     * @return false when that would need more than {@link #MAX_RANGES} ranges
     */
    private boolean addRange(int slot, int start, int end) {
        int base = slot * MAX_RANGES * 2;
        int count = rangeCounts[slot];
        int first = 0;
        while (first < count && ranges[base + 2 * first + 1] < start) {
            first++;
        }
        int after = first;
        int mergedStart = start;
        int mergedEnd = end;
        while (after < count && ranges[base + 2 * after] <= end) {
            mergedStart = Math.min(mergedStart, ranges[base + 2 * after]);
            mergedEnd = Math.max(mergedEnd, ranges[base + 2 * after + 1]);
            after++;
        }
        int newCount = count - (after - first) + 1;
        if (newCount > MAX_RANGES) {
            return false;
        }
        System.arraycopy(ranges, base + 2 * after, ranges, base + 2 * (first + 1), 2 * (count - after));
        ranges[base + 2 * first] = mergedStart;
        ranges[base + 2 * first + 1] = mergedEnd;
        rangeCounts[slot] = newCount;
        return true;
    }

    private boolean complete(int slot) {
        int base = slot * MAX_RANGES * 2;
        return payloadLengths[slot] >= 0 && rangeCounts[slot] == 1
                && ranges[base] == 0 && ranges[base + 1] == payloadLengths[slot];
    }

    /**
     * Writes a plain 20-byte header before the payload (options of fragment zero are not
     * kept: a host ignores those it does not implement, RFC 1122 section 3.2.1.8) and
     * hands the buffer over.
     */
    private Frame finish(int slot) {
        Frame buffer = buffers[slot];
        int payloadLength = payloadLengths[slot];
        first.wrapUnchecked(buffer.memory(), PAYLOAD_AT - firstHeaderLengths[slot]);
        int ttl = first.ttl();
        rebuilt.wrapUnchecked(buffer.memory(), HEADER_AT);
        rebuilt.write(Ipv4Header.MIN_LENGTH + payloadLength, protocolIds[slot] & 0xffff, false, ttl,
                protocolIds[slot] >>> 16, sources[slot], destinations[slot]);
        buffer.window(HEADER_AT, Ipv4Header.MIN_LENGTH + payloadLength);
        remove(slot);
        counters.increment(Counter.IP_FRAG_REASSEMBLED);
        return buffer;
    }

    /** Drops a datagram in reassembly and frees its buffer. */
    private void discard(int slot) {
        buffers[slot].release();
        remove(slot);
    }

    /** Forgets an entry (not its buffer), moving the last entry into its place. */
    private void remove(int slot) {
        int last = --active;
        if (slot != last) {
            sources[slot] = sources[last];
            destinations[slot] = destinations[last];
            protocolIds[slot] = protocolIds[last];
            buffers[slot] = buffers[last];
            deadlinesNs[slot] = deadlinesNs[last];
            payloadLengths[slot] = payloadLengths[last];
            firstHeaderLengths[slot] = firstHeaderLengths[last];
            rangeCounts[slot] = rangeCounts[last];
            System.arraycopy(ranges, last * MAX_RANGES * 2, ranges, slot * MAX_RANGES * 2, 2 * rangeCounts[last]);
        }
        buffers[last] = null;
        if (active == 0) {
            timers.cancel(timer);
        }
    }

    private void onTimer(long nowNs) {
        int slot = 0;
        while (slot < active) {
            if (deadlinesNs[slot] - nowNs > 0) {
                slot++;
                continue;
            }
            counters.increment(Counter.IP_FRAG_TIMEOUT);
            int headerLength = firstHeaderLengths[slot];
            if (headerLength > 0 && errors != null) {
                // RFC 1122 section 3.3.2: fragment zero came, so tell the sender; quote its
                // header and first 8 payload bytes (RFC 792), still in place before the payload.
                Frame buffer = buffers[slot];
                buffer.window(PAYLOAD_AT - headerLength, headerLength + 8);
                errors.sendError(IcmpHeader.TYPE_TIME_EXCEEDED, ICMP_CODE_REASSEMBLY_TIME_EXCEEDED, buffer, nowNs);
            }
            // The last entry moves into this slot: look at it again.
            discard(slot);
        }
        if (active > 0) {
            timers.schedule(timer, deadlinesNs[oldest()]);
        }
    }
}
