/*
 * bypass_dpdk.c: see bypass_dpdk.h. Setup functions may be slow and chatty; the fast-path
 * functions at the end touch only the port's preallocated arrays.
 */
#define _GNU_SOURCE /* ppoll */
#include "bypass_dpdk.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

/* The mbuf's private area holds its index; RTE_MBUF_PRIV_ALIGN is 8. */
#define PRIV_SIZE 8
#define ETHER_HEADER 14
#define ETHER_TYPE_IPV4 0x0800
/* Linux's address family of XDP sockets (<linux/socket.h>; glibc's headers may lack it). */
#ifndef AF_XDP
#define AF_XDP 44
#endif
/* XDP sockets of the process looked for when an af_xdp port opens: more are not told apart. */
#define XSK_FDS_MAX 64

struct bypass_dpdk_port {
    uint16_t port_id;
    int rx_ip_checksum;       /* rx IPv4 header checksum offload on */
    int rx_l4_checksum;       /* rx TCP and UDP checksum offload on */
    uint64_t tx_flags;        /* RTE_MBUF_F_TX_*_CKSUM asked per IPv4 frame: the enabled tx offloads */
    struct rte_mempool *pool;
    uint32_t mbuf_count;
    struct rte_mbuf **mbufs;  /* by index */
    struct bypass_dpdk_port_state state;
    int rx_fd;                /* readable while frames wait on queue 0 (bypass_dpdk_rx_wait), or -1 */
    int wake_fd;              /* eventfd that ends a bypass_dpdk_rx_wait, or -1 */
    struct rte_mbuf *scratch[BYPASS_DPDK_BURST_MAX];
    /* Frames the device's full tx queue refused, oldest first: state.tx_waiting of them. */
    struct rte_mbuf *waiting[BYPASS_DPDK_TX_WAITING_MAX];
};

static __thread char last_error[256];

static int fail(int code, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(last_error, sizeof last_error, format, args);
    va_end(args);
    return code;
}

const char *bypass_dpdk_last_error(void) {
    return last_error;
}

int bypass_dpdk_eal_init(int argc, char **argv) {
    last_error[0] = 0;
    if (rte_eal_init(argc, argv) < 0) {
        int err = rte_errno;
        if (err == EALREADY) {
            return fail(-EALREADY, "rte_eal_init: the EAL is already initialised in this process");
        }
        return fail(-err, "rte_eal_init failed: %s", rte_strerror(err));
    }
    return 0;
}

int bypass_dpdk_port_by_name(const char *name, uint16_t *port_id) {
    if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
        return fail(-ENODEV, "no DPDK port named %s", name);
    }
    return 0;
}

int bypass_dpdk_probe(const char *devargs, uint16_t *port_id) {
    /* The device's name is devargs up to the first comma: that is what ethdev calls it. */
    char name[RTE_ETH_NAME_MAX_LEN];
    size_t length = strcspn(devargs, ",");
    if (length == 0 || length >= sizeof name) {
        return fail(-EINVAL, "devargs '%s' do not start with a device name", devargs);
    }
    memcpy(name, devargs, length);
    name[length] = 0;
    if (rte_eth_dev_get_port_by_name(name, port_id) == 0) {
        return fail(-EEXIST, "device %s is already probed in this process", name);
    }
    int rc = rte_dev_probe(devargs);
    if (rc < 0) {
        return fail(rc, "rte_dev_probe(%s) failed: %s", devargs, rte_strerror(-rc));
    }
    if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
        return fail(-ENODEV, "rte_dev_probe(%s) made no ethdev port named %s", devargs, name);
    }
    return 0;
}

