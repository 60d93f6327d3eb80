package io.bypass.stack.ip;

import static io.bypass.stack.testkit.Packets.OUR_IP;
import static io.bypass.stack.testkit.Packets.OUR_MAC;
import static io.bypass.stack.testkit.Packets.PEER_IP;
import static io.bypass.stack.testkit.Packets.PEER_MAC;
import static io.bypass.stack.testkit.Packets.ethernet;
import static io.bypass.stack.testkit.Packets.fragment;
import static io.bypass.stack.testkit.Packets.slice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.stack.Counter;
import io.bypass.stack.testkit.StackHarness;
import io.bypass.stack.udp.UdpSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random fragmentations of random datagrams, sent in random order with random duplicates
 * and identical overlaps, reassemble to the original (RFC 791 section 3.2), and leave
 * neither link frames nor reassembly buffers behind.
 */
class FragmentReassemblyPropertyTest {
    /** Fragment payload at most, before widening by up to 48 bytes: a 2048-byte test frame carries 2014 after the headers. */
    private static final int MAX_PIECE = 1936;

    @Property(tries = 300)
    void anyFragmentationInAnyOrderReassemblesToTheOriginal(
            @ForAll @IntRange(min = 1, max = 12_000) int dataLength,
            @ForAll @IntRange(min = 1, max = 4) int datagrams,
            @ForAll long seed) {
        Random random = new Random(seed);
        StackHarness h = new StackHarness();
        UdpSocket socket = h.stack.udp().bind(0, 7000);
        List<byte[]> originals = new ArrayList<>();
        List<List<byte[]>> perDatagram = new ArrayList<>();
        for (int id = 0; id < datagrams; id++) {
            byte[] datagram = FragmentReassemblyTest.datagram(dataLength + id * 8, random.nextInt());
            originals.add(datagram);
            List<byte[]> frames = new ArrayList<>();
            for (int[] piece : untilCovered(pieces(datagram.length, random), datagram.length, random)) {
                frames.add(ethernet(OUR_MAC, PEER_MAC, 0x0800,
                        fragment(PEER_IP, OUR_IP, 17, 100 + id, datagram, piece[0], piece[1])));
            }
            perDatagram.add(frames);
        }
        // Datagrams interleave at random, each keeping its own (shuffled) order.
        int left = perDatagram.stream().mapToInt(List::size).sum();
        for (; left > 0; left--) {
            List<byte[]> from;
            do {
                from = perDatagram.get(random.nextInt(datagrams));
            } while (from.isEmpty());
            h.send(from.remove(0));
        }

        assertEquals(datagrams, socket.queued(), "every datagram delivered once:\n" + h.stack.counters());
        List<byte[]> received = new ArrayList<>();
        ByteBuffer dst = ByteBuffer.allocate(70_000);
        for (int i = 0; i < datagrams; i++) {
            dst.clear();
            int n = socket.receive(dst);
            received.add(slice(dst.array(), 0, n));
        }
        for (byte[] original : originals) {
            byte[] data = slice(original, 8, original.length);
            assertEquals(1, received.stream().filter(r -> java.util.Arrays.equals(r, data)).count(),
                    "the original arrived intact");
        }
        assertEquals(datagrams, h.count(Counter.IP_FRAG_REASSEMBLED));
        assertEquals(0, h.count(Counter.IP_FRAG_DROP_CONFLICT));
        assertEquals(0, h.stack.ipv4().reassembliesInProgress());
        assertEquals(0, h.stack.ipv4().reassemblyBuffersInUse());
        h.assertFramesInUse(0);
    }

    /**
     * Shuffles the pieces and keeps those up to the one that completes the datagram: a copy
     * arriving after completion would rightly start a new datagram, which is not this test.
     */
    private static List<int[]> untilCovered(List<int[]> pieces, int length, Random random) {
        Collections.shuffle(pieces, random);
        boolean[] covered = new boolean[length];
        int missing = length;
        List<int[]> sent = new ArrayList<>();
        for (int[] p : pieces) {
            sent.add(p);
            for (int i = p[0]; i < p[1]; i++) {
                if (!covered[i]) {
                    covered[i] = true;
                    missing--;
                }
            }
            if (missing == 0) {
                break;
            }
        }
        return sent;
    }

    /**
     * A covering of [0, length) by fragments: a random split into multiple-of-8 pieces,
     * then some pieces sent twice and some widened to overlap their neighbours (same bytes).
     */
    private static List<int[]> pieces(int length, Random random) {
        List<int[]> pieces = new ArrayList<>();
        int at = 0;
        while (at < length) {
            int size = 8 * (1 + random.nextInt(MAX_PIECE / 8));
            int end = Math.min(length, at + size);
            pieces.add(new int[] {at, end});
            at = end;
        }
        if (pieces.size() == 1) {
            // Not a fragment at all: split it, so that the test exercises reassembly.
            if (length <= 8) {
                return pieces;
            }
            int cut = 8 * (1 + random.nextInt((length - 1) / 8));
            pieces.set(0, new int[] {0, cut});
            pieces.add(new int[] {cut, length});
        }
        int extra = random.nextInt(3);
        for (int i = 0; i < extra; i++) {
            int[] p = pieces.get(random.nextInt(pieces.size()));
            int from = Math.max(0, p[0] - 8 * random.nextInt(4));
            int to = p[1] == length ? length : Math.min(p[1] + 8 * random.nextInt(4), length - 1) & ~7;
            if (to > from && !(from == 0 && to == length)) {
                pieces.add(new int[] {from, to});
            }
        }
        return pieces;
    }
}
