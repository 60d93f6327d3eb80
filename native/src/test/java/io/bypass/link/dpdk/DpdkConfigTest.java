package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code dpdk:} setting: what it accepts, and errors that name the bad part. */
class DpdkConfigTest {
    @Test
    void ealArgumentsAndDevargsAreSplitAtTheFirstSemicolon() {
        DpdkConfig c = DpdkConfig.parse("dpdk:--no-huge  -m 512 --no-pci;dev=net_af_xdp0,iface=veth0,start_queue=0");
        assertEquals(List.of("--no-huge", "-m", "512", "--no-pci"), c.ealArgs());
        assertEquals("net_af_xdp0,iface=veth0,start_queue=0", c.devargs());
        assertNull(c.portName());
        assertEquals("net_af_xdp0", c.deviceName());
        assertEquals(4095, c.mbufs());
        assertTrue(c.offload());
    }

    @Test
    void aPortAttachedByTheEalArgumentsAndTuningKeys() {
        DpdkConfig c = DpdkConfig.parse("-a 0000:01:00.0;port=0000:01:00.0;mbufs=16383;rxd=2048;txd=512;mtu=9000;offload=off");
        assertEquals(List.of("-a", "0000:01:00.0"), c.ealArgs());
        assertEquals("0000:01:00.0", c.deviceName());
        assertEquals(16383, c.mbufs());
        assertEquals(2048, c.rxDescriptors());
        assertEquals(512, c.txDescriptors());
        assertEquals(9000, c.mtu());
        assertFalse(c.offload());
    }

    @Test
    void badPartsAreNamed() {
        assertMessage("dpdk:--no-huge;dev=x;mbufs=lots", "'mbufs=lots' is not a whole number");
        assertMessage("dpdk:--no-huge;dev=x;rxd=1", "'rxd=1' is outside 16..32768");
        assertMessage("dpdk:--no-huge;dev=x;colour=blue", "unknown key 'colour'");
        assertMessage("dpdk:--no-huge;dev=x;offload=maybe", "offload is on or off");
        assertMessage("dpdk:--no-huge;dev=x;justaword", "'justaword' is not key=value");
        assertMessage("dpdk:--no-huge", "give exactly one of dev=<devargs>");
        assertMessage("dpdk:--no-huge;dev=a;port=b", "give exactly one of dev=<devargs>");
    }

    private static void assertMessage(String spec, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DpdkConfig.parse(spec));
        assertTrue(e.getMessage().contains(part) && e.getMessage().contains(spec), e.getMessage());
    }
}
