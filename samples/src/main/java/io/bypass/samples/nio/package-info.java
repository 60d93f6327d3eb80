/**
 * Plain java.nio programs that know nothing about Bypass (an echo server and client), run
 * unmodified under {@code bin/bypass} to show and test the drop-in provider. Nothing here
 * may import Bypass classes.
 */
package io.bypass.samples.nio;
