/**
 * TCP (RFC 9293): connections and listeners, demultiplexing, the state machine,
 * retransmission (RFC 6298), congestion control (CUBIC RFC 9438 by default, NewReno
 * RFC 5681 / RFC 6582 selectable, SACK-based loss recovery RFC 6675 with either), flow
 * control with Nagle and silly-window avoidance, delayed ACKs, out-of-order reassembly,
 * ISNs (RFC 6528) and ephemeral ports (RFC 6056); and robustness: SYN cookies and
 * half-open limits against SYN floods (RFC 4987), keep-alive (RFC 1122 4.2.3.6), the user
 * timeout (RFC 5482) and what SO_LINGER needs; per-connection buffer sizes (SO_RCVBUF,
 * SO_SNDBUF) with auto-tuning up to configured caps, and layer-wide bounds on the received
 * frames held out of order and for all unread data, with a per-connection share that bounds
 * the window offered and compacts the receive queue under pressure
 * ({@link io.bypass.stack.tcp.FrameBudget}); path MTU discovery (RFC 1191) by vouching
 * for the segments ICMP errors quote. A connection is a {@link io.bypass.stack.tcp.TcpConnection}
 * and the parts it is made of, one concern each: segment arrival, sender, retransmission,
 * receiver, teardown, keep-alive (its class comment lists them).
 *
 * <p>Not here: packet formats (in {@code wire}: {@code TcpHeader}, {@code TcpOptions}),
 * IPv4 routing and ICMP parsing (the {@code ip} layer hands us packets and errors), and
 * the java.nio mapping (the provider). Options negotiated in the SYN exchange: MSS, window
 * scaling and timestamps with PAWS and RTTM (RFC 7323), SACK (RFC 2018); each can be
 * switched off in {@link io.bypass.stack.tcp.TcpConfig}. A SYN cookie carries the MSS, and
 * window scaling and SACK-permitted in its TSval when the SYN had timestamps (as Linux does);
 * without timestamps a connection opened from one runs with the MSS only. RFC 5961 challenge ACKs
 * are rate-limited per connection. Not supported: urgent data (URG is ignored, as RFC 6093
 * advises new applications to do), D-SACK (RFC 2883), RACK-TLP (RFC 8985), and TIME-WAIT
 * reuse by timestamps (RFC 6191).
 */
package io.bypass.stack.tcp;
