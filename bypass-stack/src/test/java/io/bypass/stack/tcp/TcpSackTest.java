package io.bypass.stack.tcp;

import static io.bypass.stack.tcp.TcpHarness.LOCAL_IP;
import static io.bypass.stack.tcp.TcpHarness.LOCAL_PORT;
import static io.bypass.stack.tcp.TcpHarness.MS;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_IP;
import static io.bypass.stack.tcp.TcpHarness.REMOTE_PORT;
import static io.bypass.stack.wire.TcpHeader.ACK;
import static io.bypass.stack.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bypass.stack.Counter;
import org.junit.jupiter.api.Test;

/** SACK: the receiver's blocks (RFC 2018 section 4) and the sender's RFC 6675 recovery. */
class TcpSackTest {
    private static final int P = 5000;
    private static final int MSS = 100;
    private int iss;

    /** Active open with SACK (and timestamps only if {@code ts}), MSS 100, no window scaling. */
    private TcpConnection open(TcpHarness h, boolean ts) {
        TcpConnection c = h.layer.connect(LOCAL_IP, LOCAL_PORT, REMOTE_IP, REMOTE_PORT, h.nowNs);
        Seg syn = h.expect(Seg.of(SYN).sackOk());
        iss = syn.seq;
        Seg synAck = Seg.of(SYN | ACK).seq(P).ack(iss + 1).mss(MSS).sackOk();
        if (ts) {
            synAck.ts(1, syn.tsVal);
        }
        h.send(synAck);
        h.expect(Seg.of(ACK));
        return c;
    }

    @Test
    void blocksReportTheMostRecentSegmentFirst() {
        TcpHarness h = new TcpHarness(TcpHarness.config().timestamps(false).build(), 0);
        TcpConnection c = open(h, false);
        int r = P + 1;
        h.send(Seg.ack(r + 100, iss + 1).payload(TcpHarness.bytes(100, 1)));
        h.expect(Seg.ack(iss + 1, r).sack(r + 100, r + 200));
        h.send(Seg.ack(r + 300, iss + 1).payload(TcpHarness.bytes(100, 3)));
        h.expect(Seg.ack(iss + 1, r).sack(r + 300, r + 400, r + 100, r + 200));
        h.send(Seg.ack(r + 500, iss + 1).payload(TcpHarness.bytes(100, 5)));
        h.expect(Seg.ack(iss + 1, r).sack(r + 500, r + 600, r + 300, r + 400, r + 100, r + 200));
        // Filling the hole between two blocks merges them; the merged block comes first.
        h.send(Seg.ack(r + 200, iss + 1).payload(TcpHarness.bytes(100, 2)));
        h.expect(Seg.ack(iss + 1, r).sack(r + 100, r + 400, r + 500, r + 600));
        // The first hole filled: the cumulative ACK moves, one block remains.
        h.send(Seg.ack(r, iss + 1).payload(TcpHarness.bytes(100, 0)));
        h.expect(Seg.ack(iss + 1, r + 400).sack(r + 500, r + 600));
        h.send(Seg.ack(r + 400, iss + 1).payload(TcpHarness.bytes(100, 4)));
        assertNull(h.expect(Seg.ack(iss + 1, r + 600)).sack);
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }

    @Test
    void atMostFourBlocksWithoutTimestampsAndThreeWithThem() {
        // RFC 2018 section 3: 40 option bytes hold 4 blocks, 3 beside the 12 of timestamps.
        for (boolean ts : new boolean[] {false, true}) {
            TcpHarness h = new TcpHarness(TcpHarness.config().timestamps(ts).build(), 0);
            TcpConnection c = open(h, ts);
            int r = P + 1;
            Seg last = null;
            for (int i = 1; i <= 5; i++) {
                Seg s = Seg.ack(r + 200 * i, iss + 1).payload(TcpHarness.bytes(100, i));
                if (ts) {
                    s.ts(10 + i, 0);
                }
                h.send(s);
                last = h.next();
            }
            assertEquals(ts ? 6 : 8, last.sack.length);
            assertEquals(r + 1000, last.sack[0]);
            c.abort(h.nowNs);
            h.assertNoLeaks();
        }
    }

