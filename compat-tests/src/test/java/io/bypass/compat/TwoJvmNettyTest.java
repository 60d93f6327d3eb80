package io.bypass.compat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's NIO transport in two JVMs ({@link TwoJvm}): over the shm link in the shm run, over
 * kernel loopback in the control. Echo with many clients in the peer, a large transfer from
 * this JVM to an echo server in the peer, and an HTTP/1.1 server here under the JDK
 * HttpClient's load from the peer. Both JVMs' counters prove the path.
 */
@Tag("two-jvm")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TwoJvmNettyTest {
    private static final long PEER_SECONDS = 100;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        TwoJvm.assumeLinkBetweenJvms();
        group = Netty.group(2);
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void manyClientsInThePeerEachGetTheirOwnEchoFromThisJvm() throws Exception {
        int clients = 100;
        long bytesEach = 256 * 1024;
        Acceleration acceleration = Acceleration.start();
        Channel server = Netty.serve(group, new InetSocketAddress(TwoJvm.localHost(), TestPorts.accelerated()),
                EchoHandler.INSTANCE);
        String out;
        try (Peer peer = TwoJvm.startPeer("echo-clients", TwoJvm.localHost(),
                Integer.toString(((InetSocketAddress) server.localAddress()).getPort()), Integer.toString(clients),
                Long.toString(bytesEach))) {
            out = peer.finish(PEER_SECONDS);
        } finally {
            server.close().sync();
        }
        assertTrue(out.contains("echo clients: " + clients + " x " + bytesEach + " bytes echoed, checksums match"), out);
        long total = clients * bytesEach;
        acceleration.assertOverTheLink(0, clients, total, total);
        TwoJvm.assertPeerOverTheLink(out, clients, 0, total, total);
    }

    @Test
    void largeTransferToAnEchoServerInThePeerComesBackWithTheSameChecksum() throws Exception {
        long bytes = 64L << 20;
        Acceleration acceleration = Acceleration.start();
        String out;
        try (Peer peer = TwoJvm.startPeer("echo-server", TwoJvm.peerHost())) {
            int port = Integer.parseInt(peer.awaitLine(Pattern.compile("echo server on port (\\d+)"), 60).group(1));
            StreamingClient h = new StreamingClient(bytes, 42, false);
            long startNs = System.nanoTime();
            Channel c = Netty.client(group, h).connect(new InetSocketAddress(TwoJvm.peerHost(), port)).sync().channel();
            StreamingClient.Result r = h.result().get(PEER_SECONDS, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - startNs) / 1e9;
            c.close().sync();
            assertEquals(bytes, r.sentBytes());
            assertEquals(r.sentBytes(), r.receivedBytes(), "bytes echoed");
            assertEquals(r.sentCrc(), r.receivedCrc(), "CRC32C of the echo");
            System.out.printf("%s (%s): %d bytes to the peer and back in %.2f s (%.1f MB/s each way)%n",
                    CompatMode.current(), CompatMode.link(), bytes, seconds, bytes / seconds / 1e6);
            out = peer.finish(30);
        }
        acceleration.assertOverTheLink(1, 0, bytes, bytes);
        TwoJvm.assertPeerOverTheLink(out, 0, 1, bytes, bytes);
    }

    @Test
    void httpServerHereAnswersAJdkClientLoadFromThePeer() throws Exception {
        int users = 16;
        int requests = 50;
        int postBytes = 64 * 1024;
        Acceleration acceleration = Acceleration.start();
        Channel server = Netty.serve(group, new InetSocketAddress(TwoJvm.localHost(), TestPorts.accelerated()),
                new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new NettyHttpTest.HelloHandler());
                    }
                });
        String url = "http://" + TwoJvm.localHost() + ":" + ((InetSocketAddress) server.localAddress()).getPort();
        String out;
        try (Peer peer = TwoJvm.startPeer("http-load", url, Integer.toString(users), Integer.toString(requests),
                Integer.toString(postBytes))) {
            out = peer.finish(PEER_SECONDS);
        } finally {
            server.close().sync();
        }
        assertTrue(out.contains("http load: " + users * (requests + 1) + " requests by " + users
                + " users answered correctly"), out);
        long posted = (long) users * postBytes;
        acceleration.assertOverTheLink(0, 1, posted, posted);
        TwoJvm.assertPeerOverTheLink(out, 1, 0, posted, posted);
    }
}
