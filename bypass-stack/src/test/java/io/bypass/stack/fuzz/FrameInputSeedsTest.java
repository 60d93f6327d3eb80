package io.bypass.stack.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seed corpus does what its recipes say: the committed files are the recipes'
 * bytes, and the recipes reach the connected states and move data, so that fuzzing starts
 * from deep in the state machine rather than at the handshake.
 */
class FrameInputSeedsTest {
    @Test
    void committedSeedFilesMatchTheirRecipes() throws IOException {
        for (Map.Entry<String, byte[]> seed : SeedInputs.all().entrySet()) {
            assertArrayEquals(seed.getValue(), Files.readAllBytes(SeedInputs.DIRECTORY.resolve(seed.getKey())),
                    seed.getKey() + " differs from its recipe: run SeedInputs.main from bypass-stack/");
        }
    }

    @Test
    void bothHandshakesCompleteAndDataFlowsBothWays() {
        FrameInputScenario.Outcome o = FrameInputScenario.run(SeedInputs.all().get("seed-data-both-ways"));
        assertEquals(2, o.established(), "the accepted and the connected socket reach ESTABLISHED");
        assertEquals(2000, o.bytesRead(), "the application reads both segments the peer sent");
    }

    @Test
    void everySeedPlaysThroughWithItsInvariantsHolding() {
        for (Map.Entry<String, byte[]> seed : SeedInputs.all().entrySet()) {
            FrameInputScenario.Outcome o = FrameInputScenario.run(seed.getValue());
            assertTrue(o.established() >= 1, seed.getKey() + " reaches ESTABLISHED: " + o);
        }
    }

    @Test
    void reorderedSegmentsAreReadInOrderOnceTheGapFills() {
        FrameInputScenario.Outcome o = FrameInputScenario.run(SeedInputs.all().get("seed-reordered-and-retransmitted"));
        // RFC 9293 section 3.10.7.4: the two segments after the gap wait in reassembly and
        // are delivered with the one that fills it; the later old duplicate adds nothing.
        assertEquals(3000, o.bytesRead());
    }
}
