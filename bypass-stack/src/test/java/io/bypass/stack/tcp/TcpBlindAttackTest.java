package io.bypass.stack.tcp;

import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.RST;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.Counter;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Blind in-window attacks (RFC 5961): an off-path attacker knows the 4-tuple but not the
 * exact sequence numbers. Its RSTs, SYNs and data must not kill or corrupt a connection
 * that keeps transferring both ways meanwhile.
 */
class TcpBlindAttackTest {
    private static final int P = 5000;
    private final TcpHarness h = new TcpHarness();

    @Test
    void blindRstsSynsAndDataNeitherKillNorCorruptATransferringConnection() {
        TcpConnection c = h.connectTo(P);
        SplittableRandom random = new SplittableRandom(11);
        int peerNext = P + 1;
        int ourNext = h.iss + 1;
        ByteArrayOutputStream peerSent = new ByteArrayOutputStream();
        ByteArrayOutputStream weReceived = new ByteArrayOutputStream();
        long ourBytes = 0;
        for (int i = 0; i < 3_000; i++) {
            switch (i % 6) {
                // RFC 5961 section 3.2: in the window but not exactly RCV.NXT: challenge ACK only.
                case 0 -> h.send(Seg.of(RST).seq(peerNext + 1 + random.nextInt(60_000)));
                // A RST anywhere in sequence space.
                case 1 -> h.send(Seg.of(RST | ACK).seq(random.nextInt()).ack(random.nextInt()));
                // RFC 5961 section 4: a SYN in a synchronized state, in window or not.
                case 2 -> h.send(Seg.syn(random.nextBoolean() ? peerNext + random.nextInt(60_000) : random.nextInt()));
                // RFC 5961 section 5: in-window data whose ACK acknowledges what we never sent.
                case 3 -> h.send(Seg.ack(peerNext + random.nextInt(1_000), ourNext + 1 + random.nextInt(1 << 30))
                        .payload(TcpHarness.bytes(50, 99)));
                // ... or whose ACK is older than SND.UNA - MAX.SND.WND: challenge ACK, dropped.
                case 4 -> h.send(Seg.ack(peerNext + random.nextInt(1_000), ourNext - 65_536 - random.nextInt(1 << 30))
                        .payload(TcpHarness.bytes(50, 98)));
                default -> {
                    // The real traffic: the peer sends a chunk and acknowledges ours; we write back.
                    byte[] chunk = TcpHarness.bytes(1 + random.nextInt(200), i);
                    h.send(Seg.ack(peerNext, ourNext).payload(chunk));
                    peerNext += chunk.length;
                    peerSent.writeBytes(chunk);
                    weReceived.writeBytes(h.read(c));
                    int written = h.write(c, TcpHarness.bytes(1 + random.nextInt(100), i + 1));
                    ourNext += written;
                    ourBytes += written;
                }
            }
            h.ip.drop();
            assertEquals(TcpState.ESTABLISHED, c.state(), "after blind segment " + i);
        }
        h.send(Seg.ack(peerNext, ourNext));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertArrayEquals(peerSent.toByteArray(), weReceived.toByteArray(), "no injected byte reached the application");
        assertEquals(0, c.available());
        assertTrue(ourBytes > 0);
        assertEquals(0, h.counters.get(Counter.TCP_RST_RECEIVED));
        assertTrue(h.counters.get(Counter.TCP_CHALLENGE_ACKS) >= 1_000, "challenge ACKs for RSTs, SYNs and old ACKs");
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }
}
