package io.bypass.stack.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the frame input path with Jazzer: each input is a
 * {@link FrameInputScenario}, a stack with live TCP connections and a UDP socket fed
 * frames and time chosen by the fuzzer.
 *
 * <p>Under a plain {@code bin/build test} this replays the committed corpus in
 * {@code src/test/resources/io/bypass/stack/fuzz/FrameInputFuzzTestInputs/frameInput}
 * (regression mode). With {@code JAZZER_FUZZ=1} Jazzer fuzzes for {@code jazzer.max_duration}
 * (the build's bounded run and {@code bin/build fuzz} set both); a finding is written to
 * that directory as {@code crash-<sha1>} and fails the test, and so becomes a regression
 * input once committed.
 */
class FrameInputFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void frameInput(byte[] input) {
        FrameInputScenario.run(input);
    }
}
