package io.bypass.samples.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which Bypass stats lines make a measurement count. */
class StatsProofTest {
    private static final List<String> IN_JVM = List.of("--rule", "bind * *");
    private static final List<String> LINK = List.of("--link", "shm:/dev/shm/x?side=0", "--rule", "bind * *");
    private static final String ON_THE_LINK = "bypass stats: kernelFallbacks=0 accelerated=true acceleratedChannels=1"
            + " TCP_SEGMENTS_IN=40 TCP_SEGMENTS_OUT=41 LINK_RX_FRAMES=40 LINK_TX_FRAMES=41";

    @Test
    void everyChannelOnTheStackAndFramesOnTheLinkCount() {
        assertNull(StatsProof.problem(ON_THE_LINK, LINK));
        assertNull(StatsProof.problem("bypass stats: kernelFallbacks=0 accelerated=true acceleratedChannels=2"
                + " TCP_SEGMENTS_IN=9", IN_JVM));
    }

    @Test
    void aKernelFallbackNoStackTrafficOrNoLineDoesNotCount() {
        assertTrue(StatsProof.problem(ON_THE_LINK.replace("kernelFallbacks=0", "kernelFallbacks=1"), LINK)
                .startsWith("not every channel ran on the stack"));
        assertTrue(StatsProof.problem("bypass stats: kernelFallbacks=0 accelerated=true acceleratedChannels=0",
                IN_JVM).startsWith("not every channel ran on the stack"));
        assertTrue(StatsProof.problem(null, IN_JVM).startsWith("no 'bypass stats:' line"));
    }

    @Test
    void withALinkTheLinkMustCarryFramesBothWays() {
        assertTrue(StatsProof.problem(ON_THE_LINK.replace(" LINK_TX_FRAMES=41", ""), LINK)
                .startsWith("no frames on the link both ways"));
    }
}
