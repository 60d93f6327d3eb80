/**
 * TCP (RFC 9293): connections and listeners, demultiplexing, the state machine,
 * retransmission (RFC 6298), congestion control (CUBIC RFC 9438 by default, NewReno
 * RFC 5681 / RFC 6582 selectable), flow control with Nagle and silly-window avoidance,
 * delayed ACKs, out-of-order reassembly, ISNs (RFC 6528) and ephemeral ports (RFC 6056);
 * and robustness: SYN cookies and half-open limits against SYN floods (RFC 4987),
 * keep-alive (RFC 1122 4.2.3.6), the user timeout (RFC 5482) and what SO_LINGER needs.
 *
 * <p>Not here: packet formats (in {@code wire}: {@code TcpHeader}, {@code TcpOptions}),
 * IPv4 routing and ICMP parsing (the {@code ip} layer hands us packets and errors), and
 * the java.nio mapping (the provider). Window scaling, timestamps and SACK are parsed but
 * not yet negotiated; only the MSS option is (and a SYN cookie carries only the MSS). Urgent
 * data is not supported (URG is ignored, as RFC 6093 advises new applications to do), nor is
 * the rate limit of challenge ACKs (RFC 5961 section 7).
 */
package io.bypass.stack.tcp;
