/**
 * The link SPI: how the stack meets a NIC queue, in bursts of off-heap frames, and the
 * decorators that wrap any link (fault injection; later capture and tracing), what a link
 * offloads ({@link io.bypass.stack.link.LinkCapabilities}), an in-memory link between two
 * stacks in one process ({@link io.bypass.stack.link.InMemoryLink}), and the
 * stack's transmit burst that batches frames into one {@link io.bypass.stack.link.Link#transmit} call.
 *
 * <p>Links know frames, not TCP. Implementations of real devices live in the
 * {@code native} module; this package depends on nothing but the JDK.
 */
package io.bypass.stack.link;
