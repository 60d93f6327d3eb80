/*
 * bypass_dpdk.h: the one binding surface between Bypass (Java, FFM) and DPDK.
 *
 * DPDK's fast path (rte_eth_rx_burst, rte_eth_tx_burst, rte_pktmbuf_alloc, ...) is static
 * inline, so FFM cannot call it; this shim wraps it in a few exported functions and keeps
 * everything else (EAL, device probe, port setup, info, stats) equally thin. The Java side,
 * io.bypass.link.dpdk.DpdkShim, mirrors this header one to one: change both together.
 *
 * Model: one EAL per process (bypass_dpdk_eal_init once), many ports. A port is opened with
 * one rx and one tx queue and its own mbuf pool. Every mbuf of that pool has a fixed index
 * (0..mbufs-1, kept in the mbuf's private area), so Java preallocates one frame object per
 * index over the mbuf's buffer and the fast path exchanges indices, offsets and lengths in
 * caller-owned arrays: nothing is allocated per packet on either side.
 *
 * Errors: functions that can fail return a negative errno-style code (-rte_errno where
 * DPDK sets it) and leave a one-line description in bypass_dpdk_last_error() of the
 * calling thread.
 */
#ifndef BYPASS_DPDK_H
#define BYPASS_DPDK_H

#include <stdint.h>

/* Largest burst one rx/tx/alloc/free call handles; larger requests are cut to this. */
#define BYPASS_DPDK_BURST_MAX 256

/* One packet on the fast path: which mbuf, where its frame starts in the mbuf's buffer
 * (counted from buf_addr, i.e. the mbuf's data_off) and how long it is. 8 bytes. */
struct bypass_dpdk_pkt {
    uint32_t index;
    uint16_t offset;
    uint16_t length;
};

/* What a port is and can do, from rte_eth_dev_info_get and friends. 64 bytes. */
struct bypass_dpdk_info {
    uint64_t rx_offload_capa;   /* RTE_ETH_RX_OFFLOAD_* bits */
    uint64_t tx_offload_capa;   /* RTE_ETH_TX_OFFLOAD_* bits */
    uint32_t max_rx_pktlen;
    uint16_t mtu;               /* current MTU */
    uint16_t min_mtu;
    uint16_t max_mtu;
    uint8_t mac[6];
    char driver[32];            /* NUL-terminated, e.g. "net_af_xdp" */
};

/* Counters of a port: the PMD's (rte_eth_stats) and the shim's own drops. 80 bytes. */
struct bypass_dpdk_stats {
    uint64_t ipackets;
    uint64_t opackets;
    uint64_t ibytes;
    uint64_t obytes;
    uint64_t imissed;              /* dropped by the device: rx ring full */
    uint64_t ierrors;
    uint64_t oerrors;
    uint64_t rx_nombuf;            /* rx mbuf allocation failures */
    uint64_t rx_dropped_checksum;  /* bad IPv4/TCP/UDP checksum (rx offload on) */
    uint64_t rx_dropped_chained;   /* multi-segment frames: larger than one mbuf */
};

/* Frames a port keeps while its device's tx queue is full, oldest first: bypass_dpdk_tx takes
 * what the device refuses, up to this many in all, and every tx and rx call offers them to
 * the device again before anything newer (a Linux qdisc holds packets while the driver's
 * queue is stopped the same way). */
#define BYPASS_DPDK_TX_WAITING_MAX 512

/* What the fast path of a port writes and the polling thread reads between bursts without a
 * downcall: the shim's receive drops and the frames waiting for room in the device's tx
 * queue. At an address fixed while the port is open. 32 bytes. */
struct bypass_dpdk_port_state {
    uint64_t rx_dropped_checksum;  /* bad IPv4/TCP/UDP checksum (rx offload on) */
    uint64_t rx_dropped_chained;   /* multi-segment frames: larger than one mbuf */
    uint64_t tx_waited;            /* frames that waited for room in the device's tx queue */
    uint32_t tx_waiting;           /* frames kept for the device, 0..BYPASS_DPDK_TX_WAITING_MAX */
    uint32_t reserved;
};

/* An open port: opaque to Java. */
struct bypass_dpdk_port;

/* The calling thread's description of its last failure ("" if none). */
const char *bypass_dpdk_last_error(void);

/* rte_eal_init(argc, argv). 0 on success; -EALREADY if the EAL is already up in this
 * process (rte_eal_init can run only once); another negative code on failure. */
int bypass_dpdk_eal_init(int argc, char **argv);

/* Probes a device after EAL init (rte_dev_probe), e.g. "net_af_xdp0,iface=veth0", and
 * writes its ethdev port id. A device that already exists is an error (-EEXIST). */
int bypass_dpdk_probe(const char *devargs, uint16_t *port_id);

/* Finds the port of an already probed device by name ("0000:01:00.0", "net_tap0"). */
int bypass_dpdk_port_by_name(const char *name, uint16_t *port_id);

/* Fills *info for a port. */
int bypass_dpdk_info(uint16_t port_id, struct bypass_dpdk_info *info);

