package io.bypass.provider;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Races around a blocked select and blocked reads, on both providers: a lost wakeup or a
 * pinned carrier thread shows as a hang, which the timeout turns into a failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SelectorRaceTest {
    static java.util.stream.Stream<SelectorProvider> providers() {
        return Providers.both();
    }

    private static ServerSocketChannel listen(SelectorProvider p) throws IOException {
        ServerSocketChannel ssc = p.openServerSocketChannel();
        ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ssc;
    }

    @ParameterizedTest
    @MethodSource("providers")
    void everyWakeupRacingASelectEndsIt(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p)) {
            ssc.configureBlocking(false);
            ssc.register(sel, SelectionKey.OP_ACCEPT);
            for (int i = 0; i < 2_000; i++) {
                // The wakeup lands before, during or after the select starts blocking.
                Thread t = Thread.ofPlatform().start(sel::wakeup);
                sel.select();
                t.join();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void channelRegisteredDuringASelectIsSeenByTheNextOne(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.connect(ssc.getLocalAddress());
            try (SocketChannel s = ssc.accept()) {
                c.write(ByteBuffer.wrap(new byte[] {1}));
                s.configureBlocking(false);
                CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
                    try {
                        return sel.select();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                Thread.sleep(100);
                SelectionKey k = s.register(sel, SelectionKey.OP_READ);
                sel.wakeup();
                blocked.get(10, TimeUnit.SECONDS);
                sel.selectedKeys().clear();
                assertEquals(1, sel.selectNow());
                assertTrue(sel.selectedKeys().contains(k));
                assertTrue(k.isReadable());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void keyCancelledDuringASelectIsDeregisteredByTheNextOne(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p)) {
            ssc.configureBlocking(false);
            SelectionKey k = ssc.register(sel, SelectionKey.OP_ACCEPT);
            CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return sel.select();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            k.cancel();
            sel.wakeup();
            assertEquals(0, blocked.get(10, TimeUnit.SECONDS));
            sel.selectNow();
            assertFalse(sel.keys().contains(k));
            assertFalse(ssc.isRegistered());
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void virtualThreadsBlockedInReadAndSelectDoNotPinTheirCarriers(SelectorProvider p) throws Exception {
        int n = 64;
        try (ServerSocketChannel ssc = listen(p); Selector sel = p.openSelector()) {
            List<SocketChannel> clients = new ArrayList<>();
            List<SocketChannel> servers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SocketChannel c = p.openSocketChannel();
                c.connect(ssc.getLocalAddress());
                clients.add(c);
                servers.add(ssc.accept());
            }
            // More blocked virtual threads than carriers: if a blocked read held its carrier,
            // the others (and the writes below, done from virtual threads too) could not run.
            CountDownLatch done = new CountDownLatch(n + 1);
            Thread selecting = Thread.ofVirtual().start(() -> {
                try {
                    sel.select();
                    done.countDown();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            for (SocketChannel s : servers) {
                Thread.ofVirtual().start(() -> {
                    try {
                        if (s.read(ByteBuffer.allocate(1)) == 1) {
                            done.countDown();
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
            }
            Thread.sleep(200);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (SocketChannel c : clients) {
                        c.write(ByteBuffer.wrap(new byte[] {9}));
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.join();
            Thread.ofVirtual().start(sel::wakeup).join();
            assertTrue(done.await(30, TimeUnit.SECONDS), "blocked virtual threads left: " + done.getCount());
            selecting.join();
            for (int i = 0; i < n; i++) {
                clients.get(i).close();
                servers.get(i).close();
            }
        }
    }
}
