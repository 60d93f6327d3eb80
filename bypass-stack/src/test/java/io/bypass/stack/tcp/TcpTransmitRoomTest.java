package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/**
 * A full transmit queue ({@link io.bypass.stack.link.Link#transmitRoom}) holds new data back
 * instead of losing it, and the first poll that finds room sends it: a connection with nothing
 * in flight has no ACK to send on, and its persist timer would come a minimum RTO later.
 */
class TcpTransmitRoomTest {
    private static final int PEER_ISS = 5000;

    @Test
    void dataHeldByAFullQueueGoesAtTheFirstPollWithRoom() {
        TcpHarness h = new TcpHarness();
        TcpConnection c = h.connectTo(PEER_ISS);
        byte[] data = TcpHarness.bytes(100, 3);
        h.ip.room = 0;
        assertEquals(100, h.write(c, data));
        h.expectNothing();
        assertEquals(1, h.counters.get(Counter.TCP_SEND_HELD_LINK_FULL));
        // Still full: the poll sends nothing, and the data stays held.
        h.layer.resumeHeldForLink(h.nowNs);
        h.expectNothing();
        h.ip.room = 1;
        h.advance(MS);
        h.layer.resumeHeldForLink(h.nowNs);
        h.expect(Seg.of(ACK | PSH).seq(h.iss + 1).ack(PEER_ISS + 1).payload(data));
        h.send(Seg.ack(PEER_ISS + 1, h.iss + 1 + 100));
        h.advance(1_000 * MS);
        h.expectNothing();
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }
}
