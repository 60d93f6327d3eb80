package io.bypass.link.dpdk;

import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.link.LinkSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A DPDK link setting, in the link spec form every link uses ({@link LinkSpec}):
 *
 * <pre>
 *   dpdk:&lt;device&gt;[?eal=&lt;EAL args&gt;][&amp;mbufs=N][&amp;rxd=N][&amp;txd=N][&amp;mtu=N][&amp;offload=on|off]
 *
 *   dpdk:net_af_xdp0,iface=veth0?eal=--no-huge+-m+512+--no-pci
 *   dpdk:0000:01:00.0?eal=-a+0000:01:00.0&amp;mbufs=16383
 *   dpdk:net_memif0,role=server,socket=/run/bypass.sock?eal=--no-huge --no-pci&amp;mtu=9000
 * </pre>
 *
 * <p>The target is the device's devargs: its name up to the first comma, then its options
 * ({@code net_af_xdp0,iface=eth0}, {@code net_tap0,iface=byp0}, {@code net_memif0,...}, or a
 * PCI address). When the EAL arguments already attached a port of that name ({@code -a
 * <PCI address>}, {@code --vdev}), the link uses it; otherwise it probes the devargs after
 * the EAL starts and removes the device again at close.
 *
 * <p>{@code eal}: the EAL arguments, separated by spaces or {@code +} (as a space is written in
 * a URL query), so that a spec with one parameter needs no shell quoting at all; nothing else
 * in EAL arguments uses {@code +}. {@code mbufs} (default 4095, or {@link LinkSettings#poolFrames})
 * mbufs in the port's pool, {@code rxd}/{@code txd} (1024) ring descriptors, {@code mtu} (the
 * port's, or {@link LinkSettings#mtu}) and {@code offload} ({@code on}, or {@code off} to
 * compute every checksum in software).
 *
 * @param ealArgs       EAL arguments as given (without the program name)
 * @param devargs       the device: probed unless the EAL arguments attached it
 * @param mbufs         mbufs in the port's pool
 * @param rxDescriptors receive ring size
 * @param txDescriptors transmit ring size
 * @param mtu           MTU to set, 0 to keep the port's
 * @param offload       whether to use the checksum offloads the port offers
 */
public record DpdkConfig(List<String> ealArgs, String devargs, int mbufs, int rxDescriptors, int txDescriptors, int mtu,
                         boolean offload) {
    /** The spec's scheme. */
    public static final String SCHEME = "dpdk";
    /** The spec's form, for error messages and help texts. */
    public static final String USAGE = "dpdk:<devargs>[?eal=<EAL args, space or + between>][&mbufs=N][&rxd=N][&txd=N]"
            + "[&mtu=N][&offload=on|off]";
    private static final int DEFAULT_MBUFS = 4095;

    /** Canonical form: the list is copied. */
    public DpdkConfig {
        ealArgs = List.copyOf(ealArgs);
    }

    /**
     * Parses a setting with no stack-wide defaults.
     *
     * @param spec {@code dpdk:<devargs>[?eal=...]...}
     * @return the setting
     * @throws IllegalArgumentException naming the part that is wrong and what is expected
     */
    public static DpdkConfig parse(String spec) {
        return from(LinkSpec.parse(spec), LinkSettings.DEFAULTS);
    }

    /**
     * Reads a parsed spec.
     *
     * @param spec     a spec whose scheme is {@value #SCHEME}
     * @param settings the stack's MTU and pool size, used where the spec says nothing
     * @return the setting
     * @throws IllegalArgumentException naming the part that is wrong and what is expected
     */
    public static DpdkConfig from(LinkSpec spec, LinkSettings settings) {
        if (!spec.scheme().equals(SCHEME)) {
            throw spec.error("not a DPDK link (" + USAGE + ")");
        }
        String devargs = spec.target("the device's devargs, e.g. dpdk:net_af_xdp0,iface=eth0?eal=--no-huge (" + USAGE + ")");
        if (devargs.startsWith("-") || devargs.contains(" ") || devargs.contains(";")) {
            throw spec.error("'" + devargs + "' is not a device: the target is the devargs (e.g. net_af_xdp0,iface=eth0"
                    + " or 0000:01:00.0) and EAL arguments go in ?eal= (" + USAGE + ")");
        }
        if (devargs.startsWith(",")) {
            throw spec.error("devargs '" + devargs + "' do not start with a device name, e.g. net_af_xdp0");
        }
        List<String> eal = new ArrayList<>();
        for (String arg : spec.string("eal", "").split("[\\s+]+")) {
            if (!arg.isEmpty()) {
                eal.add(arg);
            }
        }
        int mbufs = (int) spec.integer("mbufs", settings.poolFramesOr(DEFAULT_MBUFS), 64, 1 << 24);
        int rxd = (int) spec.integer("rxd", 1024, 16, 32768);
        int txd = (int) spec.integer("txd", 1024, 16, 32768);
        int mtu = (int) spec.integer("mtu", settings.mtu(), 68, 65535 - 14);
        boolean offload = spec.choice("offload", "on", "on", "off").equals("on");
        spec.rejectUnknown();
        return new DpdkConfig(eal, devargs, mbufs, rxd, txd, mtu, offload);
    }

    /** @return the device name: the devargs up to the first comma, e.g. {@code net_af_xdp0} */
    public String deviceName() {
        int comma = devargs.indexOf(',');
        return comma < 0 ? devargs : devargs.substring(0, comma);
    }
}