int bypass_dpdk_info(uint16_t port_id, struct bypass_dpdk_info *info) {
    struct rte_eth_dev_info dev;
    int rc = rte_eth_dev_info_get(port_id, &dev);
    if (rc != 0) {
        return fail(rc, "rte_eth_dev_info_get(port %u): %s", port_id, rte_strerror(-rc));
    }
    memset(info, 0, sizeof *info);
    info->rx_offload_capa = dev.rx_offload_capa;
    info->tx_offload_capa = dev.tx_offload_capa;
    info->max_rx_pktlen = dev.max_rx_pktlen;
    info->min_mtu = dev.min_mtu;
    info->max_mtu = dev.max_mtu;
    rte_eth_dev_get_mtu(port_id, &info->mtu);
    struct rte_ether_addr mac;
    if (rte_eth_macaddr_get(port_id, &mac) == 0) {
        memcpy(info->mac, mac.addr_bytes, sizeof info->mac);
    }
    snprintf(info->driver, sizeof info->driver, "%s", dev.driver_name ? dev.driver_name : "");
    return 0;
}

/* rte_mempool_obj_iter callback: numbers the pool's mbufs in the order they lie in memory. */
static void number_mbuf(struct rte_mempool *pool, void *opaque, void *obj, unsigned obj_index) {
    (void) pool;
    struct bypass_dpdk_port *port = opaque;
    struct rte_mbuf *m = obj;
    *(uint32_t *) rte_mbuf_to_priv(m) = obj_index;
    port->mbufs[obj_index] = m;
}

static void free_port(struct bypass_dpdk_port *port) {
    if (port->wake_fd >= 0) {
        close(port->wake_fd);
    }
    rte_mempool_free(port->pool);
    free(port->mbufs);
    free(port);
}

/*
 * rte_pktmbuf_pool_create, with one difference: mbufs may straddle page boundaries
 * (RTE_MEMPOOL_F_NO_IOVA_CONTIG) wherever that is safe, i.e. where IOVA is VA (always without
 * hugepages: an IOVA-contiguous range is then simply a virtually contiguous one) and for
 * net_af_xdp (the kernel addresses its UMEM by offset, never by IOVA). Otherwise, on 4 KiB
 * pages every 2.3 KiB mbuf gets a page of its own, and on 2 MiB hugepages with IOVA as PA (the
 * EAL's choice as root without an IOMMU) each page ends in a gap unless the next page happens
 * to be physically adjacent; net_af_xdp, which registers the pool as its UMEM assuming objects
 * lie back to back (mbufs * object size), then sees the last mbufs outside the UMEM and the
 * kernel drops their descriptors as invalid, silently. With the flag the pool is populated as
 * one virtually contiguous run, which create_pool checks for net_af_xdp.
 */
static struct rte_mempool *create_pool(const char *name, uint32_t mbufs, uint16_t data_room, int socket,
                                       int af_xdp) {
    struct rte_pktmbuf_pool_private private = {
        .mbuf_data_room_size = data_room,
        .mbuf_priv_size = PRIV_SIZE,
    };
    unsigned flags = rte_eal_iova_mode() == RTE_IOVA_VA || af_xdp ? RTE_MEMPOOL_F_NO_IOVA_CONTIG : 0;
    struct rte_mempool *pool = rte_mempool_create_empty(name, mbufs, sizeof(struct rte_mbuf) + PRIV_SIZE + data_room,
            0, sizeof private, socket, flags);
    if (pool == NULL) {
        return NULL;
    }
    int rc = rte_mempool_set_ops_byname(pool, rte_mbuf_best_mempool_ops(), NULL);
    if (rc == 0) {
        rte_pktmbuf_pool_init(pool, &private);
        rc = rte_mempool_populate_default(pool);
    }
    /* Short of memory, populate_default takes several smaller zones: not one UMEM. */
    if (rc >= 0 && af_xdp && pool->nb_mem_chunks != 1) {
        rc = -ENOMEM;
    }
    if (rc < 0) {
        rte_mempool_free(pool);
        rte_errno = -rc;
        return NULL;
    }
    rte_mempool_obj_iter(pool, rte_pktmbuf_init, NULL);
    return pool;
}

/* Stops and closes a port and, with remove, removes its device; the device must be
 * looked up first, since a closed port no longer answers rte_eth_dev_info_get. */
