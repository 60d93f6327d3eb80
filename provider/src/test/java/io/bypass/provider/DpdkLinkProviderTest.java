package io.bypass.provider;

import static io.bypass.provider.KernelCurl.run;
import static io.bypass.provider.KernelCurl.runQuietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.wire.Ipv4Address;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code bypass.link=dpdk:...}: a spec the DPDK link refuses stops the provider with a message
 * naming {@code bypass.link}; and (root, DPDK installed) a provider whose link is DPDK's
 * {@code net_af_xdp} on our end of a veth pair serves {@code curl} run by the kernel in a
 * namespace the test makes, with the link's and the stack's counters proving the path.
 */
class DpdkLinkProviderTest {
    private static final String EAL = "--no-huge+-m+256+--no-pci";

    private static BypassSelectorProvider provider(String link, int ip) {
        return new BypassSelectorProvider(BypassConfig.fromSystemProperties().withLink(link, ip)
                .withRules(Rules.parse("bind * *", "test")));
    }

    @Test
    void aBadDpdkSpecIsRefusedNamingBypassLinkAndThePart() {
        int ip = Ipv4Address.parse("10.79.0.2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> provider("dpdk:net_af_xdp0,iface=x?eal=" + EAL + "&mbufs=lots", ip));
        assertTrue(e.getMessage().startsWith("bypass.link='dpdk:net_af_xdp0,iface=x?eal=") && e.getMessage()
                .contains("mbufs='lots' is not an integer"), e.getMessage());
        // The form the DPDK link had before it had a factory: the EAL arguments where the device goes.
        e = assertThrows(IllegalArgumentException.class,
                () -> provider("dpdk:--no-huge -m 512;dev=net_af_xdp0,iface=x", ip));
        assertTrue(e.getMessage().startsWith("bypass.link='dpdk:--no-huge -m 512;dev=net_af_xdp0,iface=x': ")
                && e.getMessage().contains("EAL arguments go in ?eal="), e.getMessage());
    }

    @Test
    void aBadDpdkSpecInTheSystemPropertiesNamesBypassLink() {
        Properties p = new Properties();
        p.setProperty("bypass.link", "dpdk:net_af_xdp0?offload=maybe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BypassSelectorProvider(BypassConfig.from(p)));
        assertTrue(e.getMessage().startsWith("bypass.link='dpdk:net_af_xdp0?offload=maybe': ")
                && e.getMessage().contains("offload='maybe' must be one of on, off"), e.getMessage());
    }

    @Test
    void theStackTakesBypassMacElseTheDevicesElseOneMadeFromItsAddress() {
        Properties p = new Properties();
        p.setProperty("bypass.ip", "10.79.0.2");
        BypassConfig unset = BypassConfig.from(p);
        assertEquals(0x02_00_0a_4f_00_02L, unset.macOn(0), "no device MAC: 02:00 and the IP");
        assertEquals(0x52_54_00_12_34_56L, unset.macOn(0x52_54_00_12_34_56L), "a NIC's own");
        p.setProperty("bypass.mac", "02:00:00:00:00:09");
        assertEquals(0x02_00_00_00_00_09L, BypassConfig.from(p).macOn(0x52_54_00_12_34_56L), "the setting wins");
    }

    @Test
    void providerOverDpdkAfXdpServesCurlFromTheKernelInANamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root (a namespace, a veth pair and an XDP program): skipped");
        assumeTrue(DpdkLinkProviderTest.class.getResource("/native/linux-x86_64/libbypassdpdk.so") != null,
                "DPDK is not installed (apt-get install libdpdk-dev pkg-config, then rebuild): skipped");
        assumeTrue(new File("/usr/bin/curl").canExecute(), "no curl (apt-get install curl): skipped");
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        String ns = String.format("bypass-p-%04x", id);
        String ours = String.format("bpa%04x", id);
        String theirs = String.format("bpb%04x", id);
        String kernelIp = "10.79." + (1 + id % 250) + ".1";
        String ourIp = "10.79." + (1 + id % 250) + ".2";
        run("ip", "netns", "add", ns);
        BypassSelectorProvider p = null;
        try {
            run("ip", "link", "add", ours, "type", "veth", "peer", "name", theirs, "netns", ns);
            run("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + ours + "/disable_ipv6");
            // Linux leaves a locally sent packet's TCP checksum to the device and veth never
            // completes it, so an XDP socket would see only the pseudo-header sum: the kernel
            // must compute it (README, "DPDK link").
            run("ip", "netns", "exec", ns, "ethtool", "-K", theirs, "tx", "off");
            run("ip", "-n", ns, "addr", "add", kernelIp + "/24", "dev", theirs);
            run("ip", "-n", ns, "link", "set", theirs, "up");
            run("ip", "link", "set", ours, "up");
            p = provider("dpdk:net_af_xdp" + id + ",iface=" + ours + "?eal=" + EAL, Ipv4Address.parse(ourIp));
            String body = KernelCurl.curlFromNamespace(p, new InetSocketAddress(0), ns, ourIp,
                    "hello from Bypass over DPDK af_xdp\n");
            assertEquals("hello from Bypass over DPDK af_xdp\n", body);
            String veth = Files.readString(Path.of("/sys/class/net", ours, "address")).strip();
            String neighbour = run("ip", "-n", ns, "neigh", "show", ourIp);
            assertTrue(neighbour.contains("lladdr " + veth), "the stack answered ARP with the port's MAC " + veth
                    + ": " + neighbour);
            String stats = p.statsLine();
            System.out.println("provider over DPDK af_xdp, curl from the kernel: " + stats);
            assertEquals(1, p.counter(Counter.TCP_PASSIVE_OPENS), stats);
            assertEquals(0, p.kernelFallbacks(), stats);
            assertTrue(p.linkCounter(LinkCounter.RX_FRAMES) >= 4 && p.linkCounter(LinkCounter.TX_FRAMES) >= 3, stats);
            assertTrue(stats.contains(" LINK_RX_BYTES="), stats);
        } finally {
            if (p != null) {
                p.shutdown();
            }
            runQuietly("ip", "link", "del", ours);
            runQuietly("ip", "netns", "del", ns);
        }
    }
}
