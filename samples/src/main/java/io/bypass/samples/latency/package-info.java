/**
 * The latency tool: a plain java.nio client and server that know nothing about Bypass
 * (run them under {@code bin/bypass} to accelerate them, or without it for the kernel).
 * Three workloads: a ping-pong of fixed-size messages timed into an HdrHistogram, a bulk
 * transfer on one connection, and a connection rate (connect, accept, close). The benchmark
 * report ({@link io.bypass.samples.report}) runs this tool in child JVMs and reads its
 * {@code result} lines. Nothing here may import Bypass classes.
 */
package io.bypass.samples.latency;
