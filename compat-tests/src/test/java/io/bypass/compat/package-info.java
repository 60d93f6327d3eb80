/**
 * Compatibility tests: unmodified Netty 4.2 (NIO transport), Jetty 12 and the JDK's
 * {@code java.net.http.HttpClient} over Bypass. The same classes run in two surefire
 * executions, chosen by the {@code compat.mode} system property: {@code bypass} (our
 * provider by {@code -Djava.nio.channels.spi.SelectorProvider}, with rules that accelerate
 * the ports of {@code compat.ports}, over the link {@code compat.link}) and {@code jdk} (the
 * JDK's provider, the control). In the first, each test proves through the provider's
 * counters that its traffic went through the stack ({@link io.bypass.compat.Acceleration});
 * in the second, that the JDK's provider carried it.
 *
 * <p>Tests tagged {@code two-jvm} start a second JVM ({@link io.bypass.compat.TwoJvm},
 * {@link io.bypass.compat.PeerMain}) and run in a third execution, {@code shm}: this JVM's
 * provider runs a stack on side 0 of a fresh shared-memory link file, the peer's on side 1,
 * each at its own address, and both JVMs' counters (this one's provider, the peer's stats line
 * at exit) prove the traffic crossed the link. In the control they run over kernel loopback.
 *
 * <p>The tests do not deal with the provider's contracts one by one (provider's own tests
 * do); they check that whole frameworks, which lean on those contracts all at once, work.
 */
package io.bypass.compat;
