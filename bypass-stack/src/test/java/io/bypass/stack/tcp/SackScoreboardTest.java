package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.wire.TcpOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The RFC 6675 scoreboard: ranges, IsLost, pipe and NextSeg (section 4). */
class SackScoreboardTest {
    private static final int UNA = 1_000;
    private static final int MSS = 100;
    private final SackScoreboard board = new SackScoreboard();

    /** An ACK's SACK option with the given edges, parsed as it would arrive. */
    private static TcpOptions sack(int... edges) {
        SegmentOptions o = new SegmentOptions();
        o.sackBlocks = edges.length / 2;
        System.arraycopy(edges, 0, o.sackEdges, 0, edges.length);
        MemorySegment m = Arena.ofAuto().allocate(40);
        int n = o.write(m, 0);
        TcpOptions parsed = new TcpOptions();
        assertTrue(parsed.parse(m, 0, n));
        return parsed;
    }

    @Test
    void blocksMergeAndInvalidOnesAreIgnored() {
        board.init(0);
        assertTrue(board.update(sack(1_200, 1_300), UNA, 2_000));
        assertTrue(board.update(sack(1_400, 1_500, 1_300, 1_400), UNA, 2_000));
        assertEquals(1, board.rangeCount());
        assertEquals(1_200, board.left(0));
        assertEquals(1_500, board.right(0));
        // Already known, beyond SND.MAX, inverted, below SND.UNA: no news.
        assertFalse(board.update(sack(1_250, 1_350), UNA, 2_000));
        assertFalse(board.update(sack(1_900, 2_100), UNA, 2_000));
        assertFalse(board.update(sack(1_700, 1_600), UNA, 2_000));
        assertFalse(board.update(sack(500, 900), UNA, 2_000));
        board.advance(1_300);
        assertEquals(1_300, board.left(0));
    }

    @Test
    void holesAreLostWithThreeSegmentsOrThreeBlocksAbove() {
        board.init(0);
        // SACKed: [1100,1200) [1300,1400) [1500,1600), HighData 1800.
        board.update(sack(1_100, 1_200, 1_300, 1_400, 1_500, 1_600), UNA, 1_800);
        assertTrue(board.isLost(UNA, MSS), "three blocks above");
        assertFalse(board.isLost(1_200, MSS), "two blocks, 200 bytes above");
        assertFalse(board.isLost(1_600, MSS), "nothing above");
        // SetPipe before recovery: the unlost holes [1200,1300) [1400,1500) [1600,1800).
        assertEquals(400, board.pipe(UNA, 1_800, MSS));
    }

    @Test
    void nextSegPicksLostHolesThenUnsackedOnesThenTheRescue() {
        board.init(0);
        board.update(sack(1_100, 1_200, 1_300, 1_400, 1_500, 1_600), UNA, 1_800);
        board.enterRecovery(UNA, 1_800);
        assertEquals(SackScoreboard.RETRANSMIT, board.nextSeg(UNA, 1_800, MSS, false));
        assertEquals(UNA, board.nextSeq());
        assertEquals(MSS, board.nextLength());
        board.retransmitted(UNA + MSS);
        // Rule (1) has nothing more: [1200,1300) is not lost; rule (3) takes it.
        assertEquals(SackScoreboard.NONE, board.nextSeg(UNA, 1_800, MSS, false));
        assertEquals(SackScoreboard.RETRANSMIT, board.nextSeg(UNA, 1_800, MSS, true));
        assertEquals(1_200, board.nextSeq());
        board.retransmitted(1_300);
        assertEquals(SackScoreboard.RETRANSMIT, board.nextSeg(UNA, 1_800, MSS, true));
        assertEquals(1_400, board.nextSeq());
        board.retransmitted(1_500);
        // Rule (4): once, the highest unSACKed segment.
        assertEquals(SackScoreboard.RESCUE, board.nextSeg(UNA, 1_800, MSS, true));
        assertEquals(1_700, board.nextSeq());
        assertEquals(SackScoreboard.NONE, board.nextSeg(UNA, 1_800, MSS, true));
        // Pipe counts retransmitted bytes too: 100 + 100+100 + 100+100 + 200 (not lost, last hole).
        assertEquals(700, board.pipe(UNA, 1_800, MSS));
        assertFalse(board.maybeExit(1_700));
        assertTrue(board.maybeExit(1_800));
    }

    @Test
    void recoveryStartsOnTheThirdDupAckOnlyOncePerWindow() {
        board.init(0);
        board.update(sack(1_100, 1_200), UNA, 1_800);
        assertFalse(board.duplicate(true, UNA, MSS));
        board.update(sack(1_100, 1_250), UNA, 1_800);
        assertFalse(board.duplicate(true, UNA, MSS));
        assertFalse(board.duplicate(false, UNA, MSS), "no new SACK information: not a DupAck");
        board.update(sack(1_100, 1_300), UNA, 1_800);
        assertTrue(board.duplicate(true, UNA, MSS));
        board.enterRecovery(UNA, 1_800);
        board.timeout(1_800);
        assertEquals(0, board.rangeCount());
        assertFalse(board.duplicate(true, 1_500, MSS), "below the recovery point of the timeout");
    }
}
