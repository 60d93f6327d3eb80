/**
 * The link SPI: how the stack meets a NIC queue, in bursts of off-heap frames, and the
 * decorators that wrap any link (fault injection; later capture and tracing), what a link
 * offloads ({@link io.bypass.stack.link.LinkCapabilities}), an in-memory link between two
 * stacks in one process ({@link io.bypass.stack.link.InMemoryLink}), and the
 * stack's transmit burst that batches frames into one {@link io.bypass.stack.link.Link#transmit} call.
 *
 * <p>Devices are opened by spec through {@link io.bypass.stack.link.LinkFactory}, a
 * {@link java.util.ServiceLoader} interface ({@code shm:/dev/shm/a}, {@code tap:byp0}; the
 * spec's grammar is {@link io.bypass.stack.link.LinkSpec}), and count what they carry and drop
 * under the same names ({@link io.bypass.stack.link.LinkCounter}, read through
 * {@link io.bypass.stack.link.Link#stats()}).
 *
 * <p>Links know frames, not TCP. Implementations of real devices live in the
 * {@code native} module; this package depends on nothing but the JDK.
 */
package io.bypass.stack.link;
