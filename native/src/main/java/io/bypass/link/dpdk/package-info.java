/**
 * The DPDK link: any DPDK poll-mode driver behind the link SPI — {@code net_af_xdp} (an
 * XDP program steers a kernel interface's frames into user memory), {@code net_tap},
 * {@code net_memif} between processes, and real NICs including Solarflare's
 * {@code net_sfc}. A small C shim ({@code native/src/main/c/bypass_dpdk.h}) wraps DPDK's
 * inline fast path; {@link io.bypass.link.dpdk.DpdkShim} binds it through FFM;
 * {@link io.bypass.link.dpdk.DpdkLink} is the link, opened from a
 * {@link io.bypass.link.dpdk.DpdkConfig} setting {@code dpdk:<devargs>?eal=<EAL args>}
 * ({@link io.bypass.link.dpdk.DpdkLinkFactory} opens it for {@code bypass.link}).
 *
 * <p>Frames are the mbufs themselves (one preallocated frame object per mbuf); nothing is
 * copied between the device and the stack. This package knows frames, not TCP.
 */
package io.bypass.link.dpdk;
