package io.bypass.stack.wire;

/**
 * MAC addresses as the low 48 bits of a {@code long} (first octet most significant), so
 * that they cost no allocation; this class converts to and from text.
 */
public final class MacAddress {
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST = 0xffff_ffff_ffffL;
    /** 00:00:00:00:00:00, e.g. the unknown target of an ARP request. */
    public static final long ZERO = 0L;

    private MacAddress() {
    }

    /** @return whether the group bit (least significant bit of the first octet) is set */
    public static boolean isMulticast(long mac) {
        return ((mac >>> 40) & 1) != 0;
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes).
     *
     * @throws IllegalArgumentException naming the text when it is not a MAC address
     */
    public static long parse(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long mac = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 2) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            try {
                mac = (mac << 8) | Integer.parseInt(part, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'", e);
            }
        }
        return mac;
    }

    /** @return {@code aa:bb:cc:dd:ee:ff} */
    public static String toString(long mac) {
        StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (mac >>> shift) & 0xff;
            text.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 15, 16));
            if (shift > 0) {
                text.append(':');
            }
        }
        return text.toString();
    }
}
