package io.bypass.stack.fuzz;

import static io.bypass.stack.fuzz.FrameInputScenario.OP_ACCEPT;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_ACK_ALL;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_CLOSE;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_CONNECT;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_ICMP_ECHO;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_ICMP_ERROR;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_READ;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_SEGMENT;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_TIME;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_UDP;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_UDP_APP;
import static io.bypass.stack.fuzz.FrameInputScenario.OP_WRITE;

import java.io.ByteArrayOutputStream;

/**
 * Writes fuzz inputs the way {@link FrameInputScenario} reads them, so that the seed
 * corpus is a set of readable recipes ({@link SeedInputs}) rather than opaque bytes.
 * Endpoints are numbered as in the scenario: 0 the accepted connection, 1 the connected
 * one, 2 to 4 further peers of the listener, 5 a peer of a closed port, 6 a second connect.
 */
final class ScenarioWriter {
    /** Sequence or acknowledgment number exactly at what the other side expects. */
    static final int EXACT = 0;
    /** Some bytes after it. */
    static final int AFTER = 1;
    /** Some bytes before it. */
    static final int BEFORE = 2;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Starts an input with the handshake fields; the passive handshake's ACK carries no options. */
    ScenarioWriter(int passiveIsn, int activeIsn, int window, int handshakeBits, int mss, int windowShift) {
        i32(passiveIsn).i32(activeIsn).u16(window).u8(handshakeBits).u16(mss).u8(windowShift).u8(0);
    }

    /** A segment without options, numbers relative to what each side expects. */
    ScenarioWriter segment(int endpoint, int flags, int seqMode, int seqDelta, int ackMode, int ackDelta, int window,
                           int payloadLength) {
        u8(OP_SEGMENT).u8(endpoint).u8(flags);
        u8(seqMode).u16(seqDelta).i32(0);
        u8(ackMode).u16(ackDelta).i32(0);
        return u16(window).u8(0).u16(payloadLength).u8(0);
    }

    /** A segment carrying a timestamps option. */
    ScenarioWriter segmentWithTimestamps(int endpoint, int flags, int window, int payloadLength, int tsEcr) {
        u8(OP_SEGMENT).u8(endpoint).u8(flags);
        u8(EXACT).u16(0).i32(0);
        u8(EXACT).u16(0).i32(0);
        return u16(window).u8(0).u16(payloadLength).u8(1).i32(tsEcr);
    }

    /** A pure ACK of everything we sent, at the peer's next sequence number. */
    ScenarioWriter ackAll(int endpoint, int window) {
        return u8(OP_ACK_ALL).u8(endpoint).u16(window).u8(0);
    }

    /** A pure ACK carrying one SACK block {@code [ourNext - leftBack, +length)}. */
    ScenarioWriter ackWithSack(int endpoint, int window, int leftBack, int length) {
        return u8(OP_ACK_ALL).u8(endpoint).u16(window).u8(2).u8(0).u16(leftBack).u16(length);
    }

    ScenarioWriter time(int unit, int count) {
        return u8(OP_TIME).u8(unit).u8(count - 1);
    }

    ScenarioWriter write(int endpoint, int length) {
        return u8(OP_WRITE).u8(endpoint).u16(length);
    }

    ScenarioWriter read(int endpoint, int length) {
        return u8(OP_READ).u8(endpoint).u16(length);
    }

    /** {@code how}: 0 shutdown output, 1 close, 2 abort. */
    ScenarioWriter close(int endpoint, int how) {
        return u8(OP_CLOSE).u8(endpoint).u8(how);
    }

    ScenarioWriter accept() {
        return u8(OP_ACCEPT);
    }

    ScenarioWriter connect() {
        return u8(OP_CONNECT);
    }

    /** A datagram to our UDP port with a correct checksum. */
    ScenarioWriter udp(int length) {
        return u8(OP_UDP).u8(0).u16(length);
    }

    /** The application reads one datagram. */
    ScenarioWriter udpReceive(int room) {
        return u8(OP_UDP_APP).u8(0).u16(room);
    }

    /** The application sends one datagram to the peer. */
    ScenarioWriter udpSend(int length, int port) {
        return u8(OP_UDP_APP).u8(1).u16(length).u16(port);
    }

    /** An ICMP error quoting our last TCP segment to an endpoint. */
    ScenarioWriter icmpAboutTcp(int endpoint, int type, int code, int nextHopMtu) {
        return u8(OP_ICMP_ERROR).u8(endpoint).u8(type).u8(code).u16(nextHopMtu).u8(0).u8(EXACT).u16(0).i32(0);
    }

    ScenarioWriter echoRequest(int length) {
        return u8(OP_ICMP_ECHO).u8(8).u16(1).u16(1).u16(length);
    }

    /** @return the input */
    byte[] bytes() {
        return out.toByteArray();
    }

    private ScenarioWriter u8(int v) {
        out.write(v);
        return this;
    }

    private ScenarioWriter u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    private ScenarioWriter i32(int v) {
        return u16(v >>> 16).u16(v);
    }
}
