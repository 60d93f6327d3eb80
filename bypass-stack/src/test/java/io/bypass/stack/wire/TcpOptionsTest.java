package io.bypass.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** TCP option parsing (RFC 9293 section 3.2, RFC 7323, RFC 2018). */
class TcpOptionsTest {
    private final TcpOptions options = new TcpOptions();

    private boolean parse(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return options.parse(MemorySegment.ofArray(b), 0, b.length);
    }

    @Test
    void parsesEveryKindWeKnow() {
        assertTrue(parse(2, 4, 0x05, 0xb4,            // MSS 1460
                1,                                    // NOP
                3, 3, 7,                              // window scale 7
                4, 2,                                 // SACK permitted
                8, 10, 0, 0, 0, 1, 0, 0, 0, 2,        // timestamps 1, 2
                5, 10, 0, 0, 0, 10, 0, 0, 0, 20,      // SACK 10..20
                0));                                  // EOL
        assertEquals(1460, options.mss());
        assertEquals(7, options.windowScale());
        assertTrue(options.sackPermitted());
        assertTrue(options.hasTimestamps());
        assertEquals(1, options.timestampValue());
        assertEquals(2, options.timestampEcho());
        assertEquals(1, options.sackBlockCount());
        assertEquals(10, options.sackLeft(0));
        assertEquals(20, options.sackRight(0));
    }

    @Test
    void unknownKindsAreSkippedByLength() {
        assertTrue(parse(99, 4, 0xff, 0xff, 2, 4, 0x02, 0x00));
        assertEquals(512, options.mss());
    }

    @Test
    void badLengthsFailAndReportNothing() {
        assertFalse(parse(2, 4, 0x05, 0xb4, 99, 1));  // length below 2
        assertEquals(-1, options.mss(), "what came before the bad option is dropped too");
        assertFalse(parse(2, 9, 0x05, 0xb4));          // runs past the end
        assertFalse(parse(2, 3, 5));                   // MSS must be 4 long
        assertFalse(parse(5, 6, 0, 0, 0, 0));          // SACK must be 2 + 8n
        assertFalse(parse(2));                         // kind without a length byte
    }

    @Test
    void windowScaleAbove14IsClamped() {
        // RFC 7323 section 2.3.
        assertTrue(parse(3, 3, 20));
        assertEquals(14, options.windowScale());
    }

    @Test
    void writtenMssParsesBack() {
        MemorySegment m = MemorySegment.ofArray(new byte[4]);
        assertEquals(4, TcpOptions.writeMss(m, 0, 8960));
        assertTrue(options.parse(m, 0, 4));
        assertEquals(8960, options.mss());
    }

    @Test
    void writtenOptionsParseBackInLinuxLayout() {
        // A SYN as Linux lays it out: MSS, SACK-permitted + timestamps, NOP + window scale: 20 bytes.
        MemorySegment m = MemorySegment.ofArray(new byte[TcpOptions.MAX_LENGTH]);
        int n = TcpOptions.writeMss(m, 0, 1460);
        n += TcpOptions.writeSackPermittedTimestamps(m, n, 0x01020304, 0);
        n += TcpOptions.writeWindowScale(m, n, 7);
        assertEquals(20, n);
        assertTrue(options.parse(m, 0, n));
        assertEquals(1460, options.mss());
        assertTrue(options.sackPermitted());
        assertEquals(0x01020304, options.timestampValue());
        assertEquals(7, options.windowScale());
        // An ACK: NOP NOP timestamps, NOP NOP SACK with three blocks: 12 + 28 = 40 bytes.
        n = TcpOptions.writeTimestamps(m, 0, -1, 42);
        n += TcpOptions.writeSack(m, n, new int[] {100, 200, 300, 400, -10, 5}, 3);
        assertEquals(TcpOptions.MAX_LENGTH, n);
        assertTrue(options.parse(m, 0, n));
        assertEquals(-1, options.timestampValue());
        assertEquals(42, options.timestampEcho());
        assertEquals(3, options.sackBlockCount());
        assertEquals(-10, options.sackLeft(2));
        assertEquals(5, options.sackRight(2));
        assertFalse(options.sackPermitted());
        // Without timestamps: NOP NOP SACK-permitted.
        n = TcpOptions.writeSackPermitted(m, 0);
        assertTrue(options.parse(m, 0, n));
        assertTrue(options.sackPermitted());
        assertFalse(options.hasTimestamps());
    }
}
