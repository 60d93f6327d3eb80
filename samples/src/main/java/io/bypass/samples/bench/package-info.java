/**
 * The provider benchmark ({@code bin/build bench-provider}): ping-pong round-trip time over
 * the in-JVM loopback link against the JDK on kernel loopback (selectors blocking, and
 * busy-polling), and select cost with many idle accelerated channels. Measures the
 * provider; the engine has its own benchmark.
 */
package io.bypass.samples.bench;
