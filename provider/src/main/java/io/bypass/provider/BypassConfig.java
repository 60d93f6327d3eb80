package io.bypass.provider;

import io.bypass.stack.link.LinkSpec;
import io.bypass.stack.tcp.TcpConfig;
import io.bypass.stack.wire.Ipv4Address;
import io.bypass.stack.wire.MacAddress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The provider's settings, read once from {@code bypass.*} system properties. A bad value
 * is an error at start that names the property.
 *
 * <table>
 * <caption>Properties</caption>
 * <tr><td>bypass.rules</td><td>path of a rules file ({@link Rules})</td></tr>
 * <tr><td>bypass.rules.inline</td><td>rules separated by {@code ;}, checked before the file's</td></tr>
 * <tr><td>bypass.link</td><td>{@code loopback} (default: only the in-JVM link), or a link spec such as
 *     {@code shm:/dev/shm/bypass-ab?side=0}, {@code tap:byp0} or
 *     {@code dpdk:net_af_xdp0,iface=eth1?eal=--no-huge+-m+512} ({@link io.bypass.stack.link.LinkFactory}):
 *     one more stack runs on that link, besides the in-JVM pair</td></tr>
 * <tr><td>bypass.link.fallback</td><td>{@code fail} (default): a link that cannot start stops the
 *     application at start; {@code kernel}: every channel runs on the kernel, said once in the log</td></tr>
 * <tr><td>bypass.ip, bypass.prefix, bypass.gateway, bypass.mac</td><td>the stack's own addresses (on the link;
 *     the MAC by default the device's own where it has one, see {@link #macOn})</td></tr>
 * <tr><td>bypass.spin</td><td>microseconds a selector or a blocking read polls before it blocks (0: never spin)</td></tr>
 * <tr><td>bypass.rcvbuf, bypass.sndbuf</td><td>TCP buffer sizes in bytes (the send buffer's is where it
 * starts: auto-tuning grows it; default 16 KiB)</td></tr>
 * <tr><td>bypass.max.connections</td><td>connections a stack holds at once in any state but LISTEN and
 *     TIME-WAIT (default 65,536; beyond it a SYN is dropped and a connect fails, counted as
 *     TCP_DROP_CONNECTION_LIMIT), as Onload's EF_MAX_ENDPOINTS</td></tr>
 * <tr><td>bypass.max.timewait</td><td>connections a stack keeps in TIME-WAIT, about 130 bytes each (default
 *     131,072; beyond it a connection closes at once, TCP_TIME_WAIT_OVERFLOW), as Linux's
 *     tcp_max_tw_buckets</td></tr>
 * <tr><td>bypass.tw.reuse</td><td>{@code true}: a connect on the link stack may take a 4-tuple its own
 *     TIME-WAIT holds, once that connection's peer has been quiet for a second, if it used
 *     timestamps (Linux's tcp_tw_reuse=1); default {@code false}, as Linux's default is for
 *     anything but loopback. The in-JVM loopback always may, as Linux's loopback</td></tr>
 * <tr><td>bypass.debug</td><td>{@code true}: one log line per routing decision</td></tr>
 * <tr><td>bypass.profile</td><td>{@code latency}: spin 50 us (as Onload's EF_POLL_USEC) unless bypass.spin says otherwise</td></tr>
 * <tr><td>bypass.pin</td><td>a CPU number, or a comma-separated list: a selecting thread that spins is pinned to
 * one (Linux, platform threads); with a list, each new spinning thread takes the next CPU in turn</td></tr>
 * <tr><td>bypass.stats</td><td>{@code true}: print the stack counters at JVM exit</td></tr>
 * <tr><td>bypass.exit.linger</td><td>milliseconds an exiting JVM keeps its link stack going so that its peers
 *     get the data and FINs of the connections it leaves behind, as the kernel does for an exiting
 *     process (default 2000; what is still unacknowledged then is reset; 0: reset at once)</td></tr>
 * </table>
 *
 * @param rules       the acceleration rules
 * @param link        {@link #LINK_LOOPBACK} or a link spec
 * @param linkFallbackKernel whether a link that cannot start leaves every channel on the kernel
 *                    (rather than failing at start)
 * @param ip          the stack's IPv4 address
 * @param prefix      its prefix length
 * @param gateway     the gateway, or 0
 * @param mac         the stack's MAC address (low 48 bits), or 0 when not set: see {@link #macOn}
 * @param spinNs      how long a selector spins before blocking, in nanoseconds
 * @param rcvbufBytes the TCP receive buffer size
 * @param sndbufBytes the TCP send buffer size
 * @param maxConnections connections a stack holds at once, TIME-WAIT not counted
 * @param maxTimeWait connections a stack keeps in TIME-WAIT
 * @param timeWaitReuse whether a connect on the link stack may take a 4-tuple its TIME-WAIT holds
 * @param debug       whether routing decisions are logged
 * @param stats       whether the stack counters are printed at JVM exit
 * @param pinCpus     the CPUs spinning selecting threads are pinned to, in turn; empty: none
 * @param exitLingerNs how long, at JVM exit, the link stack keeps delivering what its connections still owe their peers
 */
public record BypassConfig(Rules rules, String link, boolean linkFallbackKernel, int ip, int prefix, int gateway, long mac, long spinNs,
                           int rcvbufBytes, int sndbufBytes, int maxConnections, int maxTimeWait,
                           boolean timeWaitReuse, boolean debug, boolean stats, List<Integer> pinCpus,
                           long exitLingerNs) {
    /** The in-JVM loopback link alone, no external link. */
    public static final String LINK_LOOPBACK = "loopback";
    /** Spin time of the latency profile, like Onload's latency profile. */
    static final long LATENCY_SPIN_US = 50;
    /**
     * The send buffer a connection starts with, as Linux's {@code tcp_wmem} default: the
     * engine allocates a connection's send ring when it opens, and its auto-tuning grows the
     * ring to follow the congestion window (up to 4 MiB), so a busy connection gets a large
     * one while 10,000 idle ones hold 160 MiB, not the 2.5 GiB of the engine's 256 KiB
     * default (which exhausted the direct memory of a Netty test with 10,000 connections).
     */
    static final int DEFAULT_SNDBUF_BYTES = 16 * 1024;
    /**
     * How long an exiting JVM keeps delivering, by default: enough for a peer on the same host
     * or LAN to take the last replies (many RTTs and a few retransmission timeouts), short enough
     * not to hold up an exit noticeably when the peer is gone.
     */
    static final int DEFAULT_EXIT_LINGER_MS = 2000;

    /** @return the settings from the system properties */
    public static BypassConfig fromSystemProperties() {
        return from(System.getProperties());
    }

    /**
     * @param p properties holding {@code bypass.*} keys
     * @return the settings
     * @throws IllegalArgumentException naming the first bad property
     */
    public static BypassConfig from(Properties p) {
        Rules rules = Rules.NONE;
        String inline = p.getProperty("bypass.rules.inline");
        if (inline != null) {
            rules = Rules.parse(inline, "bypass.rules.inline");
        }
        String file = p.getProperty("bypass.rules");
        if (file != null) {
            rules = rules.then(Rules.read(Path.of(file)));
        }
        String link = p.getProperty("bypass.link", LINK_LOOPBACK).strip();
        if (!link.equals(LINK_LOOPBACK)) {
            try {
                LinkSpec.parse(link);
            } catch (IllegalArgumentException e) {
                throw bad("bypass.link", link, e.getMessage() + "; or '" + LINK_LOOPBACK + "' for the in-JVM link alone");
            }
        }
        String fallback = p.getProperty("bypass.link.fallback", "fail");
        if (!fallback.equals("fail") && !fallback.equals("kernel")) {
            throw bad("bypass.link.fallback", fallback, "expected fail or kernel");
        }
        int ip = address(p, "bypass.ip", "10.255.0.1");
        int prefix = integer(p, "bypass.prefix", 24, 1, 30);
        int gateway = p.getProperty("bypass.gateway") == null ? 0 : address(p, "bypass.gateway", null);
        String macText = p.getProperty("bypass.mac");
        long mac = 0;
        if (macText != null) {
            try {
                mac = MacAddress.parse(macText);
            } catch (IllegalArgumentException e) {
                throw bad("bypass.mac", macText, "expected a MAC address like 02:00:00:00:00:01");
            }
            if (MacAddress.isMulticast(mac) || mac == MacAddress.ZERO) {
                throw bad("bypass.mac", macText, "must be a unicast address");
            }
        }
        String profile = p.getProperty("bypass.profile");
        if (profile != null && !profile.equals("latency")) {
            throw bad("bypass.profile", profile, "the only profile is 'latency'");
        }
        long spinUs = integer(p, "bypass.spin", profile != null ? (int) LATENCY_SPIN_US : 0, 0, 10_000_000);
        TcpConfig tcp = TcpConfig.defaults();
        int rcvbuf = integer(p, "bypass.rcvbuf", tcp.receiveBufferBytes(), 1024, 1 << 30);
        int sndbuf = integer(p, "bypass.sndbuf", DEFAULT_SNDBUF_BYTES, 1024, 1 << 30);
        int maxConnections = integer(p, "bypass.max.connections", tcp.maxConnections(), 1, 1 << 24);
        int maxTimeWait = integer(p, "bypass.max.timewait", tcp.maxTimeWait(), 0, 1 << 24);
        boolean timeWaitReuse = bool(p, "bypass.tw.reuse");
        boolean debug = bool(p, "bypass.debug");
        boolean stats = bool(p, "bypass.stats");
        List<Integer> pin = cpus(p, "bypass.pin");
        long lingerMs = integer(p, "bypass.exit.linger", DEFAULT_EXIT_LINGER_MS, 0, 3_600_000);
        return new BypassConfig(rules, link, fallback.equals("kernel"), ip, prefix, gateway, mac, spinUs * 1000, rcvbuf, sndbuf,
                maxConnections, maxTimeWait, timeWaitReuse, debug, stats, pin, lingerMs * 1_000_000);
    }

    /** @return whether an external link is configured (anything but {@link #LINK_LOOPBACK}) */
    public boolean externalLink() {
        return !link.equals(LINK_LOOPBACK);
    }

    /**
     * The MAC a stack takes: {@code bypass.mac} when set; else the device's own
     * ({@link io.bypass.stack.link.Link#macAddress}), since a NIC delivers only frames
     * addressed to it (a DPDK port on a real NIC); else {@link #macFor} the IP.
     *
     * @param linkMac the device's MAC, or 0 when it has none (the in-JVM, shm and TAP links)
     * @return the MAC, low 48 bits
     */
    public long macOn(long linkMac) {
        return mac != 0 ? mac : linkMac != 0 ? linkMac : macFor(ip);
    }

    /**
     * The default MAC address: locally administered ({@code 02:00}) followed by the IPv4
     * address, so that two processes on one link given different {@code bypass.ip} have
     * different MACs without anyone choosing them.
     *
     * @param ip the stack's IPv4 address
     * @return {@code 02:00:a:b:c:d}
     */
    public static long macFor(int ip) {
        return 0x02_00_00_00_00_00L | (ip & 0xffff_ffffL);
    }

    /**
     * A copy on another link and address (tests, embedding); the spec is checked when the
     * provider opens it.
     *
     * @param newLink a link spec or {@link #LINK_LOOPBACK}
     * @param newIp   the stack's address; the MAC is left to {@link #macOn}
     * @return the copy
     */
    public BypassConfig withLink(String newLink, int newIp) {
        return new BypassConfig(rules, newLink, linkFallbackKernel, newIp, prefix, gateway, 0, spinNs,
                rcvbufBytes, sndbufBytes, maxConnections, maxTimeWait, timeWaitReuse, debug, stats, pinCpus, exitLingerNs);
    }

    private static boolean bool(Properties p, String key) {
        String text = p.getProperty(key, "false").toLowerCase(Locale.ROOT);
        if (!text.equals("true") && !text.equals("false")) {
            throw bad(key, text, "expected true or false");
        }
        return text.equals("true");
    }

    /** @return a copy with other rules */
    public BypassConfig withRules(Rules newRules) {
        return new BypassConfig(newRules, link, linkFallbackKernel, ip, prefix, gateway, mac, spinNs, rcvbufBytes, sndbufBytes,
                maxConnections, maxTimeWait, timeWaitReuse, debug,
                stats, pinCpus, exitLingerNs);
    }

    private static int address(Properties p, String key, String fallback) {
        String text = p.getProperty(key, fallback);
        int a;
        try {
            a = Ipv4Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw bad(key, text, "expected a dotted IPv4 address");
        }
        if ((a >>> 24) == 127 || a == 0 || Ipv4Address.isMulticast(a)) {
            throw bad(key, text, "must be a unicast address outside 127/8 (loopback is what the provider translates)");
        }
        return a;
    }

    /**
     * A CPU list: two spinning threads of one process that talk to each other (a client and
     * a server selector) must not share a CPU, so one number is not always enough.
     */
    private static List<Integer> cpus(Properties p, String key) {
        String text = p.getProperty(key);
        if (text == null) {
            return List.of();
        }
        List<Integer> cpus = new ArrayList<>();
        for (String one : text.split(",", -1)) {
            Properties single = new Properties();
            single.setProperty(key, one);
            try {
                cpus.add(integer(single, key, -1, 0, 65_535));
            } catch (IllegalArgumentException e) {
                throw bad(key, text, "expected a CPU number or a comma-separated list of them, each 0..65535");
            }
        }
        return List.copyOf(cpus);
    }

    private static int integer(Properties p, String key, int fallback, int min, int max) {
        String text = p.getProperty(key);
        if (text == null) {
            return fallback;
        }
        int v;
        try {
            v = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw bad(key, text, "expected an integer");
        }
        if (v < min || v > max) {
            throw bad(key, text, "must be " + min + ".." + max);
        }
        return v;
    }

    private static IllegalArgumentException bad(String key, String value, String why) {
        return new IllegalArgumentException(key + "='" + value + "': " + why);
    }
}
