package io.bypass.compat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * A Netty client handler that sends a seeded pseudo-random stream of {@code totalBytes}
 * (in chunks of varying size, only while the channel is writable, so that 64 MiB never
 * sits in memory) and checksums what comes back. {@link #result} completes when as many
 * bytes came back as were sent (or, with {@code halfClose}, when the server's FIN arrived
 * after them): the test compares the checksums.
 */
final class StreamingClient extends ChannelInboundHandlerAdapter {
    /** What one connection sent and received. */
    record Result(long sentBytes, long sentCrc, long receivedBytes, long receivedCrc) {
    }

    private static final int MAX_CHUNK_BYTES = 32 * 1024;

    private final long totalBytes;
    private final boolean halfClose;
    private final SplittableRandom random;
    private final CRC32C sentCrc = new CRC32C();
    private final CRC32C receivedCrc = new CRC32C();
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private long sentBytes;
    private long receivedBytes;
    /** All bytes written (and, with halfClose, the output shut): writability no longer matters. */
    private boolean sendingDone;

    /**
     * @param totalBytes how many bytes to send
     * @param seed       the stream's seed (each connection its own, so a mix-up shows)
     * @param halfClose  whether to shut the output after the last byte and wait for the
     *                   server's FIN (the channel needs {@code ALLOW_HALF_CLOSURE})
     */
    StreamingClient(long totalBytes, long seed, boolean halfClose) {
        this.totalBytes = totalBytes;
        this.halfClose = halfClose;
        this.random = new SplittableRandom(seed);
    }

    /** @return completes with the byte counts and checksums, or exceptionally */
    CompletableFuture<Result> result() {
        return result;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        sendWhileWritable(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        sendWhileWritable(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    private void sendWhileWritable(ChannelHandlerContext ctx) {
        if (sendingDone) {
            return;
        }
        while (sentBytes < totalBytes && ctx.channel().isWritable()) {
            int n = (int) Math.min(totalBytes - sentBytes, 1 + random.nextInt(MAX_CHUNK_BYTES));
            ByteBuf chunk = ctx.alloc().buffer(n);
            for (int i = 0; i < n / Long.BYTES; i++) {
                chunk.writeLong(random.nextLong());
            }
            for (int i = 0; i < n % Long.BYTES; i++) {
                chunk.writeByte(random.nextInt(256));
            }
            sentCrc.update(chunk.nioBuffer());
            sentBytes += n;
            ctx.write(chunk).addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(f.cause());
                }
            });
        }
        // Re-entrant: flush can fire a writability change that calls this method again, so
        // the flag is set before the output is shut.
        if (sentBytes == totalBytes && !sendingDone) {
            sendingDone = true;
            if (halfClose) {
                // Netty's shutdownOutput fails the writes still queued, so shut after the last one.
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((SocketChannel) ctx.channel()).shutdownOutput());
            } else {
                ctx.flush();
            }
        } else {
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
            receivedCrc.update(b.nioBuffer());
            receivedBytes += b.readableBytes();
        } finally {
            b.release();
        }
        if (!halfClose && receivedBytes >= totalBytes) {
            complete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            complete();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        result.completeExceptionally(new IllegalStateException("closed after " + receivedBytes + " of "
                + totalBytes + " bytes"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
        ctx.close();
    }

    private void complete() {
        result.complete(new Result(sentBytes, sentCrc.getValue(), receivedBytes, receivedCrc.getValue()));
    }
}
