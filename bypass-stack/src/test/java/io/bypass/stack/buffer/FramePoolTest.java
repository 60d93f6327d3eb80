package io.bypass.stack.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class FramePoolTest {
    @Test
    void poolHandsOutEveryFrameOnceThenNull() {
        FramePool pool = new FramePool(Arena.ofAuto(), 3, 2048);
        Frame a = pool.allocate();
        Frame b = pool.allocate();
        Frame c = pool.allocate();
        assertNull(pool.allocate());
        assertNotSame(a, b);
        assertEquals(3, pool.inUse());
        b.release();
        assertSame(b, pool.allocate(), "LIFO: the warmest frame comes back first");
        a.release();
        b.release();
        c.release();
        assertEquals(0, pool.inUse());
    }

    @Test
    void framesDoNotOverlapAndWindowIsChecked() {
        FramePool pool = new FramePool(Arena.ofAuto(), 2, 100);
        Frame a = pool.allocate();
        Frame b = pool.allocate();
        a.memory().fill((byte) 1);
        b.memory().fill((byte) 2);
        assertEquals(1, a.memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 99));
        assertEquals(100, a.capacity());
        a.window(10, 90);
        assertThrows(IndexOutOfBoundsException.class, () -> a.window(11, 90));
        assertThrows(IndexOutOfBoundsException.class, () -> a.window(-1, 5));
    }

    @Test
    void doubleReleaseIsCaughtUnderAssertions() {
        FramePool pool = new FramePool(Arena.ofAuto(), 1, 64);
        Frame a = pool.allocate();
        a.release();
        assertThrows(AssertionError.class, a::release);
    }
}