/* Configures and starts a port with one rx and one tx queue over a new pool of `mbufs`
 * mbufs of `data_room` bytes (headroom included). rx/tx_offloads are RTE_ETH_*_OFFLOAD_*
 * checksum bits to enable (the caller asks only for what the port offers); mtu 0 keeps the
 * port's MTU. Writes the port handle to *out. On failure the port is closed again and,
 * with remove_on_failure, its device removed (a vdev the caller just probed). */
int bypass_dpdk_port_open(uint16_t port_id, uint32_t mbufs, uint16_t data_room,
                          uint16_t rx_desc, uint16_t tx_desc, uint16_t mtu,
                          uint64_t rx_offloads, uint64_t tx_offloads, int remove_on_failure,
                          struct bypass_dpdk_port **out);

/* The buffer of mbuf `index` (its buf_addr) and, in *length, the buffer's size (buf_len).
 * Fixed for the life of the port. NULL when index is out of range. */
void *bypass_dpdk_buffer(struct bypass_dpdk_port *port, uint32_t index, uint32_t *length);

/* Stops and closes the port, frees its pool; with remove != 0 also removes the device
 * (rte_dev_remove), as a vdev probed by bypass_dpdk_probe should be. Every mbuf the
 * caller held must be freed first. */
int bypass_dpdk_port_close(struct bypass_dpdk_port *port, int remove);

/* 1 if the link is up, 0 if down, negative on error; *speed_mbps gets the speed. */
int bypass_dpdk_link(uint16_t port_id, uint32_t *speed_mbps);

/* Fills *stats. */
int bypass_dpdk_stats(struct bypass_dpdk_port *port, struct bypass_dpdk_stats *stats);

/* The port's fast-path state, valid until bypass_dpdk_port_close; written only by
 * bypass_dpdk_rx and bypass_dpdk_tx, so the thread that polls may read it between bursts. */
const struct bypass_dpdk_port_state *bypass_dpdk_port_state(const struct bypass_dpdk_port *port);

/* --- rx wake-up: a thread with nothing to do sleeps until frames arrive --- */

/* 1 if bypass_dpdk_rx_wait can block until frames arrive on the port, 0 if not (the caller
 * polls). It can for net_af_xdp (the PMD's XDP socket, readable while its rx ring holds frames)
 * and net_tap (its rx interrupt, the queue's tap fd); other PMDs' rx interrupts would need
 * rte_eth_dev_rx_intr_enable and a look at the ring after it, not done yet. */
int bypass_dpdk_rx_waitable(const struct bypass_dpdk_port *port);

/* Blocks until frames wait on queue 0, bypass_dpdk_rx_wake is called (before or during the
 * wait: a wake-up is kept until a wait takes it), timeout_ns passes or a signal comes.
 * Receives nothing; called without holding the port, while another thread may poll it.
 * Returns 1 if frames were seen waiting, 0 if not, negative on failure (-ENOTSUP: not waitable). */
int bypass_dpdk_rx_wait(struct bypass_dpdk_port *port, int64_t timeout_ns);

/* Ends the current or next bypass_dpdk_rx_wait of the port (any thread). 0, or negative. */
int bypass_dpdk_rx_wake(struct bypass_dpdk_port *port);

/* --- fast path: no allocation, no locks beyond DPDK's own --- */

/* Receives up to max (<= BYPASS_DPDK_BURST_MAX) frames into pkts; returns how many. First
 * offers the device the frames waiting for its tx queue (BYPASS_DPDK_TX_WAITING_MAX). With
 * rx checksum offload on, frames the device marked bad are freed and counted, and frames
 * it did not check are verified here, so every frame returned has good checksums
 * (IPv4 fragments excepted: their L4 checksum covers the whole datagram). */
uint16_t bypass_dpdk_rx(struct bypass_dpdk_port *port, struct bypass_dpdk_pkt *pkts, uint16_t max);

/* Transmits count (<= BYPASS_DPDK_BURST_MAX) frames built in the caller's mbufs, after any
 * still waiting; what the device's full queue refuses waits in the port (up to
 * BYPASS_DPDK_TX_WAITING_MAX frames in all). Returns how many it took, to the device or to
 * wait (a prefix). Takes all of them: the rest are freed. With tx checksum offload on,
 * IPv4 TCP/UDP frames ask the device for their checksums. */
uint16_t bypass_dpdk_tx(struct bypass_dpdk_port *port, const struct bypass_dpdk_pkt *pkts, uint16_t count);

/* Allocates up to count (<= BYPASS_DPDK_BURST_MAX) mbufs, writing their indices;
 * returns how many (fewer when the pool runs low). */
uint16_t bypass_dpdk_alloc(struct bypass_dpdk_port *port, uint32_t *indices, uint16_t count);

/* Frees count (<= BYPASS_DPDK_BURST_MAX) mbufs by index. */
void bypass_dpdk_free(struct bypass_dpdk_port *port, const uint32_t *indices, uint16_t count);

#endif
