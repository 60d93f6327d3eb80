package io.bypass.stack.tcp;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.ip.IpSender;
import java.util.ArrayDeque;

/** An {@link IpSender} over a real {@link FramePool} that captures what is sent. */
final class FakeIp implements IpSender {
    /** One captured packet, with the DSCP and ECN byte its IPv4 header would carry. */
    record Sent(Frame frame, int dstIp, int transportLength, int dscpEcn) {
    }

    final FramePool pool;
    final ArrayDeque<Sent> sent = new ArrayDeque<>();
    final int localIp;
    int mtu = 1500;
    /** What {@link #transmitRoom} says: unbounded unless a test fills the queue. */
    int room = Integer.MAX_VALUE;

    FakeIp(FramePool pool, int localIp) {
        this.pool = pool;
        this.localIp = localIp;
    }

    @Override
    public int transmitRoom() {
        return room;
    }

    @Override
    public Frame allocate() {
        return pool.allocate();
    }

    @Override
    public void send(Frame frame, int dstIp, int protocol, int dscpEcn, int transportLength, long nowNs) {
        sent.add(new Sent(frame, dstIp, transportLength, dscpEcn));
    }

    @Override
    public int localIp() {
        return localIp;
    }

    @Override
    public int mtu(int dstIp) {
        return mtu;
    }

    /** Releases everything captured and not taken. */
    void drop() {
        while (!sent.isEmpty()) {
            sent.poll().frame().release();
        }
    }
}
