package io.bypass.stack.link;

/**
 * What a link counts, the same names for every device (as DPDK's {@code rte_eth_stats} and
 * Linux's {@code ip -s link} give every NIC the same fields). The stack counts what it hands
 * the link and what it drops for its own reasons ({@link io.bypass.stack.Counter}); these
 * say what the device did with the frames: carried them, or dropped them, and why.
 */
public enum LinkCounter {
    /** Frames handed to the stack by {@link Link#receive}. */
    RX_FRAMES,
    /** Bytes of those frames (Ethernet header and payload, no FCS). */
    RX_BYTES,
    /** Frames the link accepted for sending (put on the wire, ring or peer). */
    TX_FRAMES,
    /** Bytes of those frames. */
    TX_BYTES,
    /** Arrived frames dropped because no receive frame was free (a NIC's rx_nombuf / imissed). */
    RX_DROP_NO_BUFFER,
    /** Arrived frames dropped as impossible (a length word outside the frame bounds, a runt). */
    RX_DROP_MALFORMED,
    /** Arrived frames dropped because they were larger than one receive buffer (a DPDK frame chained over several mbufs). */
    RX_DROP_OVERSIZE,
    /** Arrived frames dropped for a bad IPv4, TCP or UDP checksum by a link that vouches for checksums (receive offload). */
    RX_DROP_CHECKSUM,
    /** Frames to send dropped because the transmit ring or queue was full. */
    TX_DROP_RING_FULL,
    /** Frames to send that waited in the link while the device's transmit queue was full, and went to it later. */
    TX_WAITED_QUEUE_FULL,
    /** Frames to send dropped because nobody held the other end (shared memory with no live peer). */
    TX_DROP_PEER_DOWN,
    /** Frames to send dropped because they were larger than the link carries. */
    TX_DROP_OVERSIZE,
    /** Receive calls that failed with a device error (not "nothing there"). */
    RX_ERRORS,
    /** Transmit calls that failed or came up short with a device error (not "queue full"). */
    TX_ERRORS,
    /** Frames a fault-injecting decorator lost on purpose, both directions. */
    FAULT_LOST,
    /** Frames a fault-injecting decorator delivered after later ones, both directions. */
    FAULT_REORDERED,
    /** Frames a fault-injecting decorator delivered twice, both directions. */
    FAULT_DUPLICATED
}
