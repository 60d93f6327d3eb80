package io.bypass.link.tap;

import io.bypass.link.fault.FaultyLink;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.Link;
import io.bypass.stack.tcp.TcpConfig;
import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * One interop test's world: a fresh network namespace {@code bypass-t-<id>} holding the
 * kernel's end of a TAP interface {@code byp<id>} at 10.77.x.1/24, and our
 * {@link NetworkStack} on the fd's end at 10.77.x.2, polled by the test thread with
 * {@link System#nanoTime}. Closing it kills the kernel-side programs, closes the TAP and
 * deletes the namespace, whatever happened before.
 */
final class KernelNamespace implements AutoCloseable {
    /** Frames per pool: more than a 256 KiB receive window of full segments, plus bursts. */
    private static final int FRAMES = 2048;
    private static final int MTU = 1500;

    final String namespace;
    final String tapName;
    final String kernelIp;
    final String ourIp;
    final long ourMac;
    final TapLink tap;
    final FaultyLink faulty;
    final NetworkStack stack;
    private final Arena arena = Arena.ofShared();
    private final List<Process> peers = new ArrayList<>();
    private final List<Path> outputs = new ArrayList<>();

    /**
     * Skips the calling test (JUnit assumption) unless we are root with a TUN device and
     * the {@code ip} tool.
     */
    static void assumeRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue(root, "TAP interop tests need root (CAP_NET_ADMIN, ip netns): skipped");
        Assumptions.assumeTrue(new File("/dev/net/tun").exists(), "no /dev/net/tun (modprobe tun): skipped");
        Assumptions.assumeTrue(new File("/usr/sbin/ip").canExecute() || new File("/sbin/ip").canExecute(),
                "no ip tool (iproute2): skipped");
    }

    /**
     * @param faults null for a clean link, else {loss, reorder, duplicate} rates for a
     *               {@link FaultyLink} between the TAP and the stack
     */
    KernelNamespace(double[] faults) throws IOException, InterruptedException {
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        int subnet = 1 + ThreadLocalRandom.current().nextInt(254);
        namespace = String.format("bypass-t-%04x", id);
        tapName = String.format("byp%04x", id);
        kernelIp = "10.77." + subnet + ".1";
        ourIp = "10.77." + subnet + ".2";
        ourMac = 0x02_00_00_77_00_02L | ((long) subnet << 8);
        run("ip", "netns", "add", namespace);
        TapLink opened = null;
        try {
            opened = TapLink.open(tapName, FRAMES, MTU);
            run("ip", "link", "set", tapName, "netns", namespace);
            run("ip", "-n", namespace, "addr", "add", kernelIp + "/24", "dev", tapName);
            run("ip", "-n", namespace, "link", "set", "lo", "up");
            run("ip", "-n", namespace, "link", "set", tapName, "up");
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            deleteNamespace();
            arena.close();
            throw e;
        }
        tap = opened;
        faulty = faults == null ? null : new FaultyLink(tap, arena, id, faults[0], faults[1], faults[2]);
        Link link = faulty == null ? tap : faulty;
        StackConfig config = StackConfig.builder().mac(ourMac).ip(ourIp).prefixLength(24)
                .tcp(TcpConfig.builder().build()).build();
        stack = new NetworkStack(config, link, System.nanoTime());
    }

    /** Polls the stack, then {@code step}, until {@code done} or the timeout (then throws). */
    void pollUntil(BooleanSupplier done, long timeoutNs, Runnable step) {
        long deadlineNs = System.nanoTime() + timeoutNs;
        while (!done.getAsBoolean()) {
            long nowNs = System.nanoTime();
            if (deadlineNs - nowNs < 0) {
                throw new AssertionError("timed out; peers said: " + peerOutputs() + " counters: " + stack.counters());
            }
            stack.poll(nowNs);
            step.run();
        }
    }

    /**
     * Checks that every frame went back to its pool once the stack has nothing left to
     * send or read: frames held back by the fault injector are released first.
     */
    void assertNoFrameLeaked() {
        stack.poll(System.nanoTime());
        if (faulty != null) {
            faulty.releaseHeld();
            org.junit.jupiter.api.Assertions.assertEquals(0, faulty.copiesInUse(), "copies of received frames");
        }
        org.junit.jupiter.api.Assertions.assertEquals(0, tap.receiveFramesInUse(), "receive frames");
        org.junit.jupiter.api.Assertions.assertEquals(0, tap.transmitFramesInUse(), "transmit frames");
    }

    /** Starts {@link KernelPeer} in the namespace with {@code args}; its output goes to a file. */
    Process startPeer(String... args) throws IOException {
        String classes = new File(KernelPeer.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .getAbsolutePath();
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
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
    int peerCount() {
        return peers.size();
    }

    /** @return what the {@code i}-th peer printed so far */
    String peerOutput(int i) {
        try {
            return Files.readString(outputs.get(i), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    private String peerOutputs() {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < outputs.size(); i++) {
            all.append('[').append(peerOutput(i)).append("] ");
        }
        return all.toString();
    }

    /** Runs a command in the test's host namespace and returns its output; throws if it fails. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** Runs a command inside the namespace (e.g. {@code ip neigh}). */
    String exec(String... command) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        all.addAll(List.of(command));
        return run(all.toArray(String[]::new));
    }

    private void deleteNamespace() {
        try {
            run("ip", "netns", "del", namespace);
        } catch (IOException | InterruptedException e) {
            System.err.println("could not delete namespace " + namespace + ": " + e);
        }
    }

    @Override
    public void close() {
        for (Process p : peers) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (faulty != null) {
            faulty.releaseHeld();
        }
        tap.close();
        deleteNamespace();
        arena.close();
    }
}
