package io.bypass.stack.link;

/**
 * What a link does for the stack beyond carrying frames, read once when the stack is built.
 *
 * <p>Checksum offload follows the Linux model. On receive, a link that vouches for a
 * checksum (a NIC that verified it in hardware and drops bad frames, or a link whose frames
 * never leave memory, like Linux loopback marking skbs {@code CHECKSUM_UNNECESSARY}) lets
 * the stack skip verifying it. On transmit, a link that completes a checksum lets the stack
 * skip computing it: the IPv4 header checksum is left zero, and the TCP/UDP checksum field
 * holds the folded, uncomplemented pseudo-header sum ({@code CHECKSUM_PARTIAL} in Linux, the
 * value DPDK's {@code rte_ipv4_phdr_cksum} puts there for {@code RTE_MBUF_F_TX_TCP_CKSUM}), so
 * that a NIC only adds the bytes from the transport header on. ICMP checksums are always
 * computed: NICs do not offload them and they are off the data path.
 *
 * <p>The receive flags are a promise about every frame the link delivers. A NIC that reports
 * checksum status per packet (DPDK's {@code RTE_MBUF_F_RX_L4_CKSUM_GOOD}, {@code _BAD},
 * {@code _UNKNOWN}) keeps it by dropping and counting bad frames and verifying the unknown
 * ones itself ({@link io.bypass.stack.wire.Checksum}) before handing them over.
 *
 * @param mtu                     the largest IP packet (Ethernet payload) the link carries
 * @param queueCount              receive/transmit queue pairs the device has (1 for software links)
 * @param rxIpv4ChecksumVerified  received IPv4 header checksums need no verifying
 * @param rxL4ChecksumVerified    received TCP and UDP checksums need no verifying
 * @param txIpv4ChecksumOffload   the link fills in the IPv4 header checksum of sent frames
 * @param txL4ChecksumOffload     the link completes the TCP and UDP checksums of sent frames
 *                                from the pseudo-header sum the stack leaves in the field
 */
public record LinkCapabilities(int mtu, int queueCount, boolean rxIpv4ChecksumVerified,
                               boolean rxL4ChecksumVerified, boolean txIpv4ChecksumOffload,
                               boolean txL4ChecksumOffload) {
    /**
     * @throws IllegalArgumentException when the MTU is below the IPv4 minimum of 68 (RFC 791) or there is no queue
     */
    public LinkCapabilities {
        if (mtu < 68 || queueCount < 1) {
            throw new IllegalArgumentException("mtu=" + mtu + " queueCount=" + queueCount);
        }
    }

    /** @return a single-queue link that offloads nothing: the stack computes and verifies every checksum */
    public static LinkCapabilities none(int mtu) {
        return new LinkCapabilities(mtu, 1, false, false, false, false);
    }

    /**
     * @return a single-queue link whose frames never leave memory, so that no bit can flip on
     *         the way: every checksum offloaded in both directions, as on Linux loopback
     */
    public static LinkCapabilities inMemory(int mtu) {
        return new LinkCapabilities(mtu, 1, true, true, true, true);
    }
}
