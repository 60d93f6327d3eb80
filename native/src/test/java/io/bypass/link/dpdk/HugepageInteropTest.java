package io.bypass.link.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.link.interop.KernelNamespace;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 5: the DPDK link works with hugepages when they are configured. Reserves 2 MiB
 * pages, mounts hugetlbfs on a fresh directory and runs {@link HugepageAfXdpMain} (the
 * AF_XDP interop world on hugepages, in a JVM of its own: the EAL starts once per process)
 * against the kernel in a namespace; then unmounts, removes the directory and the EAL's
 * runtime files, and puts {@code nr_hugepages} back, pass or fail.
 */
class HugepageInteropTest {
    private static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");
    /** Writing 1 makes the kernel compact free memory into contiguous blocks (root). */
    private static final Path COMPACT_MEMORY = Path.of("/proc/sys/vm/compact_memory");
    /** 256 MiB: the EAL's 64 MiB (-m 64), the 10 MiB pool, AF_XDP's rings, with room to spare. */
    private static final long PAGES = 128;
    private static final Pattern FREE = Pattern.compile("hugepages free before=(\\d+) open=(\\d+) files=(\\d+)");
    private static final Pattern IOVA = Pattern.compile("Selected IOVA mode '(\\w+)'");
    private static final Pattern MADE = Pattern.compile("namespace (\\S+) interface (\\S+)");

    @BeforeEach
    void onlyAsRootWithDpdk() {
        DpdkTests.assumeRootAndDpdk("DPDK hugepage tests");
        Assumptions.assumeTrue(new File("/usr/sbin/ethtool").canExecute() || new File("/sbin/ethtool").canExecute(),
                "no ethtool (apt-get install ethtool): DPDK hugepage tests skipped");
        Assumptions.assumeTrue(Files.isWritable(NR_HUGEPAGES), NR_HUGEPAGES + " is not writable: DPDK hugepage tests skipped");
    }

    // The EAL backs its memory with files in our hugetlbfs mount (HugePages_Free drops
    // while the link is open), and ping and 100 MiB each way with SHA-256 pass over
    // net_af_xdp whose UMEM is the mbuf pool on those pages.
    @Test
    void afXdpLinkOnHugepagesMovesBulkBothWaysAgainstTheKernel() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB")),
                "no 2 MiB hugepages on this kernel: skipped");
        String saved = Files.readString(NR_HUGEPAGES).trim();
        long reserved = Long.parseLong(saved);
        long freeBefore = DpdkTests.meminfo("HugePages_Free");
        Path dir = null;
        boolean mounted = false;
        String prefix = String.format("bypass-huge-%04x", ThreadLocalRandom.current().nextInt(1 << 16));
        Process child = null;
        Path out = Files.createTempFile("bypass-huge", ".txt");
        try {
            // A 2 MiB page needs 2 MiB of contiguous free memory: on a machine whose memory other
            // JVMs have churned the kernel reserved 122 of 128 without compacting first.
            if (Files.isWritable(COMPACT_MEMORY)) {
                Files.writeString(COMPACT_MEMORY, "1");
            }
            Files.writeString(NR_HUGEPAGES, Long.toString(reserved + PAGES));
            long got = DpdkTests.meminfo("HugePages_Free") - freeBefore;
            Assumptions.assumeTrue(got >= PAGES, "the kernel reserved " + got + " of " + PAGES
                    + " 2 MiB hugepages asked for (memory fragmented or short): skipped");
            dir = Files.createTempDirectory("bypass-hugetlbfs");
            KernelNamespace.run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", dir.toString());
            mounted = true;

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Dbypass.interop.bulkBytes="
                    + Long.getLong("bypass.interop.bulkBytes", 100L << 20), "-cp", System.getProperty("java.class.path"),
                    HugepageAfXdpMain.class.getName(), dir.toString(), prefix)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended = child.waitFor(600, TimeUnit.SECONDS);
            String said = Files.readString(out, StandardCharsets.UTF_8);
            System.out.println(said);
            assertTrue(ended, "the hugepage run did not end in 600 s");
            assertEquals(0, child.exitValue(), said);
            assertTrue(said.contains("\nok\n") || said.startsWith("ok\n"), said);

            Matcher free = FREE.matcher(said);
            assertTrue(free.find(), said);
            long pagesBefore = Long.parseLong(free.group(1));
            long pagesOpen = Long.parseLong(free.group(2));
            Matcher iova = IOVA.matcher(said);
            System.out.printf("DPDK on hugepages: %d of %d free 2 MiB pages taken while the link was open, %d page files"
                    + " in %s, IOVA as %s%n", pagesBefore - pagesOpen, pagesBefore, Long.parseLong(free.group(3)), dir,
                    iova.find() ? iova.group(1) : "(not logged)");
            assertTrue(pagesOpen <= pagesBefore - 32, "the EAL's -m 64 alone takes 32 pages: " + said);
            assertTrue(Long.parseLong(free.group(3)) > 0, "page files in the hugetlbfs mount: " + said);
        } finally {
            if (child != null && child.isAlive()) {
                // Its kernel peers run under ip netns exec, outside the namespace's lifetime.
                child.descendants().forEach(ProcessHandle::destroyForcibly);
                child.destroyForcibly().waitFor();
                removeWhatTheChildMade(Files.readString(out, StandardCharsets.UTF_8));
            }
            Files.deleteIfExists(out);
            try {
                if (mounted) {
                    KernelNamespace.run("umount", dir.toString());
                }
                if (dir != null) {
                    Files.deleteIfExists(dir);
                }
                deleteTree(Path.of("/var/run/dpdk", prefix));
            } finally {
                Files.writeString(NR_HUGEPAGES, saved);
                awaitHugepagesTotal(Long.parseLong(saved));
            }
        }
        assertEquals(saved, Files.readString(NR_HUGEPAGES).trim(), "nr_hugepages restored");
    }

    /**
     * Pages still mapped when nr_hugepages goes back stay as surplus pages until their last
     * user, the exiting child, lets go: the next test (DpdkLinkErrorsTest's "none reserved")
     * must find the machine as it was, so wait for them to go, for up to ten seconds. Surplus
     * pages that became free are not given back by the kernel on their own (seen: six free
     * surplus pages for hours, and that test skipped): a raise of nr_hugepages by their number
     * and a return to {@code pages} frees them.
     */
    private static void awaitHugepagesTotal(long pages) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (DpdkTests.hugepagesTotal() != pages && System.nanoTime() - deadlineNs < 0) {
            long surplus = DpdkTests.meminfo("HugePages_Surp");
            if (surplus > 0 && DpdkTests.meminfo("HugePages_Free") >= surplus) {
                Files.writeString(NR_HUGEPAGES, Long.toString(pages + surplus));
                Files.writeString(NR_HUGEPAGES, Long.toString(pages));
            }
            Thread.sleep(20);
        }
    }

    /** A child killed on timeout could not delete its veth and namespace: do it for it. */
    private static void removeWhatTheChildMade(String said) {
        Matcher made = MADE.matcher(said);
        if (!made.find()) {
            return;
        }
        for (String[] command : new String[][] {{"ip", "link", "del", made.group(2)}, {"ip", "netns", "del", made.group(1)}}) {
            try {
                KernelNamespace.run(command);
            } catch (IOException | InterruptedException e) {
                System.err.println("cleaning up after the hugepage run: " + e.getMessage());
            }
        }
    }

    /** Removes the EAL's runtime directory of our file prefix (its config and socket files). */
    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
