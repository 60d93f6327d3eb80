package io.bypass.stack.tcp;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.wire.Checksum;
import io.bypass.stack.wire.IpProtocol;
import io.bypass.stack.wire.TcpHeader;

/**
 * Builds segments in fresh frames and hands them to IPv4. Shared by every connection of a
 * layer; its header flyweight is reused, so building a segment allocates nothing. A frame
 * shortage is a lost segment (the retransmission machinery recovers it), not an error.
 */
final class SegmentOutput {
    private final IpSender ip;
    private final StackCounters counters;
    private final TcpHeader header = new TcpHeader();
    /** The link completes the checksum from the pseudo-header sum we leave in the field. */
    private final boolean checksumOffload;
    private final SegmentOptions options = new SegmentOptions();

    SegmentOutput(IpSender ip, StackCounters counters) {
        this.ip = ip;
        this.counters = counters;
        this.checksumOffload = ip.linkCapabilities().txL4ChecksumOffload();
    }

    /**
     * Sends one segment with at most an MSS option (RSTs, and callers without TCP options).
     *
     * @param mss     the MSS option to include (SYN and SYN-ACK), or 0 for none
     * @param data    where the payload comes from, or {@code null} when there is none
     * @param dataFrom offset of the payload in {@code data} (bytes after its head)
     * @param dataLength payload bytes
     * @return whether a frame was found and the segment handed to IPv4
     */
    boolean send(int localIp, int localPort, int remoteIp, int remotePort, int seq, int ack, int flags,
                 int window, int mss, SendBuffer data, int dataFrom, int dataLength, long nowNs) {
        options.clear().mss = mss;
        return send(localIp, localPort, remoteIp, remotePort, seq, ack, flags, window, options, data, dataFrom,
                dataLength, 0, nowNs);
    }

    /** @return the shared options of the next segment, cleared, for a connection to fill */
    SegmentOptions options() {
        return options.clear();
    }

    /**
     * Sends one segment with the given options.
     *
     * @param opts    the options, usually {@link #options()} as filled by the caller
     * @param data    where the payload comes from, or {@code null} when there is none
     * @param dataFrom offset of the payload in {@code data} (bytes after its head)
     * @param dataLength payload bytes
     * @param dscpEcn the IPv4 DSCP and ECN byte (the connection's IP_TOS), 0 by default
     * @return whether a frame was found and the segment handed to IPv4
     */
    boolean send(int localIp, int localPort, int remoteIp, int remotePort, int seq, int ack, int flags,
                 int window, SegmentOptions opts, SendBuffer data, int dataFrom, int dataLength, int dscpEcn,
                 long nowNs) {
        Frame frame = ip.allocate();
        if (frame == null) {
            return false;
        }
        int headerLength = TcpHeader.MIN_LENGTH + opts.length();
        int segmentLength = headerLength + dataLength;
        long at = IpSender.TRANSPORT_OFFSET;
        frame.window(0, IpSender.TRANSPORT_OFFSET + segmentLength);
        header.wrapUnchecked(frame.memory(), at, segmentLength);
        header.write(localPort, remotePort, seq, ack, headerLength, flags, window);
        opts.write(frame.memory(), at + TcpHeader.MIN_LENGTH);
        if (dataLength > 0) {
            data.copyOut(dataFrom, frame.memory(), at + headerLength, dataLength);
        }
        if (checksumOffload) {
            header.checksum(Checksum.pseudoHeaderPartial(localIp, remoteIp, IpProtocol.TCP, segmentLength));
        } else {
            header.writeChecksum(localIp, remoteIp);
        }
        counters.increment(Counter.TCP_SEGMENTS_OUT);
        if ((flags & TcpHeader.RST) != 0) {
            counters.increment(Counter.TCP_RST_SENT);
        }
        ip.send(frame, remoteIp, IpProtocol.TCP, dscpEcn, segmentLength, nowNs);
        return true;
    }
}
