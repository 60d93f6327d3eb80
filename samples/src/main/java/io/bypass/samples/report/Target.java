package io.bypass.samples.report;

import java.util.List;

/**
 * One comparison of the report: the kernel path and Bypass, each a {@link Side}, measured
 * with the same workloads in the same run.
 *
 * @param id        short name ({@code a}, {@code b}, {@code c}), used by {@code --targets}
 * @param title     what is compared
 * @param twoJvms   server and client in separate JVMs (else both in one JVM, {@code latency both})
 * @param namespace needs root: the server runs in a network namespace joined by a veth pair
 * @param kernel    the control
 * @param bypass    Bypass
 * @param probe     bin/bypass options whose provider must start and bind a listener before the
 *                  target is measured (an external link that is missing or refused skips the
 *                  target with the provider's reason); null when nothing needs probing
 * @param runFiles  files a measurement's JVMs leave behind (a shm link's file: the provider
 *                  keeps it for a process that attaches later), with the placeholders of the
 *                  options; deleted after each measurement and probe
 */
public record Target(String id, String title, boolean twoJvms, boolean namespace, Side kernel, Side bypass,
                     List<String> probe, List<String> runFiles) {
}
