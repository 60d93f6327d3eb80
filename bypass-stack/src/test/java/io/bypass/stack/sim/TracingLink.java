package io.bypass.stack.sim;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.Link;
import io.bypass.stack.wire.EtherType;
import io.bypass.stack.wire.EthernetHeader;
import io.bypass.stack.wire.IpProtocol;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.Ipv4Header;
import io.bypass.stack.wire.TcpHeader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/** Test decorator: remembers the last TCP segments a stack sent, one line each, for failure reports. */
final class TracingLink implements Link {
    private final Link inner;
    private final Deque<String> lines;
    private final int keep;
    private final LongSupplier clock;
    private final String name;
    private final EthernetHeader eth = new EthernetHeader();
    private final Ipv4Header ip = new Ipv4Header();
    private final TcpHeader tcp = new TcpHeader();

    TracingLink(Link inner, String name, Deque<String> shared, int keep, LongSupplier clock) {
        this.inner = inner;
        this.name = name;
        this.lines = shared;
        this.keep = keep;
        this.clock = clock;
    }

    static Deque<String> newLog() {
        return new ArrayDeque<>();
    }

    @Override
    public int receive(Frame[] burst, int max) {
        return inner.receive(burst, max);
    }

    @Override
    public Frame allocate() {
        return inner.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        for (int i = 0; i < count; i++) {
            Frame f = burst[i];
            if (!eth.wrap(f.memory(), f.offset(), f.length()) || eth.etherType() != EtherType.IPV4) {
                continue;
            }
            if (!ip.wrap(f.memory(), eth.payloadOffset(), eth.payloadLength()) || ip.protocol() != IpProtocol.TCP) {
                continue;
            }
            if (!tcp.wrap(f.memory(), ip.payloadOffset(), ip.payloadLength())) {
                continue;
            }
            StringBuilder flags = new StringBuilder();
            String[] names = {"F", "S", "R", "P", "A"};
            for (int b = 0; b < names.length; b++) {
                if ((tcp.flags() & (1 << b)) != 0) {
                    flags.append(names[b]);
                }
            }
            lines.addLast(String.format("%12.6f ms %s %s:%d > %s:%d [%s] seq=%d ack=%d win=%d len=%d",
                    clock.getAsLong() / 1e6, name, Ipv4Address.toString(ip.source()), tcp.sourcePort(),
                    Ipv4Address.toString(ip.destination()), tcp.destinationPort(), flags,
                    tcp.sequence() & 0xffffffffL, tcp.acknowledgment() & 0xffffffffL, tcp.window(),
                    tcp.payloadLength()));
            while (lines.size() > keep) {
                lines.removeFirst();
            }
        }
        return inner.transmit(burst, count);
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }
}
