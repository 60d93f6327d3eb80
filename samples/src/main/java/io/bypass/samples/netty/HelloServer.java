package io.bypass.samples.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * An HTTP/1.1 hello server on Netty's NIO transport ({@code java -jar samples/target/netty-hello.jar
 * [PORT] [--requests N]}). Without {@code --requests} it serves until killed; with it, the JDK's
 * HttpClient in this JVM sends N requests ({@link HelloClient}), the server checks nothing more
 * and stops.
 */
public final class HelloServer {
    private static final int DEFAULT_PORT = 8080;

    private HelloServer() {
    }

    /**
     * @param args {@code [PORT] [--requests N]}
     * @throws Exception on a bind or network failure
     */
    public static void main(String[] args) throws Exception {
        int port = DEFAULT_PORT;
        int requests = 0;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--requests") && i + 1 < args.length) {
                requests = Integer.parseInt(args[++i]);
            } else if (args[i].matches("\\d+")) {
                port = Integer.parseInt(args[i]);
            } else {
                System.err.println("usage: netty-hello [PORT] [--requests N]");
                System.exit(2);
            }
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                    new HttpObjectAggregator(64 * 1024), new HelloHandler());
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
            InetSocketAddress bound = (InetSocketAddress) server.localAddress();
            System.out.println("hello server on http://127.0.0.1:" + bound.getPort() + "/");
            if (requests > 0) {
                HelloClient.run(URI.create("http://127.0.0.1:" + bound.getPort() + "/"), requests);
                server.close().sync();
            } else {
                server.closeFuture().sync();
            }
        } finally {
            group.shutdownGracefully().sync();
        }
    }
}
