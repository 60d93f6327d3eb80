package io.bypass.stack.tcp;

import io.bypass.stack.wire.TcpOptions;
import java.lang.foreign.MemorySegment;

/**
 * The options one outgoing segment carries, filled by a connection just before it sends and
 * written by {@link SegmentOutput}. One instance per layer, reused for every segment (the
 * layer is single-threaded), so choosing options allocates nothing.
 *
 * <p>Layout, as Linux writes it (RFC 7323 appendix A keeps every option 32-bit aligned):
 * <pre>
 *  SYN:  MSS(4) | SACK-OK+TS(12) or NOP,NOP,TS(12) or NOP,NOP,SACK-OK(4) | NOP,WS(4)   at most 20
 *  else: NOP,NOP,TS(12) | NOP,NOP,SACK(4 + 8n)                                        at most 40
 * </pre>
 */
final class SegmentOptions {
    /** MSS option value, or 0 for none. */
    int mss;
    /** Window scale shift to offer, or -1 for none. */
    int windowScale = -1;
    /** Whether to send SACK-permitted. */
    boolean sackPermitted;
    /** Whether to send a timestamps option. */
    boolean timestamps;
    int tsVal;
    int tsEcr;
    /** SACK blocks to send (0..4), edges in {@link #sackEdges}. */
    int sackBlocks;
    final int[] sackEdges = new int[2 * TcpOptions.MAX_SACK_BLOCKS];

    /** Forgets everything: a segment without options. */
    SegmentOptions clear() {
        mss = 0;
        windowScale = -1;
        sackPermitted = false;
        timestamps = false;
        sackBlocks = 0;
        return this;
    }

    /** @return option bytes {@link #write} produces */
    int length() {
        int n = mss > 0 ? TcpOptions.MSS_LENGTH : 0;
        if (timestamps) {
            n += TcpOptions.TIMESTAMPS_LENGTH;
        } else if (sackPermitted) {
            n += TcpOptions.SACK_PERMITTED_LENGTH;
        }
        if (windowScale >= 0) {
            n += TcpOptions.WINDOW_SCALE_LENGTH;
        }
        if (sackBlocks > 0) {
            n += TcpOptions.SACK_HEADER_LENGTH + TcpOptions.SACK_BLOCK_LENGTH * sackBlocks;
        }
        return n;
    }

    /**
     * Writes the options at {@code offset}.
     *
     * @return bytes written, {@link #length()}
     */
    int write(MemorySegment memory, long offset) {
        long p = offset;
        if (mss > 0) {
            p += TcpOptions.writeMss(memory, p, mss);
        }
        if (timestamps) {
            p += sackPermitted ? TcpOptions.writeSackPermittedTimestamps(memory, p, tsVal, tsEcr)
                    : TcpOptions.writeTimestamps(memory, p, tsVal, tsEcr);
        } else if (sackPermitted) {
            p += TcpOptions.writeSackPermitted(memory, p);
        }
        if (windowScale >= 0) {
            p += TcpOptions.writeWindowScale(memory, p, windowScale);
        }
        if (sackBlocks > 0) {
            p += TcpOptions.writeSack(memory, p, sackEdges, sackBlocks);
        }
        return (int) (p - offset);
    }
}
