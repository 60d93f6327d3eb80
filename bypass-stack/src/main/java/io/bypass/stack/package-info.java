/**
 * The sans-IO TCP/IP engine.
 *
 * <p>{@link io.bypass.stack.NetworkStack} is polled by its caller with the current time
 * ({@code poll(nowNs)}); it takes received frames from a {@link io.bypass.stack.link.Link},
 * runs Ethernet, ARP, IPv4, ICMP, UDP and TCP, fires due timers, hands frames back to the
 * link for transmission and answers when it next needs to run ({@code pollAtNs()}). It
 * never does I/O, never reads a clock and never starts a thread, which is what makes it
 * replayable in a deterministic simulation and fuzzable.
 *
 * <p>Sub-packages by layer: {@code wire} (packet formats only, no state), {@code buffer}
 * (off-heap frames), {@code link} (the frame SPI and link decorators), {@code time}
 * (timer wheel), {@code arp}, {@code ip}, {@code icmp}, {@code udp}, {@code tcp}
 * (protocol state), {@code sim} (virtual clock and a faulty wire for tests and demos).
 */
package io.bypass.stack;
