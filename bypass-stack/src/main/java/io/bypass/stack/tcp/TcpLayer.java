package io.bypass.stack.tcp;

import io.bypass.stack.Counter;
import io.bypass.stack.StackCounters;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.ip.IpSender;
import io.bypass.stack.ip.TransportProtocol;
import io.bypass.stack.time.TimerWheel;
import java.lang.foreign.MemorySegment;

/** TCP as the IPv4 layer sees it. Placeholder replaced by the tcp branch at merge. */
public final class TcpLayer implements TransportProtocol {
    private final StackCounters counters;

    /**
     * @param config   TCP settings
     * @param ip       where segments are sent
     * @param timers   the stack's timer wheel
     * @param counters the stack's counters
     */
    public TcpLayer(TcpConfig config, IpSender ip, TimerWheel timers, StackCounters counters) {
        this.counters = counters;
    }

    @Override
    public void receive(Frame frame, int offset, int length, int srcIp, int dstIp, long nowNs) {
        counters.increment(Counter.TCP_RX_NO_SOCKET);
        frame.release();
    }

    @Override
    public void onIcmpError(int type, int code, int nextHopMtu, int originalSrcIp, int originalDstIp,
                            MemorySegment memory, long transportOffset, int transportLength, long nowNs) {
    }
}
