package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The cookie itself: what it carries and what it refuses (RFC 4987 section 3.6). */
class SynCookiesTest {
    private static final long S = 1_000_000_000L;
    private final SynCookies cookies = new SynCookies(0x0123456789abcdefL, 0xfedcba9876543210L);

    @Test
    void cookieCarriesTheLargestTableMssNotAboveTheAnnouncedOne() {
        int cookie = cookies.make(1, 80, 2, 40_000, 777, 1460, 10 * S);
        assertEquals(1460, cookies.check(1, 80, 2, 40_000, 777, cookie, 10 * S));
        assertEquals(536, cookies.check(1, 80, 2, 40_000, 777, cookies.make(1, 80, 2, 40_000, 777, 1000, 0), 0));
        assertEquals(8960, cookies.check(1, 80, 2, 40_000, 777, cookies.make(1, 80, 2, 40_000, 777, 8960, 0), 0));
        assertEquals(256, cookies.check(1, 80, 2, 40_000, 777, cookies.make(1, 80, 2, 40_000, 777, 100, 0), 0));
    }

    @Test
    void cookieIsBoundToTheTupleAndThePeerIsn() {
        int cookie = cookies.make(1, 80, 2, 40_000, 777, 1460, 0);
        assertEquals(-1, cookies.check(1, 80, 2, 40_001, 777, cookie, 0));
        assertEquals(-1, cookies.check(1, 80, 3, 40_000, 777, cookie, 0));
        assertEquals(-1, cookies.check(1, 81, 2, 40_000, 777, cookie, 0));
        assertEquals(-1, cookies.check(1, 80, 2, 40_000, 778, cookie, 0));
        assertEquals(-1, cookies.check(1, 80, 2, 40_000, 777, cookie ^ 1, 0));
        assertEquals(-1, cookies.check(1, 80, 2, 40_000, 777, cookie ^ (1 << 24), 0), "MSS index is authenticated");
    }

    @Test
    void cookieExpiresAfterTwoToThreeCounterTicks() {
        int cookie = cookies.make(1, 80, 2, 40_000, 777, 1460, 0);
        assertEquals(1460, cookies.check(1, 80, 2, 40_000, 777, cookie, 191 * S));
        assertEquals(-1, cookies.check(1, 80, 2, 40_000, 777, cookie, 192 * S));
        // The 5-bit counter wraps after 32 ticks: the full counter in the hash still refuses it.
        assertEquals(-1, cookies.check(1, 80, 2, 40_000, 777, cookie, 32 * 64 * S));
    }

    @Test
    void differentSecretsMakeDifferentCookies() {
        SynCookies other = new SynCookies(1, 2);
        int cookie = cookies.make(1, 80, 2, 40_000, 777, 1460, 0);
        assertEquals(-1, other.check(1, 80, 2, 40_000, 777, cookie, 0));
    }

    @Test
    void timestampCarriesWindowScaleAndSackAndNeverRunsAhead() {
        // Linux cookie_init_timestamp(): options in the low six bits, at most the clock.
        for (int tsNow : new int[] {0x1234_5600, 0x1234_5611, 0x1234_563f, 0x40, 0xffff_ffc5}) {
            int ts = SynCookies.timestampWithOptions(tsNow, 2, true);
            assertEquals(0x12, ts & SynCookies.TS_OPTION_MASK);
            assertEquals(true, tsNow - ts >= 0 && tsNow - ts < 64, Integer.toHexString(tsNow));
            assertEquals(2, SynCookies.peerShift(ts));
            assertEquals(true, SynCookies.sack(ts));
        }
        int none = SynCookies.timestampWithOptions(0x1000, -1, false);
        assertEquals(-1, SynCookies.peerShift(none));
        assertEquals(false, SynCookies.sack(none));
        assertEquals(14, SynCookies.peerShift(SynCookies.timestampWithOptions(0x1000, 20, false)), "clamped");
        assertEquals(-2, SynCookies.peerShift(0x1000 | 0x20 | 3), "an echo with bit 5 set is not ours");
    }
}
