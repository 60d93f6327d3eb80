package io.bypass.stack.tcp;

import io.bypass.stack.wire.TcpHeader;

/**
 * A segment as a test describes it. Fields left unset ({@code null}) are not compared by
 * {@link TcpHarness#expect}.
 */
final class Seg {
    int flags;
    Integer seq;
    Integer ack;
    Integer window;
    byte[] payload = new byte[0];
    Integer mss;
    /** Window scale shift option, or null. */
    Integer ws;
    boolean sackOk;
    /** Timestamps option (TSval, TSecr), or null. */
    Integer tsVal;
    Integer tsEcr;
    /** SACK blocks as left, right pairs, or null. */
    int[] sack;
    int srcPort;
    int dstPort;

    static Seg of(int flags) {
        Seg s = new Seg();
        s.flags = flags;
        return s;
    }

    static Seg syn(int seq) {
        return of(TcpHeader.SYN).seq(seq);
    }

    static Seg ack(int seq, int ack) {
        return of(TcpHeader.ACK).seq(seq).ack(ack);
    }

    Seg seq(int v) {
        seq = v;
        return this;
    }

    Seg ack(int v) {
        ack = v;
        return this;
    }

    Seg window(int v) {
        window = v;
        return this;
    }

    Seg mss(int v) {
        mss = v;
        return this;
    }

    Seg ws(int shift) {
        ws = shift;
        return this;
    }

    Seg sackOk() {
        sackOk = true;
        return this;
    }

    Seg ts(int val, int ecr) {
        tsVal = val;
        tsEcr = ecr;
        return this;
    }

    /** SACK blocks: left, right, left, right, ... */
    Seg sack(int... edges) {
        sack = edges;
        return this;
    }

    Seg payload(byte[] p) {
        payload = p;
        return this;
    }

    Seg payload(String text) {
        return payload(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    Seg flags(int f) {
        flags = f;
        return this;
    }

    static String flagNames(int f) {
        StringBuilder b = new StringBuilder();
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        for (int i = 0; i < names.length; i++) {
            if ((f & (1 << i)) != 0) {
                b.append(b.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "Seg[" + flagNames(flags) + " seq=" + (seq == null ? "*" : Integer.toUnsignedString(seq))
                + " ack=" + (ack == null ? "*" : Integer.toUnsignedString(ack)) + " win=" + window
                + " len=" + payload.length + (mss != null ? " mss=" + mss : "") + (ws != null ? " ws=" + ws : "")
                + (sackOk ? " sackOk" : "") + (tsVal != null ? " ts=" + Integer.toUnsignedString(tsVal) + "/"
                + Integer.toUnsignedString(tsEcr) : "") + (sack != null ? " sack=" + sackText() : "") + "]";
    }

    private String sackText() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < sack.length; i += 2) {
            b.append('[').append(Integer.toUnsignedString(sack[i])).append(',')
                    .append(Integer.toUnsignedString(sack[i + 1])).append(')');
        }
        return b.toString();
    }
}
