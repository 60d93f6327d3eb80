package io.bypass.samples.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The report's targets. Each is data only: which JVMs, with which {@code bin/bypass}
 * options; {@link Runner} does the rest. Links that other branches of the project add are
 * named here the way the provider will take them ({@code bypass.link}); until a provider
 * accepts them, the probe fails and the target is skipped with the provider's reason.
 */
final class Targets {
    /** The shm link's file, one per measurement, and the two stacks' addresses on it. */
    static final String SHM_FILE = "/dev/shm/bypass-report-${run}";
    static final String SHM_SPEC = "shm:" + SHM_FILE;
    static final String SHM_SERVER_IP = "10.255.1.1";
    static final String SHM_CLIENT_IP = "10.255.1.2";
    /** Our stack on the host end of the veth (DPDK net_af_xdp), the kernel peer inside the namespace. */
    static final String DPDK_SPEC = "dpdk:net_af_xdp0,iface=${ifname}?eal=--no-huge+-m+512+--no-pci";
    static final String NS_PEER_IP = Namespace.PEER_IP;
    static final String DPDK_STACK_IP = "10.78.0.3";

    private Targets() {
    }

    /**
     * @param spinMicros Bypass's selector spin ({@code bin/bypass --spin}); the kernel side blocks
     *                   in select(), and (a) and (b) also measure its round trip busy-polling
     * @return every target, in report order
     */
    static List<Target> all(int spinMicros) {
        List<String> spin = List.of("--spin", Integer.toString(spinMicros));
        List<Target> all = new ArrayList<>();

        all.add(new Target("a", "in-JVM loopback link vs kernel loopback, one JVM", false, false,
                Side.kernelInJvm(), Side.kernelInJvm().busyPolling(),
                new Side("bypass", with(List.of("--rule", "bind * *"), spin), null, false, "127.0.0.1", "127.0.0.1"),
                null, List.of()));

        // Each JVM's spinning selector on a CPU of its own: two spinners that the scheduler puts
        // on one CPU hand it to each other by yields, 13 us a round trip instead of 2 (README,
        // Performance). The kernel side's threads block rather than spin, so pinning is no help to them.
        boolean pin = Runtime.getRuntime().availableProcessors() >= 2;
        List<String> shmServer = with(with(List.of("--link", SHM_SPEC + "?side=0", "--ip", SHM_SERVER_IP + "/24",
                "--rule", "bind * *"), spin), pin ? List.of("--pin", "0") : List.of());
        List<String> shmClient = with(with(List.of("--link", SHM_SPEC + "?side=1", "--ip", SHM_CLIENT_IP + "/24",
                "--rule", "connect " + SHM_SERVER_IP + " *"), spin), pin ? List.of("--pin", "1") : List.of());
        Side kernelTwoJvms = new Side("kernel", null, null, false, "127.0.0.1", "127.0.0.1");
        all.add(new Target("b", "shm link between two JVMs vs kernel loopback between two JVMs", true, false,
                kernelTwoJvms, kernelTwoJvms.busyPolling(),
                new Side("bypass", shmClient, shmServer, false, "0.0.0.0", SHM_SERVER_IP),
                shmServer, List.of(SHM_FILE)));

        List<String> dpdkClient = with(List.of("--link", DPDK_SPEC, "--ip", DPDK_STACK_IP + "/24",
                "--rule", "connect " + NS_PEER_IP + " *"), spin);
        all.add(new Target("c", "DPDK net_af_xdp on a veth vs the kernel on it, kernel server in a namespace", true, true,
                new Side("kernel", null, null, true, "0.0.0.0", NS_PEER_IP), null,
                new Side("bypass", dpdkClient, null, true, "0.0.0.0", NS_PEER_IP),
                with(dpdkClient, List.of("--rule", "bind * *")), List.of()));
        return List.copyOf(all);
    }

    private static List<String> with(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
