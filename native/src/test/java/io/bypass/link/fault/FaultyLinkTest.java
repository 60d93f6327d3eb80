package io.bypass.link.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.buffer.Frame;
import io.bypass.stack.link.InMemoryLink;
import io.bypass.stack.link.LinkCounter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Faults injected on our side of an in-memory link: counted, seeded, and no frame leaked. */
class FaultyLinkTest {
    private static final int FRAMES = 20_000;

    /** Sends frames numbered 0..count-1 from A through the decorator; returns the numbers B received. */
    private static List<Integer> sendThrough(FaultyLink faulty, InMemoryLink[] ends, int count, boolean onReceive) {
        List<Integer> seen = new ArrayList<>();
        Frame[] burst = new Frame[32];
        int sent = 0;
        while (sent < count) {
            int n = 0;
            while (n < burst.length && sent < count) {
                Frame f = onReceive ? ends[0].allocate() : faulty.allocate();
                f.memory().set(ValueLayout.JAVA_INT, 0, sent++);
                f.window(0, 64);
                burst[n++] = f;
            }
            if (onReceive) {
                ends[0].transmit(burst, n);
            } else {
                faulty.transmit(burst, n);
            }
            Frame[] in = new Frame[32];
            for (int got; (got = onReceive ? faulty.receive(in, in.length) : ends[1].receive(in, in.length)) > 0; ) {
                for (int i = 0; i < got; i++) {
                    seen.add(in[i].memory().get(ValueLayout.JAVA_INT, in[i].offset()));
                    in[i].release();
                }
            }
        }
        return seen;
    }

    private static void checkFaults(List<Integer> seen, FaultyLink faulty, int count) {
        int held = faulty.releaseHeld();
        long lost = faulty.stats().get(LinkCounter.FAULT_LOST);
        long duplicated = faulty.stats().get(LinkCounter.FAULT_DUPLICATED);
        long reordered = faulty.stats().get(LinkCounter.FAULT_REORDERED);
        assertEquals(count - lost + duplicated - held, seen.size(),
                "every frame is delivered, lost, duplicated, or still held");
        int outOfOrder = 0;
        for (int i = 1; i < seen.size(); i++) {
            if (seen.get(i) < seen.get(i - 1)) {
                outOfOrder++;
            }
        }
        assertTrue(lost > 50 && lost < 400, "lost " + lost);
        assertTrue(duplicated > 50 && reordered > 50 && outOfOrder > 50, "duplicated " + duplicated + " reordered " + reordered);
    }

    // Received frames: loss, reordering and duplication at about the configured 1% each.
    @Test
    void receivedFramesAreLostReorderedAndDuplicatedAndNoneLeaks() {
        InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 64, 1500, false);
        FaultyLink faulty = new FaultyLink(ends[1], Arena.ofAuto(), 7, 0.01, 0.01, 0.01);
        List<Integer> seen = sendThrough(faulty, ends, FRAMES, true);
        checkFaults(seen, faulty, FRAMES);
        assertEquals(0, ends[1].receiveFramesInUse() + faulty.copiesInUse() + ends[0].transmitFramesInUse());
    }

    // Sent frames: the same faults on the way out, duplicates built in the inner link's frames.
    @Test
    void sentFramesAreLostReorderedAndDuplicatedAndNoneLeaks() {
        InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 128, 1500, false);
        FaultyLink faulty = new FaultyLink(ends[0], Arena.ofAuto(), 7, 0.01, 0.01, 0.01);
        List<Integer> seen = sendThrough(faulty, ends, FRAMES, false);
        checkFaults(seen, faulty, FRAMES);
        assertEquals(0, ends[0].transmitFramesInUse() + ends[1].receiveFramesInUse());
    }

    // Same seed, same faults: a failing run can be replayed.
    @Test
    void sameSeedGivesSameFaults() {
        List<List<Integer>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            InMemoryLink[] ends = InMemoryLink.pair(Arena.ofAuto(), 64, 1500, false);
            runs.add(sendThrough(new FaultyLink(ends[1], Arena.ofAuto(), 99, 0.05, 0.05, 0.05), ends, 2000, true));
        }
        assertEquals(runs.get(0), runs.get(1));
    }
}