static int close_port(uint16_t port_id, int remove) {
    struct rte_eth_dev_info dev;
    int rc = rte_eth_dev_info_get(port_id, &dev);
    struct rte_device *device = rc == 0 ? dev.device : NULL;
    rte_eth_dev_stop(port_id);
    /* Closing releases the queues, and with them the mbufs still in the rings. */
    rc = rte_eth_dev_close(port_id);
    if (rc != 0) {
        return fail(rc, "rte_eth_dev_close(port %u): %s", port_id, rte_strerror(-rc));
    }
    if (remove && device != NULL) {
        rc = rte_dev_remove(device);
        if (rc != 0) {
            return fail(rc, "rte_dev_remove(port %u): %s", port_id, rte_strerror(-rc));
        }
    }
    return 0;
}

/* Writes up to max descriptors of the process's XDP sockets; returns how many. */
static int xsk_fds(int *fds, int max) {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        return 0;
    }
    int count = 0;
    int own = dirfd(dir);
    struct dirent *entry;
    while (count < max && (entry = readdir(dir)) != NULL) {
        char *end;
        long fd = strtol(entry->d_name, &end, 10);
        int domain;
        socklen_t length = sizeof domain;
        if (*end != 0 || end == entry->d_name || fd == own) {
            continue;
        }
        if (getsockopt((int) fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 && domain == AF_XDP) {
            fds[count++] = (int) fd;
        }
    }
    closedir(dir);
    return count;
}

/*
 * The XDP socket net_af_xdp made for a port that just started: the one that was not there
 * before (the PMD keeps its socket private; an XDP socket is readable while its rx ring holds
 * frames). -1 when there is not exactly one: the port then has no rx wake-up.
 */
static int new_xsk_fd(const int *before, int before_count) {
    int now[XSK_FDS_MAX];
    int now_count = xsk_fds(now, XSK_FDS_MAX);
    int found = -1;
    for (int i = 0; i < now_count; i++) {
        int seen = 0;
        for (int j = 0; j < before_count; j++) {
            seen |= now[i] == before[j];
        }
        if (!seen) {
            if (found >= 0) {
                return -1;
            }
            found = now[i];
        }
    }
    return found;
}

/* Undoes a half-opened port: the queues go with the port, then the pool they used. */
static void abandon(uint16_t port_id, struct bypass_dpdk_port *port, int remove) {
    close_port(port_id, remove);
    if (port != NULL) {
        free_port(port);
    }
}

