package io.bypass.compat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Netty 4.2's NIO transport as an application sets it up: {@link NioIoHandler} event loops,
 * {@link NioServerSocketChannel}, {@link NioSocketChannel}. Nothing here knows about
 * Bypass: the transport takes its channels and selectors from
 * {@code SelectorProvider.provider()}.
 */
final class Netty {
    private Netty() {
    }

    /** @return an NIO event loop group of {@code threads} threads */
    static EventLoopGroup group(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    }

    /**
     * Binds a server on the wildcard address.
     *
     * @param port    the port, or 0 for one the kernel picks
     * @param handler the child channels' handler
     * @return the bound server channel
     */
    static Channel serve(EventLoopGroup group, int port, ChannelHandler handler) throws InterruptedException {
        return serve(group, new InetSocketAddress(port), handler);
    }

    /**
     * Binds a server.
     *
     * @param address the address and port (0: one the stack or the kernel picks)
     * @param handler the child channels' handler
     * @return the bound server channel
     */
    static Channel serve(EventLoopGroup group, InetSocketAddress address, ChannelHandler handler)
            throws InterruptedException {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(handler)
                .bind(address).sync().channel();
    }

    /** @return a client bootstrap on {@code group} whose channels get {@code handler} */
    static Bootstrap client(EventLoopGroup group, ChannelHandler handler) {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(handler);
    }

    /** @return the loopback address with the port {@code server} is bound to */
    static InetSocketAddress loopback(Channel server) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(),
                ((InetSocketAddress) server.localAddress()).getPort());
    }
}
