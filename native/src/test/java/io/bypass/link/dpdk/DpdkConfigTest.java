package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.link.LinkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code dpdk:} setting: what it accepts, and errors that name the bad part. */
class DpdkConfigTest {
    @Test
    void theTargetIsTheDevargsAndEalArgumentsAreSplitOnSpacesOrPlus() {
        DpdkConfig c = DpdkConfig.parse("dpdk:net_af_xdp0,iface=veth0,start_queue=0?eal=--no-huge+-m 512  --no-pci");
        assertEquals(List.of("--no-huge", "-m", "512", "--no-pci"), c.ealArgs());
        assertEquals("net_af_xdp0,iface=veth0,start_queue=0", c.devargs());
        assertEquals("net_af_xdp0", c.deviceName());
        assertEquals(4095, c.mbufs());
        assertEquals(0, c.mtu(), "the port's own");
        assertTrue(c.offload());
    }

    @Test
    void aPciDeviceWithEalArgumentsThatHoldEqualsSignsAndTuningParameters() {
        DpdkConfig c = DpdkConfig.parse("dpdk:0000:01:00.0?eal=-a+0000:01:00.0,rx_vec_en=1+--file-prefix=b1"
                + "&mbufs=16383&rxd=2048&txd=512&mtu=9000&offload=off");
        assertEquals(List.of("-a", "0000:01:00.0,rx_vec_en=1", "--file-prefix=b1"), c.ealArgs());
        assertEquals("0000:01:00.0", c.deviceName());
        assertEquals(16383, c.mbufs());
        assertEquals(2048, c.rxDescriptors());
        assertEquals(512, c.txDescriptors());
        assertEquals(9000, c.mtu());
        assertFalse(c.offload());
    }

    @Test
    void theStacksMtuAndPoolSizeApplyWhereTheSpecSaysNothing() {
        DpdkConfig c = DpdkConfig.from(LinkSpec.parse("dpdk:net_tap0?eal=--no-huge"), new LinkSettings(9000, 8191));
        assertEquals(9000, c.mtu());
        assertEquals(8191, c.mbufs());
        assertEquals(List.of(), DpdkConfig.parse("dpdk:net_tap0").ealArgs(), "no eal: DPDK's defaults");
    }

    @Test
    void badPartsAreNamed() {
        assertMessage("dpdk:x?mbufs=lots", "mbufs='lots' is not an integer");
        assertMessage("dpdk:x?rxd=1", "rxd=1 must be 16..32768");
        assertMessage("dpdk:x?colour=blue", "unknown parameter 'colour'");
        assertMessage("dpdk:x?offload=maybe", "offload='maybe' must be one of on, off");
        assertMessage("dpdk:x?justaword", "parameter 'justaword' is not key=value");
        assertMessage("dpdk:?eal=--no-huge", "missing the device's devargs");
        assertMessage("dpdk:--no-huge -m 512;dev=net_af_xdp0,iface=a", "is not a device: the target is the devargs");
        assertMessage("dpdk:,iface=a", "do not start with a device name");
    }

    private static void assertMessage(String spec, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DpdkConfig.parse(spec));
        assertTrue(e.getMessage().contains(part) && e.getMessage().contains(spec), e.getMessage());
    }
}