int bypass_dpdk_port_open(uint16_t port_id, uint32_t mbufs, uint16_t data_room,
                          uint16_t rx_desc, uint16_t tx_desc, uint16_t mtu,
                          uint64_t rx_offloads, uint64_t tx_offloads, int remove_on_failure,
                          struct bypass_dpdk_port **out) {
    static unsigned pools_made;
    struct rte_eth_dev_info dev;
    int rc = rte_eth_dev_info_get(port_id, &dev);
    if (rc != 0) {
        return fail(rc, "rte_eth_dev_info_get(port %u): %s", port_id, rte_strerror(-rc));
    }
    struct bypass_dpdk_port *port = calloc(1, sizeof *port);
    if (port == NULL || (port->mbufs = calloc(mbufs, sizeof *port->mbufs)) == NULL) {
        free(port);
        abandon(port_id, NULL, remove_on_failure);
        return fail(-ENOMEM, "out of memory for %u mbuf pointers", mbufs);
    }
    port->port_id = port_id;
    port->mbuf_count = mbufs;
    port->rx_fd = -1;
    port->wake_fd = -1;
    int af_xdp = dev.driver_name != NULL && strcmp(dev.driver_name, "net_af_xdp") == 0;
    int tap = dev.driver_name != NULL && strcmp(dev.driver_name, "net_tap") == 0;
    int xsk_before[XSK_FDS_MAX];
    int xsk_before_count = af_xdp ? xsk_fds(xsk_before, XSK_FDS_MAX) : 0;

    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof conf);
    conf.rxmode.offloads = rx_offloads & dev.rx_offload_capa;
    conf.txmode.offloads = tx_offloads & dev.tx_offload_capa;
    /* All mbufs come from one pool with refcnt 1: the cheapest way for a PMD to free them. */
    conf.txmode.offloads |= dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
    /* net_tap's rx interrupt is its queue's tap fd itself, readable while frames wait. */
    conf.intr_conf.rxq = tap;
    port->rx_ip_checksum = (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
    port->rx_l4_checksum = (conf.rxmode.offloads & (RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM))
            == (RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
    if (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
        port->tx_flags |= RTE_MBUF_F_TX_IP_CKSUM;
    }
    if (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
        port->tx_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
    }
    if (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
        port->tx_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
    }
    rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
    if (rc != 0) {
        abandon(port_id, port, remove_on_failure);
        return fail(rc, "rte_eth_dev_configure(port %u): %s", port_id, rte_strerror(-rc));
    }
    rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc);

    int socket = rte_eth_dev_socket_id(port_id);
    if (socket < 0) {
        socket = SOCKET_ID_ANY;
    }
    char pool_name[RTE_MEMPOOL_NAMESIZE];
    snprintf(pool_name, sizeof pool_name, "bypass%u_%u", port_id, pools_made++);
    /* No per-lcore cache: the polling thread is usually not an EAL lcore and would not
     * use one; DpdkLink keeps its own small cache of free mbufs instead. */
    port->pool = create_pool(pool_name, mbufs, data_room, socket, af_xdp);
    if (port->pool == NULL) {
        int err = rte_errno;
        abandon(port_id, port, remove_on_failure);
        return fail(-err, "creating a pool of %u mbufs of %u bytes%s: %s (with --no-huge, raise -m;"
                " with hugepages, reserve more)", mbufs, data_room, af_xdp ? " in one contiguous run for AF_XDP" : "",
                rte_strerror(err));
    }
    rte_mempool_obj_iter(port->pool, number_mbuf, port);

    rc = rte_eth_rx_queue_setup(port_id, 0, rx_desc, socket, NULL, port->pool);
    if (rc != 0) {
        abandon(port_id, port, remove_on_failure);
        return fail(rc, "rte_eth_rx_queue_setup(port %u, %u descriptors): %s", port_id, rx_desc, rte_strerror(-rc));
    }
    struct rte_eth_txconf txconf = dev.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    rc = rte_eth_tx_queue_setup(port_id, 0, tx_desc, socket, &txconf);
    if (rc != 0) {
        abandon(port_id, port, remove_on_failure);
        return fail(rc, "rte_eth_tx_queue_setup(port %u, %u descriptors): %s", port_id, tx_desc, rte_strerror(-rc));
    }
    uint16_t current_mtu = 0;
    rte_eth_dev_get_mtu(port_id, &current_mtu);
    if (mtu != 0 && mtu != current_mtu) {
        rc = rte_eth_dev_set_mtu(port_id, mtu);
        if (rc != 0) {
            abandon(port_id, port, remove_on_failure);
            return fail(rc, "rte_eth_dev_set_mtu(port %u, %u): %s", port_id, mtu, rte_strerror(-rc));
        }
    }
    rc = rte_eth_dev_start(port_id);
    if (rc != 0) {
        abandon(port_id, port, remove_on_failure);
        return fail(rc, "rte_eth_dev_start(port %u): %s", port_id, rte_strerror(-rc));
    }
    if (af_xdp) {
        port->rx_fd = new_xsk_fd(xsk_before, xsk_before_count);
    } else if (tap) {
        port->rx_fd = rte_eth_dev_rx_intr_ctl_q_get_fd(port_id, 0);
    }
    if (port->rx_fd >= 0) {
        port->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (port->wake_fd < 0) {
            port->rx_fd = -1;
        }
    }
    *out = port;
    return 0;
}

int bypass_dpdk_rx_waitable(const struct bypass_dpdk_port *port) {
    return port->rx_fd >= 0;
}

