package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeqNumTest {
    @Test
    void comparisonsWrapAroundTwoToThe32() {
        // RFC 9293 section 3.4: comparisons are modulo 2^32.
        int nearTop = 0xffff_fff0;
        int wrapped = 0x0000_0010;
        assertTrue(SeqNum.lt(nearTop, wrapped));
        assertTrue(SeqNum.gt(wrapped, nearTop));
        assertEquals(0x20, SeqNum.diff(wrapped, nearTop));
        assertEquals(wrapped, SeqNum.max(nearTop, wrapped));
        assertEquals(nearTop, SeqNum.min(nearTop, wrapped));
        assertTrue(SeqNum.inRange(0xffff_ffff, nearTop, wrapped));
        assertTrue(SeqNum.inRange(0, nearTop, wrapped));
        assertFalse(SeqNum.inRange(wrapped, nearTop, wrapped));
        assertTrue(SeqNum.le(5, 5) && SeqNum.ge(5, 5));
    }
}
