/**
 * The drop-in java.nio provider: {@link io.bypass.provider.BypassSelectorProvider}, its
 * {@code SocketChannel}, {@code ServerSocketChannel} and {@code Selector} with their
 * {@code Socket}/{@code ServerSocket} adaptors, the edge-triggered extension
 * ({@link io.bypass.provider.BypassKeys}), the drop-in jar's agent
 * ({@link io.bypass.provider.BypassAgent}), CPU pinning of spinning threads, the settings
 * ({@link io.bypass.provider.BypassConfig}) and acceleration rules
 * ({@link io.bypass.provider.Rules}), the in-JVM loopback link with its stack lock and
 * helper thread, and the kernel fallback (the JDK's own channels, wrapped).
 *
 * <p>Unlike {@code bypass-stack} this package is not sans-IO: it owns threads, clocks and
 * locks. It does not deal with protocols (the stack does) nor with NIC links (native/).
 */
package io.bypass.provider;
