package io.bypass.samples.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/** Answers every request with {@code 200 Hello from Netty}; keep-alive is handled before it in the pipeline. */
@ChannelHandler.Sharable
final class HelloHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** The response body. */
    static final String BODY = "Hello from Netty\n";
    private static final ByteBuf CONTENT = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer(BODY, StandardCharsets.US_ASCII)).asReadOnly();

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                CONTENT.duplicate());
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, CONTENT.readableBytes());
        ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        System.err.println("hello: " + ctx.channel() + ": " + cause);
        ctx.close();
    }
}
