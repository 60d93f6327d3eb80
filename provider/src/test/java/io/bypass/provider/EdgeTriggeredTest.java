package io.bypass.provider;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BypassKeys#setEdgeTriggered}: one report per readiness edge, against level-triggered keys. */
class EdgeTriggeredTest {
    private final BypassSelectorProvider p = Providers.BYPASS;

    @Test
    void edgeTriggeredKeyIsReportedOncePerArrivalWhileLevelTriggeredKeyKeepsBeingReported() throws Exception {
        try (ServerSocketChannel ssc = p.openServerSocketChannel(); Selector et = p.openSelector();
             Selector lt = p.openSelector()) {
            ssc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel c = p.openSocketChannel()) {
                c.connect(ssc.getLocalAddress());
                // Each small write is delivered at once, not held back by Nagle for the delayed ACK.
                c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                try (SocketChannel s = ssc.accept()) {
                    s.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                    s.configureBlocking(false);
                    SelectionKey ek = s.register(et, SelectionKey.OP_READ);
                    SelectionKey lk = s.register(lt, SelectionKey.OP_READ);
                    BypassKeys.setEdgeTriggered(ek, true);
                    assertTrue(BypassKeys.isEdgeTriggered(ek));
                    assertFalse(BypassKeys.isEdgeTriggered(lk));
                    // Turning the mode on reports the present state once: nothing to read yet.
                    assertEquals(0, et.selectNow());

                    c.write(ByteBuffer.wrap(new byte[] {1}));
                    assertEquals(1, et.selectNow());
                    assertEquals(1, lt.selectNow());
                    et.selectedKeys().clear();
                    lt.selectedKeys().clear();
                    // Unread data, no new edge: only the level-triggered key is selected again.
                    assertEquals(0, et.selectNow());
                    assertEquals(1, lt.selectNow());

                    c.write(ByteBuffer.wrap(new byte[] {2}));
                    assertEquals(1, et.selectNow());
                    assertTrue(ek.isReadable());
                    et.selectedKeys().clear();
                    // Changing the interest set re-arms: the unread data is reported once more.
                    ek.interestOps(SelectionKey.OP_READ);
                    assertEquals(1, et.selectNow());
                    et.selectedKeys().clear();
                    // An edge of an operation not in the interest set is no edge for this key.
                    s.write(ByteBuffer.wrap(new byte[] {3}));
                    assertEquals(0, et.selectNow());
                    assertEquals(2, s.read(ByteBuffer.allocate(8)));
                }
            }
        }
    }

    @Test
    void onlyBypassKeysCanBeEdgeTriggered() throws Exception {
        Pipe pipe = JdkProvider.get().openPipe();
        try (Selector jdk = JdkProvider.get().openSelector(); Pipe.SourceChannel source = pipe.source();
             Pipe.SinkChannel sink = pipe.sink()) {
            source.configureBlocking(false);
            SelectionKey k = source.register(jdk, SelectionKey.OP_READ);
            assertThrows(IllegalArgumentException.class, () -> BypassKeys.setEdgeTriggered(k, true));
            assertTrue(sink.isOpen());
        }
    }
}
