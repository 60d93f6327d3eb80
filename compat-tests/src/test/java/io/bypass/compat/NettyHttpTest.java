package io.bypass.compat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A Netty HTTP/1.1 server (netty-codec-http) under a load of the JDK's HttpClient. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NettyHttpTest {
    private static final int USERS = 16;
    private static final int REQUESTS_PER_USER = 50;
    private static final int POST_BYTES = 64 * 1024;

    /** Answers GET with "hello" and the path, echoes a POST's body; keep-alive as the request asks. */
    static final class HelloHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            ByteBuf body = request.method() == HttpMethod.POST ? request.content().retain()
                    : Unpooled.copiedBuffer("hello " + request.uri(), StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            HttpUtil.setContentLength(response, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            cause.printStackTrace();
            ctx.close();
        }
    }

    @Test
    void httpServerAnswersManyConcurrentJdkClientRequests() throws Exception {
        EventLoopGroup group = Netty.group(2);
        Acceleration acceleration = Acceleration.start();
        Channel server = Netty.serve(group, TestPorts.accelerated(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new HelloHandler());
            }
        });
        URI base = URI.create("http://localhost:" + Netty.loopback(server).getPort());
        long startNs = System.nanoTime();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
             ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> done = new ArrayList<>();
            for (int u = 0; u < USERS; u++) {
                int user = u;
                done.add(users.submit(() -> {
                    long bytes = 0;
                    Random random = new Random(user);
                    for (int i = 0; i < REQUESTS_PER_USER; i++) {
                        String path = "/user" + user + "/request" + i;
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode());
                        assertEquals("hello " + path, r.body());
                        bytes += r.body().length();
                    }
                    byte[] upload = new byte[POST_BYTES];
                    random.nextBytes(upload);
                    HttpResponse<byte[]> echoed = client.send(HttpRequest.newBuilder(base.resolve("/echo"))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, echoed.statusCode());
                    assertArrayEquals(upload, echoed.body());
                    return bytes + 2L * POST_BYTES;
                }));
            }
            long bytes = 0;
            for (Future<Long> f : done) {
                bytes += f.get(100, TimeUnit.SECONDS);
            }
            System.out.printf("%s: %d HTTP requests by %d users in %.2f s%n", CompatMode.current(),
                    USERS * (REQUESTS_PER_USER + 1), USERS, (System.nanoTime() - startNs) / 1e9);
            acceleration.assertAccelerated(1, bytes);
        } finally {
            server.close().sync();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
