package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shm:} specs opened through the service file, as the provider opens {@code bypass.link}. */
class ShmLinkFactoryTest {
    @TempDir
    Path dir;

    @Test
    void specOpensBothEndsWithTheSidesAskedForAndA64KiBMtuByDefault() throws Exception {
        String file = dir.resolve("ab").toString();
        Link b = LinkFactory.open("shm:" + file + "?side=1", LinkSettings.DEFAULTS);
        Link a = LinkFactory.open("shm:" + file + "?side=0", LinkSettings.DEFAULTS);
        try {
            assertEquals(1, assertInstanceOf(ShmLink.class, b).side(), "the creator took the side it asked for");
            assertEquals(0, ((ShmLink) a).side());
            assertEquals(ShmLinkConfig.MAX_MTU, a.mtu());
            Frame f = a.allocate();
            f.window(0, ShmLinkConfig.MAX_MTU + 14);
            Frame[] burst = new Frame[1];
            a.receive(burst, 1); // looks at the peer: it is up
            burst[0] = f;
            assertEquals(1, a.transmit(burst, 1), "a full 64 KiB frame fits a slot");
            assertEquals(1, b.receive(burst, 1));
            assertEquals(ShmLinkConfig.MAX_MTU + 14, burst[0].length());
            burst[0].release();
            assertEquals(ShmLinkConfig.MAX_MTU + 14, b.stats().get(LinkCounter.RX_BYTES));
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void sideHeldByALiveProcessIsRefusedNamingIt() throws Exception {
        String spec = "shm:" + dir.resolve("held") + "?side=0";
        Link a = LinkFactory.open(spec, LinkSettings.DEFAULTS);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LinkFactory.open(spec, LinkSettings.DEFAULTS));
            assertTrue(e.getMessage().contains("side 0 is held by live process " + ProcessHandle.current().pid()),
                    e.getMessage());
        } finally {
            a.close();
        }
    }

    @Test
    void endsAskingForDifferentShapesAreRefusedNamingTheField() throws Exception {
        String file = dir.resolve("shape").toString();
        Link a = LinkFactory.open("shm:" + file + "?mtu=9000", LinkSettings.DEFAULTS);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LinkFactory.open("shm:" + file, LinkSettings.DEFAULTS));
            assertTrue(e.getMessage().contains("mtu 9000 in the file, " + ShmLinkConfig.MAX_MTU + " asked for"),
                    e.getMessage());
        } finally {
            a.close();
        }
    }

    @Test
    void badParametersAreNamed() {
        String file = dir.resolve("bad").toString();
        for (String[] c : new String[][] {
                {"shm:", "missing the link file's path"},
                {"shm:" + file + "?side=2", "side='2' must be one of 0, 1, any"},
                {"shm:" + file + "?slots=100", "slots=100 must be a power of two"},
                {"shm:" + file + "?mtu=70000", "mtu=70000 must be 68.." + ShmLinkConfig.MAX_MTU},
                {"shm:" + file + "?ring=8", "unknown parameter 'ring'"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinkFactory.open(c[0], LinkSettings.DEFAULTS));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
