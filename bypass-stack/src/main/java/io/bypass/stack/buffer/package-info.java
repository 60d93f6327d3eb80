/**
 * Off-heap frames and the pools that own them.
 *
 * <p>A {@link io.bypass.stack.buffer.Frame} is one Ethernet frame's worth of memory with a
 * data window (offset, length). Frames are allocated once, recycled forever: the steady
 * state allocates nothing on the Java heap. Every frame has exactly one owner at a time;
 * whoever holds it either passes it on (to a link for transmission, to a socket's receive
 * queue) or calls {@link io.bypass.stack.buffer.Frame#release()}.
 */
package io.bypass.stack.buffer;