    /**
     * Eight segments in flight, the second and the sixth lost: RFC 6675 retransmits both on
     * the duplicate ACKs of this window (no timeout), where NewReno would need a partial ACK
     * and another round trip for the second loss. NewReno's halving (RFC 5681 equation 4)
     * sets the cwnd the pipe arithmetic below is written for; CUBIC would use 0.7.
     */
    @Test
    void twoLossesInOneWindowAreRepairedWithoutTimeout() {
        TcpHarness h = new TcpHarness(TcpHarness.config().timestamps(false)
                .congestionAlgorithm(CongestionAlgorithm.NEW_RENO).build(), 0);
        TcpConnection c = open(h, false);
        int s = iss + 1;
        // Grow cwnd to 8 segments: 4 sent (IW), each ACKed alone.
        h.write(c, TcpHarness.bytes(400, 0));
        for (int i = 0; i < 4; i++) {
            h.next();
        }
        for (int i = 1; i <= 4; i++) {
            h.send(Seg.ack(P + 1, s + 100 * i).window(1200 - 100 * i));
        }
        assertEquals(800, c.congestionWindow());
        int base = s + 400;
        // The peer's window ends at base + 800: exactly eight segments, nothing new after them.
        h.write(c, TcpHarness.bytes(800, 1));
        for (int i = 0; i < 8; i++) {
            assertEquals(base + 100 * i, h.next().seq);
        }
        int una = base + 100;
        h.send(Seg.ack(P + 1, una).window(700));
        h.expectNothing();
        h.send(Seg.ack(P + 1, una).window(700).sack(base + 200, base + 300));
        h.send(Seg.ack(P + 1, una).window(700).sack(base + 200, base + 400));
        h.expectNothing();
        h.send(Seg.ack(P + 1, una).window(700).sack(base + 200, base + 500));
        // Third DupAck: recovery, the first hole again.
        Seg first = h.next();
        assertEquals(una, first.seq);
        assertEquals(MSS, first.payload.length);
        assertEquals(1, h.counters.get(Counter.TCP_SACK_RECOVERIES));
        assertEquals(350, c.congestionWindow());
        h.send(Seg.ack(P + 1, una).window(700).sack(base + 600, base + 700, base + 200, base + 500));
        h.expectNothing();
        h.send(Seg.ack(P + 1, una).window(700).sack(base + 600, base + 800, base + 200, base + 500));
        // Pipe fell below cwnd - SMSS: NextSeg rule 3 sends the unSACKed hole below the top.
        assertEquals(base + 500, h.next().seq);
        h.expectNothing();
        // A partial ACK: the one rescue retransmission of the recovery (rule 4) goes out for
        // the highest unSACKed data, in case the retransmission of it was lost too.
        h.send(Seg.ack(P + 1, base + 500).window(300).sack(base + 600, base + 800));
        assertEquals(base + 500, h.next().seq);
        h.expectNothing();
        h.send(Seg.ack(P + 1, base + 800).window(100));
        assertEquals(0, h.counters.get(Counter.TCP_TIMEOUTS));
        assertEquals(350, c.congestionWindow());
        h.advance(1_000 * MS);
        h.expectNothing();
        h.assertNoLeaks();
    }

    @Test
    void duplicateAcksWithoutBlocksStillTriggerFastRetransmit() {
        // SACK negotiated, but the blocks never arrive (a middlebox strips them): RFC 5681
        // duplicate ACKs count as DupAcks, so the loss is repaired without a timeout.
        TcpHarness h = new TcpHarness(TcpHarness.config().timestamps(false).build(), 0);
        TcpConnection c = open(h, false);
        int s = iss + 1;
        h.write(c, TcpHarness.bytes(400, 0));
        for (int i = 0; i < 4; i++) {
            h.next();
        }
        for (int i = 0; i < 3; i++) {
            h.send(Seg.ack(P + 1, s).window(65_535));
        }
        Seg again = h.next();
        assertEquals(s, again.seq);
        assertEquals(MSS, again.payload.length);
        assertEquals(1, h.counters.get(Counter.TCP_SACK_RECOVERIES));
        c.abort(h.nowNs);
        h.assertNoLeaks();
    }
}
