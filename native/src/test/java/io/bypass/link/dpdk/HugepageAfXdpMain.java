package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.link.interop.InteropWorld;
import io.bypass.stack.Counter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * For {@link HugepageInteropTest}, in a JVM of its own (the EAL starts once per process and
 * the test JVM's runs without hugepages): the {@link AfXdpInteropTest} world with EAL
 * arguments that put DPDK's memory on hugepages in a given hugetlbfs mount, then ping and
 * 100 MiB each way against the kernel, SHA-256 checked. Prints what {@link HugepageInteropTest}
 * checks: the free hugepages before the EAL started and while the link is open, the page
 * files the EAL made in the mount, and "ok" at the end.
 */
public final class HugepageAfXdpMain extends AfXdpInteropTest {
    private final String ealArgs;

    private HugepageAfXdpMain(String ealArgs) {
        this.ealArgs = ealArgs;
    }

    /**
     * Runs the transfers; a failed check ends it with the stack trace and a non-zero status.
     *
     * @param args the hugetlbfs mount and the EAL's file prefix
     */
    public static void main(String[] args) throws Exception {
        Path hugeDir = Path.of(args[0]);
        // --file-prefix (not --in-memory, which maps anonymous hugepages and ignores the
        // mount) makes the EAL back its memory with files in hugeDir; -m 64 makes it take
        // 64 MiB at start, the pool and the AF_XDP rings come on top.
        String eal = "--huge-dir+" + hugeDir + "+--file-prefix+" + args[1] + "+-m+64+--no-pci";
        long freeBefore = DpdkTests.meminfo("HugePages_Free");
        new HugepageAfXdpMain(eal).run(hugeDir, freeBefore);
        System.out.println("ok");
        // The EAL's threads are not daemons.
        System.exit(0);
    }

    private void run(Path hugeDir, long freeBefore) throws Exception {
        try (InteropWorld world = openWorld(null)) {
            System.out.println("namespace " + world.ns.namespace + " interface " + String.format("bxa%04x", world.ns.id));
            long freeOpen = DpdkTests.meminfo("HugePages_Free");
            long files;
            try (Stream<Path> list = Files.list(hugeDir)) {
                files = list.count();
            }
            System.out.println("hugepages free before=" + freeBefore + " open=" + freeOpen + " files=" + files);

            Process ping = world.ns.startPeer("ping", world.ns.ourIp, "3");
            world.pollUntil(() -> !ping.isAlive(), TIMEOUT_NS, () -> { });
            assertEquals("ok replies=3", world.ns.peerOutput(0).trim());
            assertTrue(world.stack.counters().get(Counter.ICMP_ECHO_REPLIES_SENT) >= 3, "echo replies sent");
            System.out.println("ping ok");

            kernelToBypass(world, "hugepages");
            bypassToKernel(world, "hugepages");
            world.assertNoFrameLeaked();
        }
    }

    @Override
    protected String ealArgs() {
        return ealArgs;
    }

    @Override
    protected String label() {
        return "DPDK af_xdp on hugepages";
    }
}
