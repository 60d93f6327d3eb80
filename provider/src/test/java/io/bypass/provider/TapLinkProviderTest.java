package io.bypass.provider;

import static io.bypass.provider.KernelCurl.run;
import static io.bypass.provider.KernelCurl.runQuietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bypass.stack.Counter;
import io.bypass.stack.wire.Ipv4Address;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * (root) A provider whose link is a TAP interface serves {@code curl} run by the kernel in a
 * namespace the test makes: the TAP, made by the provider, is moved into the namespace with
 * the kernel's address, and the provider's stack stays on its fd. The link engine has the TAP
 * fd as its doorbell ({@code Link#awaitFrames}): a thread with nothing to do sleeps on it. The
 * server is plain blocking NIO without spinning, on the link stack's own address, so its accept
 * waits on that engine; whether it sleeps on the doorbell or parks while the helper sleeps there
 * depends on who had it first, which a loaded machine decides.
 */
class TapLinkProviderTest {
    @Test
    void providerOverTapServesCurlFromTheKernelInANamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (a namespace and a TAP): skipped");
        assumeTrue(new File("/dev/net/tun").exists(), "no /dev/net/tun (modprobe tun): skipped");
        assumeTrue(new File("/usr/bin/curl").canExecute(), "no curl (apt-get install curl): skipped");
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        String ns = String.format("bypass-q-%04x", id);
        String tap = String.format("bpt%04x", id);
        String kernelIp = "10.81." + (1 + id % 250) + ".1";
        String ourIp = "10.81." + (1 + id % 250) + ".2";
        run("ip", "netns", "add", ns);
        BypassSelectorProvider p = null;
        try {
            p = new BypassSelectorProvider(BypassConfig.fromSystemProperties()
                    .withLink("tap:" + tap, Ipv4Address.parse(ourIp)).withRules(Rules.parse("bind * *", "test")));
            run("ip", "link", "set", tap, "netns", ns);
            run("ip", "netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + tap + "/disable_ipv6");
            run("ip", "-n", ns, "addr", "add", kernelIp + "/24", "dev", tap);
            run("ip", "-n", ns, "link", "set", tap, "up");
            String body = KernelCurl.curlFromNamespace(p, new InetSocketAddress(InetAddress.getByName(ourIp), 0), ns,
                    ourIp, "hello from Bypass over TAP\n");
            assertEquals("hello from Bypass over TAP\n", body);
            String stats = p.statsLine();
            System.out.println("provider over TAP, curl from the kernel: " + stats);
            assertEquals(1, p.counter(Counter.TCP_PASSIVE_OPENS), stats);
            assertEquals(0, p.kernelFallbacks(), stats);
            assertTrue(p.linkEngine().hasDoorbell(), "the TAP fd is the link engine's doorbell");
        } finally {
            if (p != null) {
                p.shutdown();
            }
            runQuietly("ip", "netns", "del", ns);
        }
    }
}
