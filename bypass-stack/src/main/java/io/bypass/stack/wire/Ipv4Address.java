package io.bypass.stack.wire;

/**
 * IPv4 addresses as {@code int}s in network order (first octet most significant), so that
 * they cost no allocation; this class converts to and from text and answers prefix
 * questions.
 */
public final class Ipv4Address {
    /** 0.0.0.0: "any" for binds, "unknown" elsewhere. */
    public static final int ANY = 0;
    /** 255.255.255.255, the limited broadcast. */
    public static final int BROADCAST = 0xffffffff;

    private Ipv4Address() {
    }

    /**
     * Parses dotted-quad text.
     *
     * @throws IllegalArgumentException naming the text when it is not an IPv4 address
     */
    public static int parse(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int address = 0;
        for (String part : parts) {
            int octet;
            try {
                octet = part.length() > 3 || part.isEmpty() ? -1 : Integer.parseInt(part);
            } catch (NumberFormatException e) {
                octet = -1;
            }
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    /** @return dotted-quad text */
    public static String toString(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }

    /** @return the netmask of a prefix length 0..32 */
    public static int mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32: " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** @return whether {@code a} and {@code b} share the first {@code prefixLength} bits */
    public static boolean sameSubnet(int a, int b, int prefixLength) {
        int mask = mask(prefixLength);
        return (a & mask) == (b & mask);
    }

    /** @return whether the address is 224.0.0.0/4 */
    public static boolean isMulticast(int address) {
        return (address >>> 28) == 0xe;
    }

    /** @return the java.net form, for the API edges (allocates; not for hot paths) */
    public static java.net.Inet4Address toInetAddress(int address) {
        byte[] bytes = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            return (java.net.Inet4Address) java.net.InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }

    /** @return the int form of a java.net address */
    public static int of(java.net.Inet4Address address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }
}
