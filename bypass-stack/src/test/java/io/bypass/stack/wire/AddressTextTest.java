package io.bypass.stack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AddressTextTest {
    @Test
    void ipv4RoundTripsThroughText() {
        int a = Ipv4Address.parse("192.168.7.254");
        assertEquals(0xc0a807fe, a);
        assertEquals("192.168.7.254", Ipv4Address.toString(a));
    }

    @Test
    void malformedIpv4NamesTheText() {
        for (String bad : new String[] {"1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1..2.3", "", "1.2.3.-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void subnetMaskAndMembership() {
        assertEquals(0xffffff00, Ipv4Address.mask(24));
        assertEquals(0, Ipv4Address.mask(0));
        assertEquals(-1, Ipv4Address.mask(32));
        assertTrue(Ipv4Address.sameSubnet(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.200"), 24));
        assertFalse(Ipv4Address.sameSubnet(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.1.1"), 24));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.mask(33));
    }

    @Test
    void macRoundTripsThroughTextAndKnowsMulticast() {
        long mac = MacAddress.parse("02:00:5e:10:00:ff");
        assertEquals(0x02005e1000ffL, mac);
        assertEquals("02:00:5e:10:00:ff", MacAddress.toString(mac));
        assertTrue(MacAddress.isMulticast(MacAddress.parse("01:00:5e:00:00:01")));
        assertFalse(MacAddress.isMulticast(mac));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:5e:10:00"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:5e:10:00:zz"));
    }
}
