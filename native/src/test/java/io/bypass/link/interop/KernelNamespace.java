package io.bypass.link.interop;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh network namespace {@code bypass-t-<id>} for one interop test, where the kernel's
 * end of the test's interface lives at 10.77.x.1/24 (our stack takes 10.77.x.2), and the
 * kernel-side programs ({@link KernelPeer}) run. Closing it kills those programs and
 * deletes the namespace, whatever happened before; interfaces moved into it go with it.
 */
public final class KernelNamespace implements AutoCloseable {
    /** Random per test: names interfaces and devices, seeds the fault injector. */
    public final int id;
    public final String namespace;
    public final String kernelIp;
    public final String ourIp;
    /** The third octet of 10.77.x.0/24; also put into our made-up MAC. */
    public final int subnet;
    private final List<Process> peers = new ArrayList<>();
    private final List<Path> outputs = new ArrayList<>();

    /**
     * Skips the calling test (JUnit assumption) unless we are root with the {@code ip} tool.
     *
     * @param what the tests, for the skip message
     */
    public static void assumeRoot(String what) {
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue(root, what + " need root (CAP_NET_ADMIN, ip netns): skipped");
        Assumptions.assumeTrue(new File("/usr/sbin/ip").canExecute() || new File("/sbin/ip").canExecute(),
                "no ip tool (iproute2): skipped");
    }

    /** Creates the namespace with its loopback up. */
    public KernelNamespace() throws IOException, InterruptedException {
        id = ThreadLocalRandom.current().nextInt(1 << 16);
        subnet = 1 + ThreadLocalRandom.current().nextInt(254);
        namespace = String.format("bypass-t-%04x", id);
        kernelIp = "10.77." + subnet + ".1";
        ourIp = "10.77." + subnet + ".2";
        run("ip", "netns", "add", namespace);
        try {
            run("ip", "-n", namespace, "link", "set", "lo", "up");
        } catch (IOException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** @return a locally administered MAC for our stack, distinct per subnet */
    public long madeUpMac() {
        return 0x02_00_00_77_00_02L | ((long) subnet << 8);
    }

    /**
     * Moves an interface of the host namespace into this one and gives it the kernel's
     * address, up.
     *
     * @param name the interface
     */
    public void adopt(String name) throws IOException, InterruptedException {
        run("ip", "link", "set", name, "netns", namespace);
        configure(name);
    }

    /** Gives an interface already in this namespace the kernel's address, up. */
    public void configure(String name) throws IOException, InterruptedException {
        run("ip", "-n", namespace, "addr", "add", kernelIp + "/24", "dev", name);
        run("ip", "-n", namespace, "link", "set", name, "up");
    }

    /** Starts {@link KernelPeer} in the namespace with {@code args}; its output goes to a file. */
    public Process startPeer(String... args) throws IOException {
        return startPeerIn(namespace, args);
    }

    /** Starts {@link KernelPeer} in another namespace (for kernel-to-kernel comparisons). */
    public Process startPeerIn(String otherNamespace, String... args) throws IOException {
        String classes = new File(KernelPeer.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .getAbsolutePath();
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", otherNamespace,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes, KernelPeer.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("bypass-peer", ".txt");
        out.toFile().deleteOnExit();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        peers.add(p);
        outputs.add(out);
        return p;
    }

    /** @return how many peers were started; the next one gets this index */
    public int peerCount() {
        return peers.size();
    }

    /** @return what the {@code i}-th peer printed so far */
    public String peerOutput(int i) {
        try {
            return Files.readString(outputs.get(i), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    /** @return every peer's output so far, for failure messages */
    public String peerOutputs() {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < outputs.size(); i++) {
            all.append('[').append(peerOutput(i)).append("] ");
        }
        return all.toString();
    }

    /** Runs a command in the test's host namespace and returns its output; throws if it fails. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** Runs a command inside the namespace (e.g. {@code ip neigh}). */
    public String exec(String... command) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        all.addAll(List.of(command));
        return run(all.toArray(String[]::new));
    }

    /** Kills the peers and deletes the namespace. */
    @Override
    public void close() {
        for (Process p : peers) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        try {
            run("ip", "netns", "del", namespace);
        } catch (IOException | InterruptedException e) {
            System.err.println("could not delete namespace " + namespace + ": " + e);
        }
    }
}
