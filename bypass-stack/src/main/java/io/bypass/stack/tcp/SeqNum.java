package io.bypass.stack.tcp;

/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4): sequence numbers are
 * plain {@code int}s, compared only through these methods so that wrap-around is right
 * everywhere. {@code a < b} means "a comes before b" within half the number space.
 */
public final class SeqNum {
    private SeqNum() {
    }

    /** @return whether {@code a} comes before {@code b} */
    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    /** @return whether {@code a} comes before or equals {@code b} */
    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    /** @return whether {@code a} comes after {@code b} */
    public static boolean gt(int a, int b) {
        return a - b > 0;
    }

    /** @return whether {@code a} comes after or equals {@code b} */
    public static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** @return the distance from {@code from} to {@code to} ({@code to - from}), signed */
    public static int diff(int to, int from) {
        return to - from;
    }

    /** @return the later of two sequence numbers */
    public static int max(int a, int b) {
        return gt(a, b) ? a : b;
    }

    /** @return the earlier of two sequence numbers */
    public static int min(int a, int b) {
        return lt(a, b) ? a : b;
    }

    /** @return whether {@code low <= x < high} in sequence space */
    public static boolean inRange(int x, int low, int high) {
        return x - low >= 0 && x - high < 0;
    }

    /** @return {@code x} as an unsigned number, for logs */
    public static long unsigned(int x) {
        return x & 0xffffffffL;
    }
}
