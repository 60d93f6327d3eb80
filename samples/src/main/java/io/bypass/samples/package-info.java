/**
 * Runnable examples of Bypass. For now: {@link io.bypass.samples.EngineDemo}, the engine
 * over a simulated faulty link, which is the README's main command until the provider
 * and the real links land.
 */
package io.bypass.samples;
