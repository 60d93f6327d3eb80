package io.bypass.link.dpdk;

/**
 * A DPDK port's counters: the PMD's ({@code rte_eth_stats}) and the link's own drops.
 *
 * @param rxPackets         frames received
 * @param txPackets         frames sent
 * @param rxBytes           bytes received
 * @param txBytes           bytes sent
 * @param rxMissed          frames the device dropped because the receive ring was full
 * @param rxErrors          erroneous frames received
 * @param txErrors          frames that failed to send
 * @param rxNoMbuf          receive buffer allocation failures (the pool ran dry)
 * @param rxDroppedChecksum frames dropped for a bad checksum under receive offload
 * @param rxDroppedChained  frames dropped for spanning several mbufs (larger than the MTU allows)
 */
public record DpdkStats(long rxPackets, long txPackets, long rxBytes, long txBytes, long rxMissed, long rxErrors,
                        long txErrors, long rxNoMbuf, long rxDroppedChecksum, long rxDroppedChained) {
}
