package io.bypass.provider;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** java.nio selector contracts, run against the JDK's provider and ours with the same expectations. */
class SelectorContractTest {
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
    void wakeupBeforeSelectReturnsImmediatelyAndSelectNowClearsIt(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector()) {
            sel.wakeup();
            sel.wakeup();
            assertEquals(0, sel.select());
            sel.wakeup();
            assertEquals(0, sel.selectNow());
            // The wakeup was consumed: a timed select now waits out its timeout.
            long t0 = System.nanoTime();
            assertEquals(0, sel.select(100));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(90));
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void wakeupFromAnotherThreadEndsABlockedSelect(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p)) {
            ssc.configureBlocking(false);
            ssc.register(sel, SelectionKey.OP_ACCEPT);
            CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return sel.select();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            sel.wakeup();
            assertEquals(0, f.get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void interruptEndsSelectWithoutExceptionAndKeepsTheStatus(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector()) {
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    sel.select();
                    f.complete(Thread.currentThread().isInterrupted());
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            Thread.sleep(100);
            t.interrupt();
            assertTrue(f.get(10, TimeUnit.SECONDS));
            assertTrue(sel.isOpen());
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void acceptReadAndWriteReadinessAreLevelTriggered(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            ssc.configureBlocking(false);
            SelectionKey acceptKey = ssc.register(sel, SelectionKey.OP_ACCEPT);
            c.connect(ssc.getLocalAddress());
            assertEquals(1, sel.select(5000));
            assertTrue(sel.selectedKeys().contains(acceptKey));
            assertEquals(SelectionKey.OP_ACCEPT, acceptKey.readyOps());
            sel.selectedKeys().clear();
            // Not accepted yet: still ready at the next select.
            assertEquals(1, sel.selectNow());
            sel.selectedKeys().clear();
            SocketChannel s = ssc.accept();
            s.configureBlocking(false);
            SelectionKey readKey = s.register(sel, SelectionKey.OP_READ);
            assertEquals(0, sel.selectNow());
            c.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertEquals(1, sel.select(5000));
            assertEquals(SelectionKey.OP_READ, readKey.readyOps());
            sel.selectedKeys().clear();
            ByteBuffer one = ByteBuffer.allocate(1);
            s.read(one);
            assertEquals(1, sel.selectNow()); // two bytes left
            sel.selectedKeys().clear();
            s.read(ByteBuffer.allocate(2));
            assertEquals(0, sel.selectNow());
            // Interest changed from another thread is seen by the next select.
            Thread.ofPlatform().start(() -> readKey.interestOps(SelectionKey.OP_WRITE)).join();
            assertEquals(1, sel.selectNow());
            assertEquals(SelectionKey.OP_WRITE, readKey.readyOps());
            // Already selected with nothing new: 0 updated, set unchanged.
            assertEquals(0, sel.selectNow());
            assertTrue(sel.selectedKeys().contains(readKey));
            assertThrows(UnsupportedOperationException.class, () -> sel.selectedKeys().add(readKey));
            s.close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void nonBlockingConnectCompletesThroughOpConnect(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            c.configureBlocking(false);
            SelectionKey k = c.register(sel, SelectionKey.OP_CONNECT);
            if (!c.connect(ssc.getLocalAddress())) {
                assertEquals(1, sel.select(5000));
                assertEquals(SelectionKey.OP_CONNECT, k.readyOps());
                assertTrue(c.finishConnect());
            }
            assertTrue(c.isConnected());
            ssc.accept().close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void cancelledKeyIsDeregisteredAtTheNextSelect(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p)) {
            ssc.configureBlocking(false);
            SelectionKey k = ssc.register(sel, SelectionKey.OP_ACCEPT);
            k.cancel();
            assertFalse(k.isValid());
            assertTrue(sel.keys().contains(k));
            sel.selectNow();
            assertFalse(sel.keys().contains(k));
            assertFalse(ssc.isRegistered());
            // A new registration is possible once deregistered.
            assertTrue(ssc.register(sel, SelectionKey.OP_ACCEPT).isValid());
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void closedSelectorRefusesKeysAndSelectAndInvalidatesKeys(SelectorProvider p) throws Exception {
        Selector sel = p.openSelector();
        try (ServerSocketChannel ssc = listen(p)) {
            ssc.configureBlocking(false);
            SelectionKey k = ssc.register(sel, SelectionKey.OP_ACCEPT);
            sel.close();
            assertFalse(k.isValid());
            assertThrows(ClosedSelectorException.class, sel::keys);
            assertThrows(ClosedSelectorException.class, sel::selectedKeys);
            assertThrows(ClosedSelectorException.class, sel::selectNow);
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void selectWithActionSeesEveryReadyKeyWithoutTheSelectedSet(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p); SocketChannel c = p.openSocketChannel()) {
            ssc.configureBlocking(false);
            ssc.register(sel, SelectionKey.OP_ACCEPT);
            c.connect(ssc.getLocalAddress());
            List<Integer> seen = new ArrayList<>();
            assertEquals(1, sel.select(k -> seen.add(k.readyOps()), 5000));
            assertEquals(List.of(SelectionKey.OP_ACCEPT), seen);
            assertTrue(sel.selectedKeys().isEmpty());
            assertThrows(IllegalStateException.class, () -> sel.selectNow(k -> {
                try {
                    sel.selectNow(x -> { });
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }));
            ssc.accept().close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void oneSelectorHoldsStackKernelAndPipeChannels(SelectorProvider p) throws Exception {
        try (Selector sel = p.openSelector(); ServerSocketChannel accelerated = listen(p);
             ServerSocketChannel kernel = JdkProvider.get().openServerSocketChannel()) {
            kernel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Pipe pipe = p.openPipe();
            SocketChannel kernelClient = p.openSocketChannel();
            kernelClient.configureBlocking(false);
            // Interest 0 until connect: an unconnected kernel socket polls as hung up on Linux.
            SelectionKey kernelKey = kernelClient.register(sel, 0);
            accelerated.configureBlocking(false);
            SelectionKey acceptKey = accelerated.register(sel, SelectionKey.OP_ACCEPT);
            pipe.source().configureBlocking(false);
            SelectionKey pipeKey = pipe.source().register(sel, SelectionKey.OP_READ);
            // The pipe alone wakes a blocked select.
            CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return sel.select(10_000);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, f.get(10, TimeUnit.SECONDS));
            assertTrue(sel.selectedKeys().remove(pipeKey));
            pipe.source().read(ByteBuffer.allocate(1));
            // The stack listener wakes it while the selector also holds kernel keys.
            SocketChannel c = p.openSocketChannel();
            c.connect(accelerated.getLocalAddress());
            assertEquals(1, sel.select(10_000));
            assertTrue(sel.selectedKeys().remove(acceptKey));
            // The kernel channel: its key was registered before connect decided the backend.
            kernelClient.connect(kernel.getLocalAddress());
            kernelKey.interestOps(SelectionKey.OP_CONNECT);
            while (!kernelClient.finishConnect()) {
                sel.select(1000);
            }
            assertTrue(kernelKey.isValid());
            kernel.accept().close();
            accelerated.accept().close();
            c.close();
            kernelClient.close();
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void nonBlockingEchoOverTheLoopbackLinkGoesThroughTheStack() throws Exception {
        BypassSelectorProvider p = Providers.BYPASS;
        long segmentsBefore = p.counter(Counter.TCP_SEGMENTS_IN);
        int rounds = 1000;
        try (Selector sel = p.openSelector(); ServerSocketChannel ssc = listen(p)) {
            ssc.configureBlocking(false);
            ssc.register(sel, SelectionKey.OP_ACCEPT);
            // Server: a plain single-threaded NIO echo loop.
            Thread server = Thread.ofPlatform().start(() -> {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                try {
                    while (sel.isOpen()) {
                        sel.select();
                        for (SelectionKey k : sel.selectedKeys()) {
                            if (k.isAcceptable()) {
                                SocketChannel s = ssc.accept();
                                s.configureBlocking(false);
                                s.register(sel, SelectionKey.OP_READ);
                            } else if (k.isReadable()) {
                                SocketChannel s = (SocketChannel) k.channel();
                                buf.clear();
                                if (s.read(buf) < 0) {
                                    s.close();
                                    continue;
                                }
                                buf.flip();
                                while (buf.hasRemaining()) {
                                    s.write(buf);
                                }
                            }
                        }
                        sel.selectedKeys().clear();
                    }
                } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                    // selector closed: done
                }
            });
            try (SocketChannel c = p.openSocketChannel()) {
                c.connect(ssc.getLocalAddress());
                ByteBuffer out = ByteBuffer.allocate(64);
                ByteBuffer in = ByteBuffer.allocate(64);
                for (int i = 0; i < rounds; i++) {
                    out.clear();
                    out.putInt(0, i);
                    c.write(out);
                    in.clear();
                    while (in.hasRemaining()) {
                        c.read(in);
                    }
                    assertEquals(i, in.getInt(0));
                }
            }
            sel.close();
            server.join(10_000);
        }
        assertTrue(p.counter(Counter.TCP_SEGMENTS_IN) - segmentsBefore >= 2L * rounds);
    }
}
