package io.bypass.stack.wire;

/** EtherType values we speak (IEEE registry). */
public final class EtherType {
    /** Internet Protocol version 4. */
    public static final int IPV4 = 0x0800;
    /** Address Resolution Protocol. */
    public static final int ARP = 0x0806;

    private EtherType() {
    }
}
