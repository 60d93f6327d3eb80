package io.bypass.samples.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of the report's own (root only), joined to the host by a veth pair:
 * the kernel peer listens inside at {@value #PEER_IP}, the host end {@link #hostIfname()}
 * has {@value #HOST_IP} for the kernel client and carries Bypass's link for the other side.
 * Deleting the namespace deletes both veth ends. Traffic stays on this pair.
 */
final class Namespace implements AutoCloseable {
    /** The kernel peer's address inside the namespace. */
    static final String PEER_IP = "10.78.0.1";
    /** The host end's kernel address (the kernel client's source). */
    static final String HOST_IP = "10.78.0.2";

    private final String name;
    private final String hostIf;

    private Namespace(String name, String hostIf) {
        this.name = name;
        this.hostIf = hostIf;
    }

    /** @return null when this process may create namespaces, else why not */
    static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root (creates a network namespace and a veth pair)";
        }
        try {
            if (run(List.of("ip", "netns", "list")) != null) {
                return "'ip netns' does not work here (iproute2 missing?)";
            }
        } catch (IOException e) {
            return "'ip' is not installed (apt-get install iproute2)";
        }
        if (!new java.io.File("/usr/sbin/ethtool").canExecute() && !new java.io.File("/sbin/ethtool").canExecute()) {
            return "'ethtool' is not installed (apt-get install ethtool)";
        }
        return null;
    }

    /**
     * Creates the namespace and the veth pair, addresses and links up.
     *
     * @throws IOException naming the {@code ip} command that failed and its output
     */
    static Namespace create() throws IOException {
        long pid = ProcessHandle.current().pid();
        Namespace ns = new Namespace("bypass-r-" + pid, "bpr" + pid % 100_000 + "h");
        String peerIf = "bpr" + pid % 100_000 + "p";
        try {
            check(List.of("ip", "netns", "add", ns.name));
            check(List.of("ip", "link", "add", ns.hostIf, "type", "veth", "peer", "name", peerIf));
            check(List.of("ip", "link", "set", peerIf, "netns", ns.name));
            // Linux leaves a locally sent TCP checksum to the device (CHECKSUM_PARTIAL) and veth
            // never completes it: frames the kernel peer sends into Bypass's XDP socket would
            // carry only the pseudo-header sum, so the kernel must compute it (README, "DPDK link").
            check(List.of("ip", "netns", "exec", ns.name, "ethtool", "-K", peerIf, "tx", "off"));
            check(List.of("ip", "-n", ns.name, "addr", "add", PEER_IP + "/24", "dev", peerIf));
            check(List.of("ip", "-n", ns.name, "link", "set", peerIf, "up"));
            check(List.of("ip", "-n", ns.name, "link", "set", "lo", "up"));
            check(List.of("ip", "addr", "add", HOST_IP + "/24", "dev", ns.hostIf));
            check(List.of("ip", "link", "set", ns.hostIf, "up"));
        } catch (IOException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** @return the namespace's name */
    String name() {
        return name;
    }

    /** @return the host end of the veth pair */
    String hostIfname() {
        return hostIf;
    }

    /** @return the command prefix that runs a program inside the namespace */
    List<String> exec() {
        return List.of("ip", "netns", "exec", name);
    }

    @Override
    public void close() {
        try {
            run(List.of("ip", "netns", "del", name));
            // Normally gone with the namespace's end; a half-made pair may remain.
            run(List.of("ip", "link", "del", hostIf));
        } catch (IOException e) {
            System.err.println("report: could not remove namespace " + name + ": " + e.getMessage());
        }
    }

    private static void check(List<String> cmd) throws IOException {
        String failure = run(cmd);
        if (failure != null) {
            throw new IOException(String.join(" ", cmd) + ": " + failure);
        }
    }

    /** @return null on success, else the command's output */
    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return p.exitValue() == 0 ? null : (out.isEmpty() ? "exit " + p.exitValue() : out);
    }
}
