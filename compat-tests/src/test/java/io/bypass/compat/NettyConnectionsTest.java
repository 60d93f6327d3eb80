package io.bypass.compat;

import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many connections at once, and accelerated and kernel ports served by one event loop. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NettyConnectionsTest {
    private static final int CONNECTIONS = 10_000;
    /** Connects in flight at once: a client that opens 10,000 at a time overruns any backlog. */
    private static final int CONNECTS_IN_FLIGHT = 256;
    /** File descriptors left for everything else in the JVM (jars, selectors, pipes). */
    private static final long SPARE_FDS = 512;

    /**
     * @return how many connections this run can hold: 10,000, or fewer in the control run
     *         when the file descriptor limit cannot hold two per connection (printed)
     */
    private static int connectionCount() {
        if (CompatMode.current() == CompatMode.BYPASS) {
            return CONNECTIONS; // stack connections hold no file descriptor
        }
        var os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long free = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - SPARE_FDS;
        int n = (int) Math.min(CONNECTIONS, free / 2);
        if (n < CONNECTIONS) {
            System.out.printf("control run: %d connections instead of %d: the kernel needs 2 file descriptors per "
                    + "loopback connection and the limit is %d (ulimit -n), %d in use%n", n, CONNECTIONS,
                    os.getMaxFileDescriptorCount(), os.getOpenFileDescriptorCount());
        }
        return n;
    }

    /** Sends 8 bytes on connect and counts down when all 8 came back. */
    private static final class PingOnce extends ChannelInboundHandlerAdapter {
        private final CountDownLatch echoed;
        private int received;

        PingOnce(CountDownLatch echoed) {
            this.echoed = echoed;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ctx.alloc().buffer(8).writeLong(ctx.channel().hashCode()));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            received += b.readableBytes();
            b.release();
            if (received == 8) {
                echoed.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            cause.printStackTrace();
            ctx.close();
        }
    }

    @Test
    void tenThousandConnectionsAreOpenAtOnceAndEachEchoes() throws Exception {
        int n = connectionCount();
        EventLoopGroup serverGroup = Netty.group(1);
        EventLoopGroup clientGroup = Netty.group(1);
        ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        try {
            Acceleration acceleration = Acceleration.start();
            long startNs = System.nanoTime();
            Channel server = Netty.serve(serverGroup, TestPorts.accelerated(), new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    accepted.add(ch);
                    ch.pipeline().addLast(EchoHandler.INSTANCE);
                }
            });
            InetSocketAddress address = Netty.loopback(server);
            CountDownLatch echoed = new CountDownLatch(n);
            Semaphore inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
            List<Channel> clients = new ArrayList<>(n);
            List<Throwable> failures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                ChannelFuture f = Netty.client(clientGroup, new PingOnce(echoed)).connect(address);
                clients.add(f.channel());
                f.addListener(done -> {
                    inFlight.release();
                    if (!done.isSuccess()) {
                        synchronized (failures) {
                            failures.add(done.cause());
                        }
                    }
                });
            }
            assertTrue(echoed.await(150, TimeUnit.SECONDS), () -> echoed.getCount() + " of " + n
                    + " connections got no echo; connect failures: " + failures);
            assertEquals(List.of(), failures);
            assertEquals(n, accepted.size(), "connections open at the server at once");
            System.out.printf("%s: %d connections opened and echoed in %.2f s%n", CompatMode.current(), n,
                    (System.nanoTime() - startNs) / 1e9);
            List<CompletableFuture<Void>> closed = new ArrayList<>();
            for (Channel c : clients) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                c.close().addListener(x -> done.complete(null));
                closed.add(done);
            }
            long closeNs = System.nanoTime();
            CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long clientsClosedNs = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(accepted::isEmpty);
            System.out.printf("%s: clients closed in %.2f s, the server's channels %.2f s later%n",
                    CompatMode.current(), (clientsClosedNs - closeNs) / 1e9, (System.nanoTime() - clientsClosedNs) / 1e9);
            server.close().sync();
            acceleration.assertAccelerated(n, 16L * n);
        } finally {
            clientGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            serverGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void oneEventLoopServesAnAcceleratedPortAndAKernelPortTogether() throws Exception {
        int clientsPerPort = 10;
        long bytesEach = 64 * 1024;
        EventLoopGroup loop = Netty.group(1); // one thread: servers and clients share its selector
        try {
            Acceleration acceleration = Acceleration.start();
            Channel fast = Netty.serve(loop, TestPorts.accelerated(), EchoHandler.INSTANCE);
            Channel kernel = Netty.serve(loop, 0, EchoHandler.INSTANCE); // outside the accelerated range
            List<StreamingClient> handlers = new ArrayList<>();
            for (int i = 0; i < 2 * clientsPerPort; i++) {
                StreamingClient h = new StreamingClient(bytesEach, i, false);
                handlers.add(h);
                Netty.client(loop, h).connect(Netty.loopback(i % 2 == 0 ? fast : kernel)).sync();
            }
            for (StreamingClient h : handlers) {
                StreamingClient.Result r = h.result().get(60, TimeUnit.SECONDS);
                assertEquals(r.sentBytes(), r.receivedBytes(), "bytes echoed");
                assertEquals(r.sentCrc(), r.receivedCrc(), "CRC32C of the echo");
            }
            fast.close().sync();
            kernel.close().sync();
            // The kernel listener and the connects to it fall back; the others are accelerated.
            acceleration.assertAccelerated(clientsPerPort, 2 * clientsPerPort * bytesEach, 1 + clientsPerPort);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
