package io.bypass.link.dpdk;

import java.util.ArrayList;
import java.util.List;

/**
 * A DPDK link setting, parsed from {@code dpdk:<EAL args>[;key=value]...}:
 *
 * <pre>
 *   dpdk:--no-huge -m 512 --no-pci;dev=net_af_xdp0,iface=veth0
 *   dpdk:-a 0000:01:00.0;port=0000:01:00.0;mbufs=16383
 *   dpdk:--no-huge --no-pci;dev=net_memif0,role=server,socket=/run/bypass.sock;mtu=9000
 * </pre>
 *
 * <p>EAL arguments are split on white space (no quoting: devargs with spaces do not exist).
 * Keys: {@code dev} devargs of a device to probe after EAL start (a vdev such as
 * {@code net_af_xdp0,iface=eth0}, {@code net_tap0,iface=byp0}, {@code net_memif0,...}, or a
 * PCI address with options) and remove again at close; {@code port} the name of a device
 * the EAL arguments already attached ({@code -a 0000:01:00.0}); exactly one of the two.
 * {@code mbufs} (default 4095) mbufs in the port's pool, {@code rxd}/{@code txd} (1024)
 * ring descriptors, {@code mtu} (the port's) and {@code offload} ({@code on}, or
 * {@code off} to compute every checksum in software).
 *
 * @param ealArgs       EAL arguments as given (without the program name)
 * @param devargs       device to probe, or null
 * @param portName      already attached device, or null
 * @param mbufs         mbufs in the port's pool
 * @param rxDescriptors receive ring size
 * @param txDescriptors transmit ring size
 * @param mtu           MTU to set, 0 to keep the port's
 * @param offload       whether to use the checksum offloads the port offers
 */
public record DpdkConfig(List<String> ealArgs, String devargs, String portName, int mbufs, int rxDescriptors,
                         int txDescriptors, int mtu, boolean offload) {
    /** The prefix of a {@code bypass.link} value that selects this link. */
    public static final String SCHEME = "dpdk:";

    /** Canonical form: the lists are copied. */
    public DpdkConfig {
        ealArgs = List.copyOf(ealArgs);
    }

    /**
     * Parses a setting.
     *
     * @param spec {@code dpdk:<EAL args>[;key=value]...} (the {@code dpdk:} prefix may be left out)
     * @return the setting
     * @throws IllegalArgumentException naming the part that is wrong and what is expected
     */
    public static DpdkConfig parse(String spec) {
        String body = spec.startsWith(SCHEME) ? spec.substring(SCHEME.length()) : spec;
        String[] parts = body.split(";", -1);
        List<String> eal = new ArrayList<>();
        for (String arg : parts[0].trim().split("\\s+")) {
            if (!arg.isEmpty()) {
                eal.add(arg);
            }
        }
        String devargs = null;
        String portName = null;
        int mbufs = 4095;
        int rxd = 1024;
        int txd = 1024;
        int mtu = 0;
        boolean offload = true;
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw bad(spec, "'" + part + "' is not key=value (keys: dev, port, mbufs, rxd, txd, mtu, offload)");
            }
            String key = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            switch (key) {
                case "dev" -> devargs = value;
                case "port" -> portName = value;
                case "mbufs" -> mbufs = number(spec, part, value, 64, 1 << 24);
                case "rxd" -> rxd = number(spec, part, value, 16, 32768);
                case "txd" -> txd = number(spec, part, value, 16, 32768);
                case "mtu" -> mtu = number(spec, part, value, 68, 65535 - 14);
                case "offload" -> offload = switch (value) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw bad(spec, "'" + part + "': offload is on or off");
                };
                default -> throw bad(spec, "unknown key '" + key + "' (keys: dev, port, mbufs, rxd, txd, mtu, offload)");
            }
        }
        if ((devargs == null) == (portName == null)) {
            throw bad(spec, "give exactly one of dev=<devargs> (a device to probe, e.g. dev=net_af_xdp0,iface=eth0)"
                    + " or port=<name> (a device the EAL arguments attached, e.g. port=0000:01:00.0)");
        }
        return new DpdkConfig(eal, devargs, portName, mbufs, rxd, txd, mtu, offload);
    }

    /** @return the device name: the devargs up to the first comma, or the port name */
    public String deviceName() {
        if (devargs == null) {
            return portName;
        }
        int comma = devargs.indexOf(',');
        return comma < 0 ? devargs : devargs.substring(0, comma);
    }

    private static int number(String spec, String part, String value, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw bad(spec, "'" + part + "' is not a whole number");
        }
        if (n < min || n > max) {
            throw bad(spec, "'" + part + "' is outside " + min + ".." + max);
        }
        return n;
    }

    private static IllegalArgumentException bad(String spec, String what) {
        return new IllegalArgumentException("bad DPDK link setting '" + spec + "': " + what);
    }
}
