package io.bypass.provider;

import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.InMemoryLink;
import io.bypass.stack.link.Link;
import io.bypass.stack.tcp.TcpConfig;
import java.lang.foreign.Arena;
import java.security.SecureRandom;

/**
 * Builds the provider's {@link StackEngine}s: the in-JVM loopback pair (the shape of its wire:
 * MTU, frame pools, TCP frame budgets) and an engine on an opened device link, each with the
 * TCP configuration its MTU calls for. How an engine runs is {@link StackEngine}'s concern.
 */
final class EngineFactory {
    /**
     * The loopback wire's MTU: the largest IPv4 packet (RFC 791 total length), as Linux's
     * {@code lo} (65,536). Every segment costs a fixed amount of protocol work, while the
     * copies cost per byte; at 1,500 bytes a 256 MiB transfer took 190,000 data segments and
     * ran at 2-5 Gbit/s, at this MTU 4,100 segments and 7-9 Gbit/s (README, Performance).
     * Small segments still copy only their own length, not the frame's capacity.
     */
    private static final int LOOPBACK_MTU = 65_535;
    /**
     * Receive frames per loopback port, each of {@link #LOOPBACK_MTU}: 32 MiB. They hold
     * unread data (one frame per connection that has any, at least) and out-of-order
     * segments; the TCP frame budgets below keep three quarters of them free for that.
     */
    private static final int LOOPBACK_RECEIVE_FRAMES = 512;
    /**
     * Small receive frames per loopback port (copybreak, see {@link InMemoryLink}): 8,192 of
     * 2 KiB, 16 MiB. A short segment (a request, an ACK-sized reply) arrives in one of these,
     * so thousands of connections each holding a short unread message do not need a 64 KiB
     * frame apiece: without them, 2,000 connections with 100 unread bytes each ran the
     * 512 large frames dry and waited for retransmission timeouts.
     */
    private static final int LOOPBACK_COPYBREAK_FRAMES = 8192;
    /** Size of a copybreak frame: a segment of up to 2,048 bytes on the wire, headers included. */
    private static final int LOOPBACK_COPYBREAK_BYTES = 2048;
    /** Transmit frames per loopback port: released when copied, so a stack holds at most a transmit burst of them. */
    private static final int LOOPBACK_TRANSMIT_FRAMES = 128;
    /** Unread-data frames of all connections together: a quarter of the receive pool (see {@link TcpConfig#receiveFramesTotal}). */
    private static final int LOOPBACK_RECEIVE_FRAMES_TOTAL = LOOPBACK_RECEIVE_FRAMES / 4;
    /** Out-of-order frames of all connections together (none are expected on a wire that neither loses nor reorders). */
    private static final int LOOPBACK_REASSEMBLY_FRAMES_TOTAL = LOOPBACK_RECEIVE_FRAMES / 8;
    /** One connection's unread-data frames: 64 full segments are the 4 MiB the receive buffer may grow to. */
    private static final int LOOPBACK_RECEIVE_FRAMES_PER_CONNECTION = 64;
    /**
     * From this MTU on, a link's MSS is about the size of an application's writes: a 64 KiB
     * write at a 64 KiB MSS is a full segment and a 75-byte tail, two receive frames, so the
     * window promises a full segment per two frames ({@link TcpConfig#framesPerFullSegment}).
     * Promising one per frame let a stream whose reader lagged send twice what its frames hold,
     * and the declined rest came back after retransmission timeouts (the report's in-JVM bulk
     * at 0.3 Gbit/s). The in-JVM loopback and the shm link are such links; at 1,500 bytes a
     * 64 KiB write is 45 full segments and one tail.
     */
    private static final int LARGE_MTU = 16 * 1024;
    /** IPv4 and TCP headers without options: the MSS is the MTU less these (RFC 9293 section 3.7.1). */
    private static final int IP_TCP_HEADERS = 40;
    /** The largest MSS TCP can carry: an IPv4 packet is at most 65,535 bytes. */
    private static final int MAX_MSS = 65_495;

    private EngineFactory() {
    }

    /**
     * The in-JVM loopback engine: two stacks over an {@link InMemoryLink} pair. Frames never
     * leave memory, so checksums are offloaded, as on Linux loopback.
     */
    static StackEngine loopback(BypassConfig config) {
        InMemoryLink[] ports = InMemoryLink.pair(Arena.ofShared(), LOOPBACK_TRANSMIT_FRAMES, LOOPBACK_RECEIVE_FRAMES,
                LOOPBACK_COPYBREAK_FRAMES, LOOPBACK_COPYBREAK_BYTES, LOOPBACK_MTU, true);
        // As Linux's tcp_tw_reuse default (2) for loopback: a client that closes first reuses its ports.
        TcpConfig tcp = tcpConfig(config, LOOPBACK_MTU).toBuilder()
                .timeWaitReuse(true)
                .receiveFramesTotal(LOOPBACK_RECEIVE_FRAMES_TOTAL)
                .reassemblyFramesTotal(LOOPBACK_REASSEMBLY_FRAMES_TOTAL)
                .receiveFramesPerConnection(LOOPBACK_RECEIVE_FRAMES_PER_CONNECTION)
                .build();
        long now = StackEngine.nowNs();
        NetworkStack server = new NetworkStack(StackConfig.builder().mac(config.macOn(0)).ip(config.ip())
                .prefixLength(config.prefix()).tcp(tcp).build(), ports[0], now);
        NetworkStack client = new NetworkStack(StackConfig.builder().mac(config.macOn(0) + 1).ip(config.ip() + 1)
                .prefixLength(config.prefix()).tcp(tcp).build(), ports[1], now);
        // The ports in the order of the engine's stacks (client first): ports[i] is what stacks[i] receives from.
        return new StackEngine(server, client, new Link[] {ports[1], ports[0]}, new InMemoryLink[] {ports[1], ports[0]},
                true, "bypass-progress");
    }

    /**
     * An engine of one stack on an opened device link, at the configured addresses. The MSS
     * follows the link's MTU: on a link that copies memory a segment costs about the same
     * whatever its size, so the largest segments move the most data per unit of work.
     */
    static StackEngine onLink(BypassConfig config, Link link) {
        StackConfig.Builder b = StackConfig.builder().mac(config.macOn(link.macAddress())).ip(config.ip()).prefixLength(config.prefix())
                .tcp(tcpConfig(config, link.mtu()));
        if (config.gateway() != 0) {
            b.gateway(config.gateway());
        }
        NetworkStack stack = new NetworkStack(b.build(), link, StackEngine.nowNs());
        return new StackEngine(stack, stack, new Link[] {link}, new InMemoryLink[0], false, "bypass-progress-link");
    }

    private static TcpConfig tcpConfig(BypassConfig config, int mtu) {
        SecureRandom random = new SecureRandom();
        return TcpConfig.defaults().toBuilder()
                .receiveBufferBytes(config.rcvbufBytes())
                .sendBufferBytes(config.sndbufBytes())
                .maxConnections(config.maxConnections())
                .maxTimeWait(config.maxTimeWait())
                .timeWaitReuse(config.timeWaitReuse())
                .mssCap(Math.min(MAX_MSS, Math.max(TcpConfig.defaults().mssCap(), mtu - IP_TCP_HEADERS)))
                .framesPerFullSegment(mtu >= LARGE_MTU ? 2 : 1)
                .isnSecret(random.nextLong(), random.nextLong())
                .portSeed(random.nextLong())
                .build();
    }
}
