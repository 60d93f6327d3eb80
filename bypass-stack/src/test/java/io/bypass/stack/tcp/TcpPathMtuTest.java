package io.bypass.stack.tcp;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.i32;
import static io.bypass.stack.testkit.Packets.icmpError;
import static io.bypass.stack.testkit.Packets.ipFrameFromPeer;
import static io.bypass.stack.testkit.Packets.ipv4;
import static io.bypass.stack.testkit.Packets.u16;
import static io.bypass.stack.testkit.Packets.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.wire.Ipv4Address;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Path MTU discovery for TCP through the whole stack (RFC 1191 section 6.5, RFC 5927
 * section 4.1): an ICMP fragmentation needed is believed only when its quote names a live
 * connection and a sequence number it has in flight.
 */
class TcpPathMtuTest {
    /** Ethernet 14 + IPv4 20: where the TCP header of a transmitted frame starts. */
    private static final int TCP_OFFSET = 34;
    private static final int PORT = 80;

    private final StackHarness h = new StackHarness();

    /** Connects to the peer and returns the SYN frame sent. */
    private byte[] connect() {
        h.stack.tcp().connect(Ipv4Address.ANY, 0, PEER_IP, PORT, h.nowNs);
        h.stack.poll(h.nowNs);
        return h.expect();
    }

    /** A router says our segment from {@code localPort} starting at {@code seq} was too big. */
    private void fragmentationNeeded(int localPort, int seq, int nextHopMtu) {
        byte[] tcp = ByteBuffer.allocate(8).putShort((short) localPort).putShort((short) PORT).putInt(seq).array();
        byte[] quote = ipv4(OUR_IP, PEER_IP, 6, tcp);
        h.send(ipFrameFromPeer(1, icmpError(3, 4, nextHopMtu, quote)));
    }

    /** @return the MSS option of a transmitted SYN, or -1 */
    private static int mssOf(byte[] frame) {
        int headerEnd = TCP_OFFSET + (u8(frame, TCP_OFFSET + 12) >>> 4) * 4;
        int i = TCP_OFFSET + 20;
        while (i < headerEnd) {
            int kind = u8(frame, i);
            if (kind == 0) {
                break;
            } else if (kind == 1) {
                i++;
            } else if (kind == 2) {
                return u16(frame, i + 2);
            } else {
                i += u8(frame, i + 1);
            }
        }
        return -1;
    }

    @Test
    void fragmentationNeededForALiveConnectionLowersThePathMtuAndTheNextSynsMss() {
        h.learnPeer();
        byte[] syn = connect();
        assertEquals(1460, mssOf(syn));
        int localPort = u16(syn, TCP_OFFSET);
        int iss = i32(syn, TCP_OFFSET + 4);

        // The SYN (iss, in [SND.UNA, SND.MAX)) was too big for a 1400-byte hop.
        fragmentationNeeded(localPort, iss, 1400);
        assertEquals(1400, h.stack.ip().mtu(PEER_IP));
        assertEquals(1, h.count(Counter.IP_PMTU_UPDATED));

        assertEquals(1360, mssOf(connect()), "a new connection starts at the lower MSS");
    }

    @Test
    void forgedQuoteWithASequenceOutsideTheWindowChangesNothing() {
        h.learnPeer();
        byte[] syn = connect();
        int localPort = u16(syn, TCP_OFFSET);
        int iss = i32(syn, TCP_OFFSET + 4);

        // RFC 5927 section 4.1: a blind attacker guesses the ports but not the sequence.
        fragmentationNeeded(localPort, iss + 100_000, 1400);
        fragmentationNeeded(localPort, iss - 1, 1400);
        fragmentationNeeded(localPort + 1, iss, 1400);
        assertEquals(1500, h.stack.ip().mtu(PEER_IP));
        assertEquals(3, h.count(Counter.IP_PMTU_IGNORED));
        assertEquals(1460, mssOf(connect()));
    }
}
