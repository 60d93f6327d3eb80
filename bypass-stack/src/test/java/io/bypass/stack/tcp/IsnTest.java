package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ISNs per RFC 6528 and the keyed hash behind them. */
class IsnTest {
    private final TcpHarness h = new TcpHarness();

    @Test
    void isnDiffersPerFourTuple() {
        // RFC 6528 section 3: F depends on the 4-tuple, so neighbours are not predictable.
        Set<Integer> seen = new HashSet<>();
        for (int port = 50_000; port < 50_100; port++) {
            seen.add(h.layer.isn(LOCAL_IP, port, REMOTE_IP, 80, 0));
        }
        assertEquals(100, seen.size());
    }

    @Test
    void isnAdvancesWithTheFourMicrosecondClock() {
        // RFC 6528 section 3 / RFC 9293 section 3.4.1: M ticks every 4 microseconds.
        int t0 = h.layer.isn(LOCAL_IP, 50_000, REMOTE_IP, 80, 0);
        int t1 = h.layer.isn(LOCAL_IP, 50_000, REMOTE_IP, 80, 1_000_000_000L);
        assertEquals(250_000, t1 - t0);
    }

    @Test
    void isnDependsOnTheSecret() {
        TcpHarness other = new TcpHarness(TcpHarness.config().isnSecret(1, 2).build(), 0);
        assertNotEquals(h.layer.isn(LOCAL_IP, 1, REMOTE_IP, 2, 0), other.layer.isn(LOCAL_IP, 1, REMOTE_IP, 2, 0));
    }

    @Test
    void sipHashMatchesTheReferenceVector() {
        // The reference implementation's vector 16: key 00..0f, message 00..0f.
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        long m0 = 0x0706050403020100L;
        long m1 = 0x0f0e0d0c0b0a0908L;
        assertEquals(0x3f2acc7f57c29bdbL, SipHash.hash(k0, k1, m0, m1));
    }
}
