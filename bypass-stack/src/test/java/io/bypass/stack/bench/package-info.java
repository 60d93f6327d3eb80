/**
 * JMH benchmarks of the engine alone: two complete stacks in one thread over an in-memory
 * link on a virtual clock (round trip, bulk transfer, connection open and close), the runner
 * that {@code bin/build bench} starts, and the JUnit smoke test that keeps them correct.
 *
 * <p>Not here: anything with real I/O, threads or clocks (the provider and the NIC links have
 * their own benchmarks when they land), and no timing asserts in tests.
 */
package io.bypass.stack.bench;
