package io.bypass.link.dpdk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * DPDK's Environment Abstraction Layer, started once per process ({@code rte_eal_init}
 * cannot run twice) and shared by every DPDK link after it: ports are probed and removed
 * one by one ({@code rte_dev_probe}), so one EAL serves many links and tests.
 *
 * <p>The EAL pins the thread that initialises it to its main lcore, so it runs on a
 * short-lived thread of its own, never on a JVM thread that matters. Arguments the user
 * did not decide are added: {@code --no-telemetry}; {@code --in-memory} (or with
 * {@code --no-huge}, which cannot be combined with it, {@code --no-shconf}) so that runs
 * and processes never share or leave runtime files; {@code --lcores 0@<first allowed CPU>}
 * so that no idle worker thread is started per core. Every DPDK setup call goes through
 * this class's lock: DPDK's control path is not thread-safe.
 */
final class Eal {
    private static List<String> started;

    private Eal() {
    }

    /**
     * Starts the EAL with these arguments, or checks that it already runs with the same.
     *
     * @param userArgs the EAL arguments of the link setting
     * @throws IOException when it cannot start; the message says why and what to do
     */
    static synchronized void start(List<String> userArgs) throws IOException {
        if (started != null) {
            if (!started.equals(userArgs)) {
                throw new IOException("DPDK's EAL already runs in this process with arguments " + started
                        + "; it starts once per process, so every DPDK link must use the same EAL arguments, not "
                        + userArgs);
            }
            return;
        }
        String failure = ShimLibrary.failure();
        if (failure != null) {
            throw new IOException(failure);
        }
        if (!userArgs.contains("--no-huge") && hugepagesConfigured() == 0) {
            throw new IOException("DPDK's EAL arguments " + userArgs + " ask for hugepages (no --no-huge) but none are"
                    + " reserved: reserve some (echo 1024 > /proc/sys/vm/nr_hugepages, hugetlbfs mounted on"
                    + " /dev/hugepages) or add --no-huge");
        }
        List<String> argv = withDefaults(userArgs);
        int rc = initOnOwnThread(argv);
        if (rc != 0) {
            throw new IOException("DPDK's EAL did not start with " + argv + ": " + DpdkShim.lastError()
                    + (rc == -DpdkShim.EALREADY ? " (something else in this process started it)" : "")
                    + privilegeHint() + " (DPDK's log on stderr says more)");
        }
        started = List.copyOf(userArgs);
    }

    /** @return a hint to append to an error when we are not root, else "" */
    static String privilegeHint() {
        return isRoot() ? "" : "; not running as root: DPDK devices need root (or CAP_NET_ADMIN, CAP_NET_RAW,"
                + " CAP_BPF, CAP_SYS_ADMIN and CAP_IPC_LOCK)";
    }

    static List<String> withDefaults(List<String> userArgs) {
        List<String> argv = new ArrayList<>();
        argv.add("bypass");
        argv.addAll(userArgs);
        if (!userArgs.contains("--telemetry") && !userArgs.contains("--no-telemetry")) {
            argv.add("--no-telemetry");
        }
        boolean ownFiles = userArgs.stream().anyMatch(a -> a.startsWith("--file-prefix"))
                || userArgs.contains("--in-memory") || userArgs.contains("--no-shconf");
        if (!ownFiles) {
            argv.add(userArgs.contains("--no-huge") ? "--no-shconf" : "--in-memory");
        }
        boolean cores = userArgs.stream().anyMatch(a -> a.equals("-l") || a.equals("-c") || a.startsWith("--lcores")
                || a.startsWith("-l") && a.length() > 2);
        if (!cores) {
            argv.add("--lcores");
            argv.add("0@" + firstAllowedCpu());
        }
        return argv;
    }

    private static int initOnOwnThread(List<String> argv) throws IOException {
        AtomicInteger rc = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("bypass-dpdk-eal-init").unstarted(() -> {
            // argv lives as long as the process: the EAL may keep pointers into it.
            Arena arena = Arena.global();
            MemorySegment array = arena.allocate(ValueLayout.ADDRESS, argv.size() + 1L);
            for (int i = 0; i < argv.size(); i++) {
                array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(argv.get(i)));
            }
            try {
                rc.set(DpdkShim.ealInit(argv.size(), array));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while DPDK's EAL started", e);
        }
        if (thrown.get() != null) {
            throw new IOException("DPDK's EAL failed: " + thrown.get(), thrown.get());
        }
        return rc.get();
    }

    /** Sum of reserved hugepages of every size. */
    private static long hugepagesConfigured() {
        long total = 0;
        try (var sizes = Files.list(Path.of("/sys/kernel/mm/hugepages"))) {
            for (Path size : sizes.toList()) {
                total += Long.parseLong(Files.readString(size.resolve("nr_hugepages")).trim());
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return total;
    }

    private static boolean isRoot() {
        // Uid: real, effective, saved, filesystem; the effective one decides.
        String[] uids = status("Uid:").split("\\s+");
        return uids.length > 1 && uids[1].equals("0");
    }

    /** The first CPU this process may run on, from Cpus_allowed_list (e.g. "0-1" or "2,4"). */
    private static int firstAllowedCpu() {
        String list = status("Cpus_allowed_list:");
        int end = 0;
        while (end < list.length() && Character.isDigit(list.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(list.substring(0, end));
    }

    /** The value of one line of /proc/self/status, or "" with an unreadable one. */
    private static String status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return line.substring(key.length()).trim();
                }
            }
        } catch (IOException e) {
            return "";
        }
        return "";
    }
}
