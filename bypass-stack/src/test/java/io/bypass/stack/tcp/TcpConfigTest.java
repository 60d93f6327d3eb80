package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TcpConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        TcpConfig c = TcpConfig.defaults();
        assertEquals(256 * 1024, c.sendBufferBytes());
        assertEquals(256 * 1024, c.receiveBufferBytes());
        assertEquals(4 << 20, c.sendBufferMaxBytes());
        assertEquals(4 << 20, c.receiveBufferMaxBytes());
        assertEquals(256, c.reassemblyFramesTotal());
        assertEquals(1_000_000_000L, c.initialRtoNs());
        assertEquals(200_000_000L, c.minRtoNs());
        assertEquals(60_000_000_000L, c.maxRtoNs());
        assertEquals(40_000_000L, c.delayedAckTimeoutNs());
        assertEquals(60_000_000_000L, c.timeWaitNs());
        assertEquals(49_152, c.ephemeralPortFirst());
        assertEquals(65_535, c.ephemeralPortLast());
        assertEquals(CongestionAlgorithm.CUBIC, c.congestionAlgorithm());
        assertEquals(0, c.userTimeoutNs());
        assertEquals(4_096, c.maxHalfOpen());
        assertTrue(c.synCookies());
    }

    @Test
    void robustnessSettingsSurviveToBuilderAndAreChecked() {
        TcpConfig c = TcpConfig.builder().congestionAlgorithm(CongestionAlgorithm.NEW_RENO).keepAliveIdleNs(5)
                .keepAliveIntervalNs(6).keepAliveCount(7).userTimeoutNs(8).maxHalfOpen(9).synCookies(false)
                .build().toBuilder().build();
        assertEquals(CongestionAlgorithm.NEW_RENO, c.congestionAlgorithm());
        assertEquals(5, c.keepAliveIdleNs());
        assertEquals(6, c.keepAliveIntervalNs());
        assertEquals(7, c.keepAliveCount());
        assertEquals(8, c.userTimeoutNs());
        assertEquals(9, c.maxHalfOpen());
        assertTrue(!c.synCookies());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TcpConfig.builder().keepAliveCount(0).build());
        assertTrue(e.getMessage().contains("keepAliveCount"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TcpConfig.builder().congestionAlgorithm(null).build());
        assertTrue(e.getMessage().contains("congestionAlgorithm"), e.getMessage());
    }

    @Test
    void badValueNamesTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TcpConfig.builder().delayedAckTimeoutNs(600_000_000L).build());
        assertTrue(e.getMessage().contains("delayedAckTimeoutNs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TcpConfig.builder().ephemeralPorts(60_000, 50_000).build());
        assertTrue(e.getMessage().contains("ephemeralPortLast"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TcpConfig.builder().minRtoNs(0).build());
        assertTrue(e.getMessage().contains("minRtoNs"), e.getMessage());
    }

    @Test
    void fixedSecretsSurviveToBuilder() {
        TcpConfig c = TcpConfig.builder().isnSecret(1, 2).portSeed(3).build().toBuilder().mssCap(1000).build();
        assertEquals(1, c.isnSecretHigh());
        assertEquals(2, c.isnSecretLow());
        assertEquals(3, c.portSeed());
        assertEquals(1000, c.mssCap());
    }

    @Test
    void bufferCapsAreNeverBelowTheStartingSizesAndFrameBudgetIsChecked() {
        TcpConfig c = TcpConfig.builder().receiveBufferBytes(8 << 20).sendBufferMaxBytes(4096).build();
        assertEquals(8 << 20, c.receiveBufferMaxBytes());
        assertEquals(256 * 1024, c.sendBufferMaxBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TcpConfig.builder().reassemblyFramesTotal(-1).build());
        assertTrue(e.getMessage().contains("reassemblyFramesTotal"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TcpConfig.builder().receiveBufferMaxBytes(100).build());
        assertTrue(e.getMessage().contains("receiveBufferMaxBytes"), e.getMessage());
    }

    @Test
    void framesPerFullSegmentDefaultsToOneSurvivesToBuilderAndIsChecked() {
        assertEquals(1, TcpConfig.defaults().framesPerFullSegment());
        assertEquals(2, TcpConfig.builder().framesPerFullSegment(2).build().toBuilder().build().framesPerFullSegment());
        for (int bad : new int[] {0, 17}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TcpConfig.builder().framesPerFullSegment(bad).build());
            assertTrue(e.getMessage().contains("framesPerFullSegment"), e.getMessage());
        }
    }
}
