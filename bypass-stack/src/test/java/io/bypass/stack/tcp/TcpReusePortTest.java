package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.wire.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SO_REUSEPORT groups of listeners, as in Linux 3.9 and later: a 4-tuple hash spreads connections. */
class TcpReusePortTest {
    private static final int CONNECTIONS = 64;
    private final TcpHarness h = new TcpHarness();

    /** Completes a handshake from peer port {@code peerPort}; returns which listener accepted it. */
    private int connectFrom(int peerPort, TcpListener... group) {
        h.peerPort = peerPort;
        h.send(Seg.syn(7000).mss(1460));
        Seg synAck = h.expect(Seg.of(SYN | ACK).ack(7001));
        h.send(Seg.ack(7001, synAck.seq + 1));
        h.expectNothing();
        int found = -1;
        for (int i = 0; i < group.length; i++) {
            TcpConnection c = group[i].accept();
            if (c != null) {
                assertEquals(-1, found, "one connection accepted by two listeners");
                assertEquals(peerPort, c.remotePort());
                found = i;
                c.abort(h.nowNs);
                h.next();
            }
        }
        assertTrue(found >= 0, "no listener accepted the connection from port " + peerPort);
        return found;
    }

    @Test
    void listenersThatAllOptInShareAPortAndSplitConnectionsByFourTuple() {
        TcpListener a = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, true);
        TcpListener b = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, true);
        List<Integer> chosen = new ArrayList<>();
        int[] perListener = new int[2];
        for (int i = 0; i < CONNECTIONS; i++) {
            int which = connectFrom(40_000 + i, a, b);
            chosen.add(which);
            perListener[which]++;
        }
        // Fixed secrets make the split deterministic; both members get a share.
        assertTrue(perListener[0] > 0 && perListener[1] > 0, "split " + perListener[0] + "/" + perListener[1]);
        // The same 4-tuple reaches the same member again (a new incarnation of the connection).
        for (int i = 0; i < 8; i++) {
            assertEquals(chosen.get(i), connectFrom(40_000 + i, a, b));
        }
        a.close(h.nowNs);
        b.close(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void aListenerThatDidNotOptInKeepsItsAddress() {
        TcpListener plain = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, false);
        TcpException e = assertThrows(TcpException.class, () -> h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, true));
        assertEquals(TcpException.Reason.ADDRESS_IN_USE, e.reason());
        plain.close(h.nowNs);
        TcpListener shared = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, true);
        e = assertThrows(TcpException.class, () -> h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, false));
        assertEquals(TcpException.Reason.ADDRESS_IN_USE, e.reason());
        // Another address is another group.
        h.layer.listen(Ipv4Address.ANY, LOCAL_PORT, 8, false).close(h.nowNs);
        shared.close(h.nowNs);
    }

    @Test
    void closingAMemberSendsNewConnectionsToTheRestAndTheLastOneFreesThePort() {
        TcpListener a = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, true);
        TcpListener b = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, true);
        TcpListener c = h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, true);
        // Close the middle member, then the first: the table's head and a link both change.
        b.close(h.nowNs);
        int[] perListener = new int[2];
        for (int i = 0; i < 16; i++) {
            perListener[connectFrom(41_000 + i, a, c)]++;
        }
        assertTrue(perListener[0] > 0 && perListener[1] > 0, "split " + perListener[0] + "/" + perListener[1]);
        a.close(h.nowNs);
        for (int i = 0; i < 16; i++) {
            assertEquals(0, connectFrom(42_000 + i, c));
        }
        c.close(h.nowNs);
        h.peerPort = 43_000;
        h.send(Seg.syn(7000));
        h.expect(Seg.of(RST | ACK).ack(7001));
        // The port is free again, even for a listener that does not share.
        h.layer.listen(LOCAL_IP, LOCAL_PORT, 8, false).close(h.nowNs);
        h.assertNoLeaks();
    }
}
