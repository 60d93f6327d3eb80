/**
 * ef_vi (Onload's user-level NIC API for Solarflare/AMD NICs): {@code efvi:<ifname>}
 * ({@link io.bypass.link.efvi.EfviLinkFactory}) and the run-time probe that reports whether
 * Onload is installed. The bindings themselves are built only where Onload's headers exist;
 * see {@link io.bypass.link.efvi.EfviLink}.
 */
package io.bypass.link.efvi;
