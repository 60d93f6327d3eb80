package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Which congestion control a connection runs: CUBIC by default, NewReno per stack or per connection. */
class TcpCongestionSelectionTest {
    private static final int P = 5000;
    private static final int MSS = 1460;

    @Test
    void connectionsRunCubicByDefault() {
        TcpHarness h = new TcpHarness();
        assertEquals(CongestionAlgorithm.CUBIC, h.connectTo(P).congestionAlgorithm());
    }

    @Test
    void stackConfigSelectsNewReno() {
        TcpHarness h = new TcpHarness(TcpHarness.config().congestionAlgorithm(CongestionAlgorithm.NEW_RENO).build(),
                1_000 * TcpHarness.MS);
        assertEquals(CongestionAlgorithm.NEW_RENO, h.connectTo(P).congestionAlgorithm());
    }

    @Test
    void switchingMidConnectionKeepsTheWindowAndChangesTheReduction() {
        // Three segments in flight, three duplicate ACKs: NewReno's ssthresh is FlightSize / 2
        // (RFC 5681 equation 4) where CUBIC's would be 0.7 of it (RFC 9438 section 4.6).
        TcpHarness h = new TcpHarness();
        TcpConnection c = h.connectTo(P);
        h.write(c, TcpHarness.bytes(10 * MSS, 1));
        h.ip.drop();
        h.send(Seg.ack(P + 1, h.iss + 1 + MSS));
        h.ip.drop();
        int cwnd = c.congestionWindow();
        c.congestionAlgorithm(CongestionAlgorithm.NEW_RENO);
        assertEquals(CongestionAlgorithm.NEW_RENO, c.congestionAlgorithm());
        assertEquals(cwnd, c.congestionWindow(), "the window carries over");
        for (int i = 0; i < 3; i++) {
            h.send(Seg.of(ACK).seq(P + 1).ack(h.iss + 1 + MSS));
        }
        // Four segments in flight before the duplicates, two more sent by Limited Transmit
        // (not counted): NewReno 4 / 2 = 2 SMSS; CUBIC would have said 0.7 * 4 = 2.8 SMSS.
        assertEquals(2 * MSS, c.slowStartThreshold());
        h.ip.drop();
    }
}
