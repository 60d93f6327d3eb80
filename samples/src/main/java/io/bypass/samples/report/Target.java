package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;

import java.util.ArrayList;
import java.util.List;

/**
 * One comparison of the report: the kernel path and Bypass, each a {@link Side}, measured
 * with the same workloads in the same run; and, for the round trip, the kernel path with
 * busy-polling selectors, the fair baseline beside a Bypass whose selectors spin.
 *
 * @param id        short name ({@code a}, {@code b}, {@code c}), used by {@code --targets}
 * @param title     what is compared
 * @param twoJvms   server and client in separate JVMs (else both in one JVM, {@code latency both})
 * @param namespace needs root: the server runs in a network namespace joined by a veth pair
 * @param kernel    the control
 * @param kernelBusyPoll the control with busy-polling event loops, measured for {@link Workload#RTT}
 *                  only: the bulk and connect clients' calls block, and a busy-polling server
 *                  only takes a core from them (measured by hand: slower, not faster, on two
 *                  cores), so the blocking figures are the kernel's best; null when the target
 *                  does not measure it
 * @param bypass    Bypass
 * @param probe     bin/bypass options whose provider must start and bind a listener before the
 *                  target is measured (an external link that is missing or refused skips the
 *                  target with the provider's reason); null when nothing needs probing
 * @param runFiles  files a measurement's JVMs leave behind (a shm link's file: the provider
 *                  keeps it for a process that attaches later), with the placeholders of the
 *                  options; deleted after each measurement and probe
 */
public record Target(String id, String title, boolean twoJvms, boolean namespace, Side kernel, Side kernelBusyPoll,
                     Side bypass, List<String> probe, List<String> runFiles) {
    /** @return the sides measured for {@code w}, in measuring order (kernel first, Bypass last) */
    List<Side> sides(Workload w) {
        List<Side> sides = new ArrayList<>();
        sides.add(kernel);
        if (kernelBusyPoll != null && w == Workload.RTT) {
            sides.add(kernelBusyPoll);
        }
        sides.add(bypass);
        return sides;
    }
}
