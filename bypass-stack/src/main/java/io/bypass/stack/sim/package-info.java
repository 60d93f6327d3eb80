/**
 * Deterministic simulation: a virtual clock and a seeded, faulty Ethernet segment that
 * stacks attach to as {@link io.bypass.stack.link.Link}s.
 *
 * <p>Used by the property tests (many seeds, every byte delivered once and in order) and
 * by the engine demo. Nothing here reads a real clock: time is what the driver says it is,
 * so a failing seed replays exactly.
 */
package io.bypass.stack.sim;
