package io.bypass.stack.tcp;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.wire.TcpOptions;

/**
 * The fields of one received segment, parsed once by the {@link TcpLayer} and handed to a
 * connection or listener. One instance is reused for every segment (no allocation); it is
 * valid only during the call.
 */
final class Segment {
    Frame frame;
    int srcIp;
    int dstIp;
    int srcPort;
    int dstPort;
    int seq;
    int ack;
    int flags;
    int window;
    /** Where the payload starts in {@code frame.memory()}. */
    int payloadOffset;
    int payloadLength;
    /** The MSS option, or -1. */
    int mss;
    /**
     * Every option of the segment (window scale, SACK, timestamps); reports none when the
     * header had none or they were malformed. Shared, valid only during the call.
     */
    TcpOptions options;

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** @return payload plus one each for SYN and FIN (RFC 9293 section 3.4) */
    int sequenceLength() {
        return payloadLength + ((flags & io.bypass.stack.wire.TcpHeader.SYN) != 0 ? 1 : 0)
                + ((flags & io.bypass.stack.wire.TcpHeader.FIN) != 0 ? 1 : 0);
    }
}
