/**
 * NIC links behind the stack's {@link io.bypass.stack.link.Link} SPI: shared memory between
 * processes, TAP, DPDK (any PMD), and the probe for ef_vi. Links know frames, not TCP; everything here is
 * FFM ({@code java.lang.foreign}) from Java, with C only where the JDK cannot reach.
 */
package io.bypass.link;
