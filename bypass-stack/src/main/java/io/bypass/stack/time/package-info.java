/**
 * Timers: a hashed timer wheel with O(1) schedule and cancel, driven by the time its
 * caller passes in. Nothing here reads a clock.
 */
package io.bypass.stack.time;
