/**
 * Fault injection on our side of any link: seeded, count-based loss, reordering and
 * duplication ({@link io.bypass.link.fault.FaultyLink}), for tests against real peers (the
 * kernel over TAP) where the wire itself is perfect. Corruption and delay by time are not
 * modelled here; the stack's simulation harness covers those in memory.
 */
package io.bypass.link.fault;
