package io.bypass.stack.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bypass.stack.Counter;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;

/**
 * A stack on a {@link MemoryLink} with a virtual clock, and the send / expect vocabulary
 * of packet-exchange tests. The gratuitous ARP sent at start is taken out of the way.
 */
public final class StackHarness {
    /** The link under the stack. */
    public final MemoryLink link;
    /** The stack under test. */
    public final NetworkStack stack;
    /** The virtual time, in nanoseconds. */
    public long nowNs = 1_000_000_000L;

    /** A stack at 10.0.0.1/24 with gateway 10.0.0.254 and default settings. */
    public StackHarness() {
        this(config().build());
    }

    /** A stack with the given settings. */
    public StackHarness(StackConfig config) {
        this(config, new MemoryLink());
    }

    /** A stack with the given settings on the given link. */
    public StackHarness(StackConfig config, MemoryLink link) {
        this.link = link;
        this.stack = new NetworkStack(config, link, nowNs);
        stack.poll(nowNs);
        link.clearSent();
    }

    /** @return the test settings: our MAC and IP, /24, gateway .254 */
    public static StackConfig.Builder config() {
        return StackConfig.builder().mac(Packets.OUR_MAC).ip(Packets.OUR_IP).prefixLength(24)
                .gateway(Packets.GATEWAY_IP);
    }

    /** Feeds one frame and polls. */
    public void send(byte[] frame) {
        link.inject(frame);
        stack.poll(nowNs);
    }

    /** Moves the clock and polls. */
    public void advanceNs(long deltaNs) {
        nowNs += deltaNs;
        stack.poll(nowNs);
    }

    /** @return the next frame the stack transmitted; fails when there is none */
    public byte[] expect() {
        byte[] frame = link.takeSent();
        assertNotNull(frame, "expected a transmitted frame");
        return frame;
    }

    /** Fails when the stack transmitted anything not yet taken. */
    public void expectNothing() {
        assertNull(link.takeSent(), "expected no transmitted frame");
    }

    /** Answers the pending ARP request for {@code ip} as if {@code mac} had it. */
    public void answerArp(int ip, long mac) {
        send(Packets.ethernet(Packets.OUR_MAC, mac, 0x0806,
                Packets.arp(2, mac, ip, Packets.OUR_MAC, Packets.OUR_IP)));
    }

    /** Teaches the stack the peer's MAC (the peer asks for ours) and drops our reply. */
    public void learnPeer() {
        send(Packets.ethernet(Packets.BROADCAST_MAC, Packets.PEER_MAC, 0x0806,
                Packets.arp(1, Packets.PEER_MAC, Packets.PEER_IP, 0, Packets.OUR_IP)));
        link.clearSent();
    }

    /** @return the counter's value */
    public long count(Counter counter) {
        return stack.counters().get(counter);
    }

    /** Asserts that no frame is held by the stack beyond {@code expected}. */
    public void assertFramesInUse(int expected) {
        assertEquals(expected, link.pool().inUse(), "frames in use (leak check)");
    }
}
