package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** IP_TOS on a connection: the DSCP of every segment it sends from then on; ECN bits stay TCP's. */
class TcpIpTosTest {
    private final TcpHarness h = new TcpHarness();

    @Test
    void everySegmentCarriesTheDscpAndTheEcnBitsStayZero() {
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        FakeIp.Sent syn = h.ip.sent.peek();
        assertEquals(0, syn.dscpEcn(), "0 until set");
        Seg s = h.next();
        h.send(Seg.of(SYN | ACK).seq(1000).ack(s.seq + 1).mss(1460));
        h.next();
        // 0xbb: DSCP EF (0xb8) with both ECN bits, which Linux also keeps from a TCP socket.
        c.ipTos(0xbb);
        assertEquals(0xb8, c.dscpEcn());
        c.write(ByteBuffer.wrap(new byte[100]), h.nowNs);
        assertEquals(0xb8, h.ip.sent.peek().dscpEcn(), "data");
        h.next();
        c.abort(h.nowNs);
        assertEquals(0xb8, h.ip.sent.peek().dscpEcn(), "the RST of an abort");
        h.next();
        assertThrows(IllegalArgumentException.class, () -> c.ipTos(256));
        h.assertNoLeaks();
    }
}
