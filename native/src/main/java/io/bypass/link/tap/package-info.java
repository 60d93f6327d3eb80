/**
 * The TAP link: a Linux TAP interface driven through FFM downcalls to libc
 * ({@link io.bypass.link.tap.TapLink}, bindings in {@code LibC}). For interop with the
 * Linux kernel's own TCP/IP and for development without a NIC. It does not configure the
 * interface (addresses, namespaces, MTU are set with {@code ip}), and it does not use the
 * virtio-net header, so no checksum or segmentation offload.
 */
package io.bypass.link.tap;
