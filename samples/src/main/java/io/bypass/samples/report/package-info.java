/**
 * The benchmark report ({@code bin/build report}; {@code bin/build demo} is its short form):
 * in one run, the same unmodified plain-NIO programs (the {@link io.bypass.samples.latency
 * latency tool}) on the JDK's kernel path and on Bypass, for a 64 B round trip, bulk
 * throughput on one connection, and connection rate; the kernel's round trip also with
 * busy-polling selectors, the fair baseline beside Bypass's spinning ones. A {@link io.bypass.samples.report.Target}
 * is a small description: the JVMs (one, or a server and a client), the {@code bin/bypass}
 * options of each, and an environment (a network namespace). Targets whose link is not
 * available are skipped with the reason the provider gave. Output: a text table with
 * ratios, a JSON file and a PNG percentile plot under {@code target/report/}.
 */
package io.bypass.samples.report;
