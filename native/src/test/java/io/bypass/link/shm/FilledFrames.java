package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.bypass.stack.buffer.Frame;
import java.lang.foreign.ValueLayout;

/** Frames of one repeated byte, built in a link's transmit frame and checked where they arrive (the shm tests). */
final class FilledFrames {
    private FilledFrames() {
    }

    /** @return {@code link}'s next transmit frame (a ring slot while the peer is up), {@code length} bytes of {@code fill} */
    static Frame build(ShmLink link, int length, int fill) {
        Frame f = link.allocate();
        assertNotNull(f);
        f.memory().asSlice(0, length).fill((byte) fill);
        f.window(0, length);
        return f;
    }

    /** Asserts that {@code f} holds {@code length} bytes of {@code fill}, every one of them. */
    static void assertFilled(Frame f, int length, int fill) {
        assertEquals(length, f.length());
        for (int i = 0; i < length; i++) {
            assertEquals((byte) fill, f.memory().get(ValueLayout.JAVA_BYTE, f.offset() + i), "byte " + i);
        }
    }
}
