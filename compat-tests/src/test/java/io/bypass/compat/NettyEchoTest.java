package io.bypass.compat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Netty's NIO transport echoing streams: many clients at once, one large transfer, half-close. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NettyEchoTest {
    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;

    @BeforeAll
    static void groups() {
        serverGroup = Netty.group(2);
        clientGroup = Netty.group(2);
    }

    @AfterAll
    static void shutdown() {
        clientGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        serverGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Connects {@code clients} streaming clients, each sending {@code bytesEach}, and checks every echo. */
    private static void echo(int clients, long bytesEach, boolean halfClose) throws Exception {
        Acceleration acceleration = Acceleration.start();
        Channel server = Netty.serve(serverGroup, TestPorts.accelerated(), EchoHandler.INSTANCE);
        try {
            long startNs = System.nanoTime();
            List<StreamingClient> handlers = new ArrayList<>();
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                StreamingClient h = new StreamingClient(bytesEach, 1000L + i, halfClose);
                handlers.add(h);
                channels.add(Netty.client(clientGroup, h).connect(Netty.loopback(server)).sync().channel());
            }
            for (StreamingClient h : handlers) {
                StreamingClient.Result r = h.result().get(100, TimeUnit.SECONDS);
                assertEquals(bytesEach, r.sentBytes());
                assertEquals(r.sentBytes(), r.receivedBytes(), "bytes echoed");
                assertEquals(r.sentCrc(), r.receivedCrc(), "CRC32C of the echo");
            }
            double seconds = (System.nanoTime() - startNs) / 1e9;
            System.out.printf("%s: %d clients x %d bytes connected and echoed in %.2f s (%.1f MB/s each way)%n",
                    CompatMode.current(), clients, bytesEach, seconds, clients * bytesEach / seconds / 1e6);
            for (Channel c : channels) {
                c.close().sync();
            }
            acceleration.assertAccelerated(clients, 2 * clients * bytesEach);
        } finally {
            server.close().sync();
        }
    }

    @Test
    void manyClientsEachGetTheirOwnStreamBack() throws Exception {
        echo(100, 256 * 1024, false);
    }

    @Test
    void largeTransferArrivesIntactBothWays() throws Exception {
        echo(1, 64L << 20, false);
    }

    @Test
    void halfClosedClientStillReceivesTheWholeEchoAndThenTheServersFin() throws Exception {
        echo(20, 64 * 1024, true);
    }

    @Test
    void halfCloseOfAnEmptyStreamIsAnsweredByAFin() throws Exception {
        echo(1, 0, true);
    }
}
