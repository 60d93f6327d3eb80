/**
 * The shared-memory link: two processes on one host exchange Ethernet frames through one
 * mapped file with a single-producer/single-consumer ring per direction
 * ({@link io.bypass.link.shm.SpscRing}), a versioned header ({@code ShmHeader}) and
 * heartbeats so that a dead peer is reported, never waited for
 * ({@link io.bypass.link.shm.ShmLink}). Frames are built in their ring slot
 * ({@code TransmitSlots}) and long received frames are lent from theirs ({@code LentSlots}):
 * the link itself copies only short or kept-back frames. Pure Java over {@code MemorySegment};
 * no privileges.
 * Deals with frames only: no protocol, no threads (the caller polls).
 */
package io.bypass.link.shm;
