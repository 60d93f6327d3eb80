package io.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class StackConfigTest {
    private static StackConfig.Builder valid() {
        return StackConfig.builder().mac("02:00:00:00:00:01").ip("10.0.0.1").prefixLength(24);
    }

    private static void assertNamesSetting(String setting, UnaryOperator<StackConfig.Builder> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(valid()).build());
        assertTrue(e.getMessage().startsWith(setting + " "), "message '" + e.getMessage() + "' names " + setting);
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        StackConfig config = valid().build();
        assertEquals(64, config.ttl());
        assertEquals(30_000_000_000L, config.arpReachableTimeNs());
        assertEquals(1_000_000_000L, config.arpRetryIntervalNs());
        assertEquals(3, config.arpMaxRequests());
        assertEquals(32, config.rxBurstSize());
        assertEquals(0, config.gateway());
        assertEquals(0x0a0000ff, config.subnetBroadcast());
        assertEquals(30_000_000_000L, config.reassemblyTimeoutNs());
        assertEquals(4 << 20, config.reassemblyMemoryBytes());
        assertEquals(65_535, config.reassemblyMaxDatagramBytes());
        assertEquals((4 << 20) / 65_589, config.reassemblyBuffers(), "buffers of 14 + 60 + 65,515 bytes");
        assertEquals(600_000_000_000L, config.pathMtuExpiryNs());
        assertEquals(552, config.pathMtuMinimum());
        assertEquals(64, config.pathMtuCacheSize());
        assertEquals(1024, config.udpReceiveFramesTotal());
    }

    @Test
    void badSettingsAreNamed() {
        assertNamesSetting("mac", b -> StackConfig.builder().ip("10.0.0.1"));
        assertNamesSetting("mac", b -> b.mac("01:00:5e:00:00:01"));
        assertNamesSetting("mac", b -> b.mac(0));
        assertNamesSetting("ip", b -> StackConfig.builder().mac("02:00:00:00:00:01"));
        assertNamesSetting("ip", b -> b.ip("224.0.0.1"));
        assertNamesSetting("ip", b -> b.ip("0.0.0.0"));
        assertNamesSetting("ip", b -> b.ip("127.0.0.1"));
        assertNamesSetting("prefixLength", b -> b.prefixLength(33));
        assertNamesSetting("prefixLength", b -> b.prefixLength(0));
        assertNamesSetting("gateway", b -> b.gateway("192.168.1.1"));
        assertNamesSetting("gateway", b -> b.gateway("10.0.0.1"));
        assertNamesSetting("ttl", b -> b.ttl(0));
        assertNamesSetting("ttl", b -> b.ttl(256));
        assertNamesSetting("arpReachableTimeNs", b -> b.arpReachableTimeNs(0));
        assertNamesSetting("arpRetryIntervalNs", b -> b.arpRetryIntervalNs(-1));
        assertNamesSetting("arpMaxRequests", b -> b.arpMaxRequests(0));
        assertNamesSetting("arpCacheSize", b -> b.arpCacheSize(0));
        assertNamesSetting("arpQueuePerNeighbour", b -> b.arpQueuePerNeighbour(0));
        assertNamesSetting("arpQueueTotal", b -> b.arpQueuePerNeighbour(8).arpQueueTotal(4));
        assertNamesSetting("rxBurstSize", b -> b.rxBurstSize(0));
        assertNamesSetting("txBurstSize", b -> b.txBurstSize(0));
        assertNamesSetting("udpReceiveQueueLength", b -> b.udpReceiveQueueLength(0));
        assertNamesSetting("icmpErrorsPerSecond", b -> b.icmpErrorsPerSecond(0));
        assertNamesSetting("tcp", b -> b.tcp(null));
        assertNamesSetting("timerTickNs", b -> b.timerTickNs(0));
        assertNamesSetting("reassemblyTimeoutNs", b -> b.reassemblyTimeoutNs(0));
        assertNamesSetting("reassemblyMaxDatagramBytes", b -> b.reassemblyMaxDatagramBytes(575));
        assertNamesSetting("reassemblyMaxDatagramBytes", b -> b.reassemblyMaxDatagramBytes(65_536));
        assertNamesSetting("reassemblyMemoryBytes", b -> b.reassemblyMemoryBytes(65_588));
        assertNamesSetting("reassemblyMemoryBytes", b -> b.reassemblyMaxDatagramBytes(576).reassemblyMemoryBytes(1 << 30));
        assertNamesSetting("pathMtuCacheSize", b -> b.pathMtuCacheSize(0));
        assertNamesSetting("pathMtuExpiryNs", b -> b.pathMtuExpiryNs(0));
        assertNamesSetting("pathMtuMinimum", b -> b.pathMtuMinimum(67));
        assertNamesSetting("udpReceiveFramesTotal", b -> b.udpReceiveFramesTotal(0));
    }

    @Test
    void onLinkGatewayIsAccepted() {
        assertEquals(0x0a0000fe, valid().gateway("10.0.0.254").build().gateway());
    }
}
