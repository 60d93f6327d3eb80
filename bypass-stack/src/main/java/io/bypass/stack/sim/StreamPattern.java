package io.bypass.stack.sim;

import java.nio.ByteBuffer;

/**
 * An endless pseudo-random byte stream that a sender writes and a receiver checks, both
 * from the same seed: any byte lost, duplicated, reordered or corrupted shows up at the
 * first position it differs. (xorshift64*: fast, and good enough to tell bytes apart.)
 */
public final class StreamPattern {
    private long state;
    private long word;
    private int bytesLeftInWord;

    /** @param seed where the stream starts; 0 is replaced by a fixed non-zero value */
    public StreamPattern(long seed) {
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    private int nextByte() {
        if (bytesLeftInWord == 0) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            word = state * 0x2545F4914F6CDD1DL;
            bytesLeftInWord = 8;
        }
        int b = (int) word & 0xff;
        word >>>= 8;
        bytesLeftInWord--;
        return b;
    }

    /** Fills {@code buffer} from its position to its limit with the next bytes. */
    public void fill(ByteBuffer buffer) {
        while (buffer.hasRemaining()) {
            buffer.put((byte) nextByte());
        }
    }

    /**
     * Checks {@code buffer} from its position to its limit against the next bytes,
     * consuming them.
     *
     * @return the index (from the position) of the first byte that differs, or -1
     */
    public long check(ByteBuffer buffer) {
        for (int i = buffer.position(), end = buffer.limit(); i < end; i++) {
            if ((buffer.get(i) & 0xff) != nextByte()) {
                return i - buffer.position();
            }
        }
        return -1;
    }
}
