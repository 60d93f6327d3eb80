/**
 * An HTTP hello server on Netty 4.2's NIO transport (netty-codec-http), unmodified: under
 * {@code bin/bypass} its channels are Bypass's because Netty opens them through
 * {@code SelectorProvider.provider()}. Nothing here may import Bypass classes.
 */
package io.bypass.samples.netty;