int bypass_dpdk_rx_wait(struct bypass_dpdk_port *port, int64_t timeout_ns) {
    if (port->rx_fd < 0) {
        return fail(-ENOTSUP, "port %u has no rx wake-up", port->port_id);
    }
    struct pollfd fds[2] = {{.fd = port->rx_fd, .events = POLLIN}, {.fd = port->wake_fd, .events = POLLIN}};
    if (timeout_ns < 0) {
        timeout_ns = 0;
    }
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    int n = ppoll(fds, 2, &timeout, NULL);
    if (n < 0) {
        return errno == EINTR ? 0 : fail(-errno, "ppoll on port %u: %s", port->port_id, strerror(errno));
    }
    if (fds[1].revents & POLLIN) {
        uint64_t wakes;
        if (read(port->wake_fd, &wakes, sizeof wakes) < 0 && errno != EAGAIN) {
            return fail(-errno, "reading port %u's wake-up eventfd: %s", port->port_id, strerror(errno));
        }
    }
    return (fds[0].revents & POLLIN) != 0;
}

int bypass_dpdk_rx_wake(struct bypass_dpdk_port *port) {
    uint64_t one = 1;
    if (port->wake_fd < 0) {
        return fail(-ENOTSUP, "port %u has no rx wake-up", port->port_id);
    }
    /* EAGAIN: the counter is full, so a wake-up is pending anyway. */
    if (write(port->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN) {
        return fail(-errno, "writing port %u's wake-up eventfd: %s", port->port_id, strerror(errno));
    }
    return 0;
}

void *bypass_dpdk_buffer(struct bypass_dpdk_port *port, uint32_t index, uint32_t *length) {
    if (index >= port->mbuf_count) {
        return NULL;
    }
    struct rte_mbuf *m = port->mbufs[index];
    *length = m->buf_len;
    return m->buf_addr;
}

int bypass_dpdk_port_close(struct bypass_dpdk_port *port, int remove) {
    rte_pktmbuf_free_bulk(port->waiting, port->state.tx_waiting);
    port->state.tx_waiting = 0;
    int rc = close_port(port->port_id, remove);
    free_port(port);
    return rc;
}

int bypass_dpdk_link(uint16_t port_id, uint32_t *speed_mbps) {
    struct rte_eth_link link;
    int rc = rte_eth_link_get_nowait(port_id, &link);
    if (rc != 0) {
        return fail(rc, "rte_eth_link_get_nowait(port %u): %s", port_id, rte_strerror(-rc));
    }
    *speed_mbps = link.link_speed;
    return link.link_status == RTE_ETH_LINK_UP;
}

int bypass_dpdk_stats(struct bypass_dpdk_port *port, struct bypass_dpdk_stats *stats) {
    struct rte_eth_stats s;
    int rc = rte_eth_stats_get(port->port_id, &s);
    if (rc != 0) {
        return fail(rc, "rte_eth_stats_get(port %u): %s", port->port_id, rte_strerror(-rc));
    }
    stats->ipackets = s.ipackets;
    stats->opackets = s.opackets;
    stats->ibytes = s.ibytes;
    stats->obytes = s.obytes;
    stats->imissed = s.imissed;
    stats->ierrors = s.ierrors;
    stats->oerrors = s.oerrors;
    stats->rx_nombuf = s.rx_nombuf;
    stats->rx_dropped_checksum = port->state.rx_dropped_checksum;
    stats->rx_dropped_chained = port->state.rx_dropped_chained;
    return 0;
}

const struct bypass_dpdk_port_state *bypass_dpdk_port_state(const struct bypass_dpdk_port *port) {
    return &port->state;
}

/* --- fast path --- */

/*
 * Whether a received frame keeps the rx checksum promise of the offloads enabled: the
 * device's verdict where it gave one, our own check where it did not (RFC 791 header
 * checksum; RFC 9293 and RFC 768 checksums over the pseudo-header). Frames too short or
 * inconsistent to check are passed on: the stack validates lengths and drops them.
 */
static int checksums_good(const struct bypass_dpdk_port *port, const struct rte_mbuf *m) {
    uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    int check_ip = port->rx_ip_checksum && ip != RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    int check_l4 = port->rx_l4_checksum && l4 != RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    if ((check_ip && ip == RTE_MBUF_F_RX_IP_CKSUM_BAD) || (check_l4 && l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD)) {
        return 0;
    }
    if (!check_ip && !check_l4) {
        return 1;
    }
    const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
    if (m->data_len < ETHER_HEADER + sizeof(struct rte_ipv4_hdr)
            || ((frame[12] << 8) | frame[13]) != ETHER_TYPE_IPV4) {
        return 1;
    }
    const struct rte_ipv4_hdr *hdr = (const struct rte_ipv4_hdr *) (frame + ETHER_HEADER);
    unsigned header_length = (hdr->version_ihl & 0x0f) * 4u;
    unsigned total_length = rte_be_to_cpu_16(hdr->total_length);
    if (header_length < sizeof *hdr || total_length < header_length
            || total_length > (unsigned) m->data_len - ETHER_HEADER) {
        return 1;
    }
    if (check_ip && rte_raw_cksum(hdr, header_length) != 0xffff) {
        return 0;
    }
    uint16_t fragment = rte_be_to_cpu_16(hdr->fragment_offset);
    if (!check_l4 || (fragment & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
        return 1;
    }
    const uint8_t *l4_header = (const uint8_t *) hdr + header_length;
    if (hdr->next_proto_id == IPPROTO_TCP && total_length - header_length >= 20) {
        return rte_ipv4_udptcp_cksum_verify(hdr, l4_header) == 0;
    }
    if (hdr->next_proto_id == IPPROTO_UDP && total_length - header_length >= 8) {
        /* RFC 768: a zero checksum means the sender computed none. */
        return (l4_header[6] | l4_header[7]) == 0 || rte_ipv4_udptcp_cksum_verify(hdr, l4_header) == 0;
    }
    return 1;
}

/* Offers the device the frames waiting for its tx queue, oldest first; keeps what it refuses. */
static void offer_waiting(struct bypass_dpdk_port *port) {
    uint16_t waiting = port->state.tx_waiting;
    if (waiting == 0) {
        return;
    }
    /* A PMD may take fewer than asked with room left (a burst cap of its own): ask until it refuses. */
    uint16_t sent = 0;
    uint16_t n;
    do {
        n = rte_eth_tx_burst(port->port_id, 0, port->waiting + sent, (uint16_t) (waiting - sent));
        sent += n;
    } while (n > 0 && sent < waiting);
    if (sent > 0 && sent < waiting) {
        memmove(port->waiting, port->waiting + sent, (waiting - sent) * sizeof *port->waiting);
    }
    port->state.tx_waiting = waiting - sent;
}

uint16_t bypass_dpdk_rx(struct bypass_dpdk_port *port, struct bypass_dpdk_pkt *pkts, uint16_t max) {
    if (max > BYPASS_DPDK_BURST_MAX) {
        max = BYPASS_DPDK_BURST_MAX;
    }
    offer_waiting(port);
    uint16_t got = rte_eth_rx_burst(port->port_id, 0, port->scratch, max);
    uint16_t n = 0;
    for (uint16_t i = 0; i < got; i++) {
        struct rte_mbuf *m = port->scratch[i];
        if (m->nb_segs != 1) {
            port->state.rx_dropped_chained++;
            rte_pktmbuf_free(m);
            continue;
        }
        if ((port->rx_ip_checksum || port->rx_l4_checksum) && !checksums_good(port, m)) {
            port->state.rx_dropped_checksum++;
            rte_pktmbuf_free(m);
            continue;
        }
        pkts[n].index = *(const uint32_t *) rte_mbuf_to_priv(m);
        pkts[n].offset = m->data_off;
        pkts[n].length = m->data_len;
        n++;
    }
    return n;
}

/* Asks the device for the checksums its enabled offloads complete: the IPv4 header's
 * (left zero by the stack) and the TCP/UDP one whose pseudo-header sum the stack left in
 * the field (what RTE_MBUF_F_TX_TCP_CKSUM expects). */
static void request_checksums(const struct bypass_dpdk_port *port, struct rte_mbuf *m) {
    const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
    if (m->data_len < ETHER_HEADER + sizeof(struct rte_ipv4_hdr)
            || ((frame[12] << 8) | frame[13]) != ETHER_TYPE_IPV4) {
        return;
    }
    const struct rte_ipv4_hdr *hdr = (const struct rte_ipv4_hdr *) (frame + ETHER_HEADER);
    uint64_t flags = port->tx_flags & RTE_MBUF_F_TX_IP_CKSUM;
    if (hdr->next_proto_id == IPPROTO_TCP) {
        flags |= port->tx_flags & RTE_MBUF_F_TX_TCP_CKSUM;
    } else if (hdr->next_proto_id == IPPROTO_UDP) {
        flags |= port->tx_flags & RTE_MBUF_F_TX_UDP_CKSUM;
    }
    if (flags != 0) {
        m->l2_len = ETHER_HEADER;
        m->l3_len = (hdr->version_ihl & 0x0f) * 4u;
        m->ol_flags |= flags | RTE_MBUF_F_TX_IPV4;
    }
}

uint16_t bypass_dpdk_tx(struct bypass_dpdk_port *port, const struct bypass_dpdk_pkt *pkts, uint16_t count) {
    if (count > BYPASS_DPDK_BURST_MAX) {
        count = BYPASS_DPDK_BURST_MAX;
    }
    for (uint16_t i = 0; i < count; i++) {
        struct rte_mbuf *m = port->mbufs[pkts[i].index];
        /* The mbuf may last have been a received one: clear what rx left in it. */
        rte_pktmbuf_reset(m);
        m->data_off = pkts[i].offset;
        m->data_len = pkts[i].length;
        m->pkt_len = pkts[i].length;
        if (port->tx_flags != 0) {
            request_checksums(port, m);
        }
        port->scratch[i] = m;
    }
    /* Nothing overtakes a frame that waits: new ones go to the device only behind it. */
    offer_waiting(port);
    uint16_t sent = port->state.tx_waiting == 0 ? rte_eth_tx_burst(port->port_id, 0, port->scratch, count) : 0;
    uint16_t refused = count - sent;
    uint32_t room = BYPASS_DPDK_TX_WAITING_MAX - port->state.tx_waiting;
    uint16_t kept = refused < room ? refused : (uint16_t) room;
    memcpy(port->waiting + port->state.tx_waiting, port->scratch + sent, kept * sizeof *port->waiting);
    port->state.tx_waiting += kept;
    port->state.tx_waited += kept;
    if (kept < refused) {
        rte_pktmbuf_free_bulk(port->scratch + sent + kept, refused - kept);
    }
    return sent + kept;
}

uint16_t bypass_dpdk_alloc(struct bypass_dpdk_port *port, uint32_t *indices, uint16_t count) {
    if (count > BYPASS_DPDK_BURST_MAX) {
        count = BYPASS_DPDK_BURST_MAX;
    }
    uint16_t n = 0;
    if (rte_pktmbuf_alloc_bulk(port->pool, port->scratch, count) == 0) {
        n = count;
    } else {
        /* The bulk call is all or nothing; near the bottom of the pool take what is left. */
        struct rte_mbuf *m;
        while (n < count && (m = rte_pktmbuf_alloc(port->pool)) != NULL) {
            port->scratch[n++] = m;
        }
    }
    for (uint16_t i = 0; i < n; i++) {
        indices[i] = *(const uint32_t *) rte_mbuf_to_priv(port->scratch[i]);
    }
    return n;
}

void bypass_dpdk_free(struct bypass_dpdk_port *port, const uint32_t *indices, uint16_t count) {
    if (count > BYPASS_DPDK_BURST_MAX) {
        count = BYPASS_DPDK_BURST_MAX;
    }
    for (uint16_t i = 0; i < count; i++) {
        port->scratch[i] = port->mbufs[indices[i]];
    }
    rte_pktmbuf_free_bulk(port->scratch, count);
}
