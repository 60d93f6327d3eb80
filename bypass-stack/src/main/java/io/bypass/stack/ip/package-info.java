/**
 * IPv4 (RFC 791, RFC 1122): validating and dispatching received packets to transports,
 * building headers for sent ones, and choosing the next hop (on-link or gateway).
 */
package io.bypass.stack.ip;
