package io.bypass.provider;

import java.net.InetAddress;

/**
 * One acceleration rule: {@code bind|connect <addr[/prefix]|host|*> <port|*>[-<port|*>]},
 * in the spirit of the JDK's old SDP rules file.
 *
 * @param kind      which operation the rule is about
 * @param address   the address (a host's first address), or {@code null} for any
 * @param prefix    how many leading bits of {@code address} must match
 * @param portLow   the first port of the range
 * @param portHigh  the last port of the range (inclusive)
 */
public record Rule(Kind kind, InetAddress address, int prefix, int portLow, int portHigh) {
    /** The operation a rule decides. */
    public enum Kind {
        /** Binding a local address (listeners). */
        BIND,
        /** Connecting to a remote address. */
        CONNECT
    }

    /**
     * @param kind    the operation
     * @param address the local (bind) or remote (connect) address
     * @param port    its port
     * @return whether this rule covers the operation
     */
    public boolean matches(Kind kind, InetAddress address, int port) {
        if (kind != this.kind || port < portLow || port > portHigh) {
            return false;
        }
        if (this.address == null) {
            return true;
        }
        byte[] want = this.address.getAddress();
        byte[] have = address.getAddress();
        if (want.length != have.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (want[i] != have[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (want[full] & mask) == (have[full] & mask);
    }

    @Override
    public String toString() {
        String a = address == null ? "*" : address.getHostAddress() + "/" + prefix;
        String p = portLow == 0 && portHigh == 65535 ? "*" : portLow == portHigh ? "" + portLow : portLow + "-" + portHigh;
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + a + " " + p;
    }
}
