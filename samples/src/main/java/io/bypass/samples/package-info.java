/**
 * Runnable examples of Bypass. Unmodified programs for {@code bin/bypass}: {@code nio}
 * (echo), {@code latency} (the latency tool), {@code netty} (an HTTP hello server). Around
 * them: {@code report} (the benchmark report, and {@code bin/build demo}), {@code bench}
 * (the provider benchmark), and {@link io.bypass.samples.EngineDemo} ({@code bin/build
 * sim-demo}: the engine over a simulated faulty link).
 */
package io.bypass.samples;
