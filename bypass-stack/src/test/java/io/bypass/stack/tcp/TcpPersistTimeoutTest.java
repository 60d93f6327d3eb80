package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/**
 * A zero window is kept open for as long as the receiver answers the persist probes, and
 * no longer: a peer that went away behind a zero window must not pin a connection (and
 * its buffers) forever. Found by {@code FrameInputFuzzTest} (seed
 * {@code seed-zero-window-peer-never-answers}).
 */
class TcpPersistTimeoutTest {
    private static final int P = 5000;
    /** Longer than any persist interval, so that each step fires exactly one probe. */
    private static final long STEP_NS = 60_000 * MS;

    @Test
    void zeroWindowProbesThatNobodyAnswersTimeOut() {
        // RFC 1122 section 4.2.2.17 keeps probing only while the receiver answers; like
        // Linux (tcp_probe_timer) we give up after as many unanswered probes as retransmissions.
        TcpHarness t = new TcpHarness(TcpHarness.config().maxRetransmissions(2).build(), 0);
        TcpConnection c = t.connectTo(P);
        t.send(Seg.ack(P + 1, t.iss + 1).window(0));
        t.write(c, TcpHarness.bytes(100, 0));
        t.expectNothing();
        t.advance(STEP_NS);
        t.expect(Seg.ack(t.iss, P + 1));
        t.advance(STEP_NS);
        t.expect(Seg.ack(t.iss, P + 1));
        t.advance(STEP_NS);
        t.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.TIMED_OUT, c.error());
        assertEquals(2, t.counters.get(Counter.TCP_ZERO_WINDOW_PROBES));
        t.assertNoLeaks();
    }

    @Test
    void answeredProbesKeepAZeroWindowOpenIndefinitely() {
        // RFC 1122 section 4.2.2.17: "MUST NOT close the connection just because the
        // window is zero" while the receiver keeps acknowledging the probes.
        TcpHarness t = new TcpHarness(TcpHarness.config().maxRetransmissions(2).build(), 0);
        TcpConnection c = t.connectTo(P);
        t.send(Seg.ack(P + 1, t.iss + 1).window(0));
        t.write(c, TcpHarness.bytes(100, 0));
        for (int probe = 0; probe < 10; probe++) {
            t.advance(STEP_NS);
            t.expect(Seg.ack(t.iss, P + 1));
            t.send(Seg.ack(P + 1, t.iss + 1).window(0));
        }
        assertEquals(TcpState.ESTABLISHED, c.state());
        t.send(Seg.ack(P + 1, t.iss + 1).window(1000));
        t.expect(Seg.of(ACK | PSH).seq(t.iss + 1).payload(TcpHarness.bytes(100, 0)));
    }
}
