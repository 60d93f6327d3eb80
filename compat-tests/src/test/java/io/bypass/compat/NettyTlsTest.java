package io.bypass.compat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** TLS with Netty's {@link SslHandler} (the JDK's SSLEngine) over the transport, on a certificate made here. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NettyTlsTest {
    @Test
    void tlsEchoStreamsArriveIntactAfterTheHandshake() throws Exception {
        int clients = 4;
        long bytesEach = 1 << 20;
        SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
        SslContext serverTls = SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey())
                .sslProvider(SslProvider.JDK).build();
        SslContext clientTls = SslContextBuilder.forClient().trustManager(certificate.cert())
                .sslProvider(SslProvider.JDK).build();
        EventLoopGroup group = Netty.group(2);
        try {
            Acceleration acceleration = Acceleration.start();
            Channel server = Netty.serve(group, TestPorts.accelerated(), new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(serverTls.newHandler(ch.alloc()), EchoHandler.INSTANCE);
                }
            });
            int port = Netty.loopback(server).getPort();
            List<StreamingClient> handlers = new ArrayList<>();
            List<SslHandler> tls = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                StreamingClient h = new StreamingClient(bytesEach, 7L * i, false);
                handlers.add(h);
                Channel c = Netty.client(group, new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler s = clientTls.newHandler(ch.alloc(), "localhost", port);
                        tls.add(s);
                        ch.pipeline().addLast(s, h);
                    }
                }).connect(Netty.loopback(server)).sync().channel();
                assertEquals(c, tls.get(i).handshakeFuture().get(30, TimeUnit.SECONDS));
            }
            for (StreamingClient h : handlers) {
                StreamingClient.Result r = h.result().get(100, TimeUnit.SECONDS);
                assertEquals(r.sentBytes(), r.receivedBytes(), "bytes echoed");
                assertEquals(r.sentCrc(), r.receivedCrc(), "CRC32C of the echo");
            }
            System.out.printf("%s: %s with %s%n", CompatMode.current(), tls.get(0).engine().getSession().getProtocol(),
                    tls.get(0).engine().getSession().getCipherSuite());
            server.close().sync();
            acceleration.assertAccelerated(clients, 2 * clients * bytesEach);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            certificate.delete();
        }
    }
}
