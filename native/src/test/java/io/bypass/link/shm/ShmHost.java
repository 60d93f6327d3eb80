package io.bypass.link.shm;

import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.wire.Ipv4Address;

/**
 * A complete stack over one {@link ShmLink} end, polled with the real clock: the client
 * is 10.0.0.1, the server 10.0.0.2 listening on {@link #PORT}.
 */
final class ShmHost {
    static final int PORT = 7;
    static final int CLIENT_IP = Ipv4Address.parse("10.0.0.1");
    static final int SERVER_IP = Ipv4Address.parse("10.0.0.2");
    /** Every test bails out after this long instead of hanging (a bound, not a timing assert). */
    static final long GIVE_UP_NS = 60_000_000_000L;

    final ShmLink link;
    final NetworkStack stack;

    ShmHost(ShmLink link, boolean server) {
        this(link, server, link.mtu() - 40);
    }

    /**
     * @param mssCap the largest MSS; the link's MTU less the IPv4 and TCP headers uses the
     *               whole frame, the stack's default of 1460 is what the first version ran
     */
    ShmHost(ShmLink link, boolean server, int mssCap) {
        this.link = link;
        StackConfig config = StackConfig.builder().mac(server ? 0x02_00_00_00_00_02L : 0x02_00_00_00_00_01L)
                .ip(server ? SERVER_IP : CLIENT_IP).prefixLength(24)
                .tcp(TcpConfig.defaults().toBuilder().mssCap(Math.min(mssCap, 65_495)).build()).build();
        this.stack = new NetworkStack(config, link, System.nanoTime());
    }

    /** Polls the stack once with the real clock. */
    void poll() {
        stack.poll(System.nanoTime());
    }

    /** @return the test config: MTU 9000, 256 slots, a 200 ms peer timeout */
    static ShmLinkConfig config() {
        return config(9000);
    }

    /** @return a config of the given MTU, 256 slots, a 200 ms peer timeout */
    static ShmLinkConfig config(int mtu) {
        return new ShmLinkConfig(mtu, 256, 512, 200_000_000L);
    }
}
