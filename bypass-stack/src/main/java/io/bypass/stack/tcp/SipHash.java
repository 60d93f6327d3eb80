package io.bypass.stack.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein) of a 16-byte message given as two 64-bit words:
 * the keyed hash F of RFC 6528 (ISNs) and RFC 6056 (ephemeral ports). Allocates nothing.
 */
final class SipHash {
    private SipHash() {
    }

    /**
     * @param k0 key, first 64 bits (little-endian as in the reference code)
     * @param k1 key, last 64 bits
     * @param m0 message bytes 0..7
     * @param m1 message bytes 8..15
     * @return the 64-bit hash
     */
    static long hash(long k0, long k1, long m0, long m1) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int block = 0; block < 3; block++) {
            // Two message words, then the final block: the length (16) in the top byte.
            long m = block == 0 ? m0 : block == 1 ? m1 : 16L << 56;
            v3 ^= m;
            for (int round = 0; round < 2; round++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int round = 0; round < 4; round++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
