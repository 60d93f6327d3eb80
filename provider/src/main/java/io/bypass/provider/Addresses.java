package io.bypass.provider;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 addresses between the JDK's {@link InetAddress} and the stack's {@code int}. */
final class Addresses {
    private Addresses() {
    }

    /** @return an IPv4 address as the stack's int, most significant byte first */
    static int ipv4(InetAddress a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** @return the stack's int as an {@link InetAddress} */
    static InetAddress inet(int ip) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8),
                    (byte) ip});
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }
}
