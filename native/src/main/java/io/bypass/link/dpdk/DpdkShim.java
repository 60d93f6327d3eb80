package io.bypass.link.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.bypass.link.Downcalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * FFM bindings of {@code native/src/main/c/bypass_dpdk.h}, one to one and in its order, in
 * the style jextract generates (jextract is not installed here): a layout per struct, a
 * method handle and a static method per function. Change the header and this class
 * together. Touching this class loads the shim; call {@link ShimLibrary#failure()} first,
 * which says what to install when it cannot be loaded.
 *
 * <p>The fast-path functions ({@code rx}, {@code tx}, {@code alloc}, {@code free}) are bound
 * as {@linkplain Linker.Option#critical critical}: they neither block nor call back, so the
 * JVM may skip the thread-state transition that an ordinary downcall pays for.
 */
final class DpdkShim {
    /** {@code BYPASS_DPDK_BURST_MAX}: the largest burst one fast-path call handles. */
    static final int BURST_MAX = 256;
    /** {@code BYPASS_DPDK_TX_WAITING_MAX}: frames a port keeps while its device's transmit queue is full. */
    static final int TX_WAITING_MAX = 512;

    /** {@code struct bypass_dpdk_pkt}: mbuf index, frame offset in the buffer, frame length. */
    static final StructLayout PKT = MemoryLayout.structLayout(
            JAVA_INT.withName("index"), JAVA_SHORT.withName("offset"), JAVA_SHORT.withName("length"));
    static final long PKT_INDEX = 0;
    static final long PKT_OFFSET = 4;
    static final long PKT_LENGTH = 6;

    /** {@code struct bypass_dpdk_info}. */
    static final StructLayout INFO = MemoryLayout.structLayout(
            JAVA_LONG.withName("rx_offload_capa"), JAVA_LONG.withName("tx_offload_capa"),
            JAVA_INT.withName("max_rx_pktlen"), JAVA_SHORT.withName("mtu"), JAVA_SHORT.withName("min_mtu"),
            JAVA_SHORT.withName("max_mtu"), MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("mac"),
            MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("driver"));
    static final long INFO_RX_OFFLOAD_CAPA = 0;
    static final long INFO_TX_OFFLOAD_CAPA = 8;
    static final long INFO_MTU = 20;
    static final long INFO_MAC = 26;
    static final long INFO_DRIVER = 32;

    /** {@code struct bypass_dpdk_stats}: ten counters, in this order. */
    static final StructLayout STATS = MemoryLayout.structLayout(
            JAVA_LONG.withName("ipackets"), JAVA_LONG.withName("opackets"), JAVA_LONG.withName("ibytes"),
            JAVA_LONG.withName("obytes"), JAVA_LONG.withName("imissed"), JAVA_LONG.withName("ierrors"),
            JAVA_LONG.withName("oerrors"), JAVA_LONG.withName("rx_nombuf"),
            JAVA_LONG.withName("rx_dropped_checksum"), JAVA_LONG.withName("rx_dropped_chained"));

    /** {@code struct bypass_dpdk_port_state}: the shim's receive drops and its frames waiting for the device. */
    static final StructLayout PORT_STATE = MemoryLayout.structLayout(
            JAVA_LONG.withName("rx_dropped_checksum"), JAVA_LONG.withName("rx_dropped_chained"),
            JAVA_LONG.withName("tx_waited"), JAVA_INT.withName("tx_waiting"), JAVA_INT.withName("reserved"));
    static final long STATE_RX_DROPPED_CHECKSUM = 0;
    static final long STATE_RX_DROPPED_CHAINED = 8;
    static final long STATE_TX_WAITED = 16;
    static final long STATE_TX_WAITING = 24;

    /** {@code RTE_ETH_RX_OFFLOAD_*} and {@code RTE_ETH_TX_OFFLOAD_*} checksum bits (the same values both ways). */
    static final long OFFLOAD_IPV4_CKSUM = 1L << 1;
    static final long OFFLOAD_UDP_CKSUM = 1L << 2;
    static final long OFFLOAD_TCP_CKSUM = 1L << 3;

    /** {@code EALREADY} on Linux: bypass_dpdk_eal_init's answer when the EAL is already up. */
    static final int EALREADY = 114;

    private static final MethodHandle LAST_ERROR = bind("bypass_dpdk_last_error", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle EAL_INIT = bind("bypass_dpdk_eal_init",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle PROBE = bind("bypass_dpdk_probe", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle PORT_BY_NAME = bind("bypass_dpdk_port_by_name",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle INFO_GET = bind("bypass_dpdk_info", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle PORT_OPEN = bind("bypass_dpdk_port_open", FunctionDescriptor.of(JAVA_INT,
            JAVA_SHORT, JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_LONG, JAVA_INT,
            ADDRESS));
    private static final MethodHandle BUFFER = bind("bypass_dpdk_buffer",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle PORT_CLOSE = bind("bypass_dpdk_port_close",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LINK = bind("bypass_dpdk_link", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle STATS_GET = bind("bypass_dpdk_stats", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle PORT_STATE_GET = bind("bypass_dpdk_port_state", FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle RX_WAITABLE = bind("bypass_dpdk_rx_waitable", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** Blocks in ppoll: an ordinary downcall, which lets the JVM reach a safepoint meanwhile. */
    private static final MethodHandle RX_WAIT = bind("bypass_dpdk_rx_wait", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle RX_WAKE = bind("bypass_dpdk_rx_wake", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle RX = bindCritical("bypass_dpdk_rx",
            FunctionDescriptor.of(JAVA_SHORT, ADDRESS, ADDRESS, JAVA_SHORT));
    private static final MethodHandle TX = bindCritical("bypass_dpdk_tx",
            FunctionDescriptor.of(JAVA_SHORT, ADDRESS, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ALLOC = bindCritical("bypass_dpdk_alloc",
            FunctionDescriptor.of(JAVA_SHORT, ADDRESS, ADDRESS, JAVA_SHORT));
    private static final MethodHandle FREE = bindCritical("bypass_dpdk_free",
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_SHORT));

    private DpdkShim() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        SymbolLookup lookup = ShimLibrary.lookup();
        MemorySegment symbol = lookup.find(name).orElseThrow(
                () -> new IllegalStateException(name + " missing from the DPDK shim: rebuild bypass-native"));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor, options);
    }

    private static MethodHandle bindCritical(String name, FunctionDescriptor descriptor) {
        return bind(name, descriptor, Linker.Option.critical(false));
    }

    /** {@code const char *bypass_dpdk_last_error(void)}, as a Java string. */
    static String lastError() {
        try {
            return ((MemorySegment) LAST_ERROR.invokeExact()).reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_eal_init(int argc, char **argv)}. */
    static int ealInit(int argc, MemorySegment argv) {
        try {
            return (int) EAL_INIT.invokeExact(argc, argv);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_probe(const char *devargs, uint16_t *port_id)}. */
    static int probe(MemorySegment devargs, MemorySegment portId) {
        try {
            return (int) PROBE.invokeExact(devargs, portId);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_port_by_name(const char *name, uint16_t *port_id)}. */
    static int portByName(MemorySegment name, MemorySegment portId) {
        try {
            return (int) PORT_BY_NAME.invokeExact(name, portId);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_info(uint16_t port_id, struct bypass_dpdk_info *info)}. */
    static int info(short portId, MemorySegment info) {
        try {
            return (int) INFO_GET.invokeExact(portId, info);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * {@code int bypass_dpdk_port_open(port_id, mbufs, data_room, rx_desc, tx_desc, mtu, rx_offloads,
     * tx_offloads, remove_on_failure, out)}.
     */
    static int portOpen(short portId, int mbufs, short dataRoom, short rxDesc, short txDesc, short mtu,
                        long rxOffloads, long txOffloads, int removeOnFailure, MemorySegment out) {
        try {
            return (int) PORT_OPEN.invokeExact(portId, mbufs, dataRoom, rxDesc, txDesc, mtu, rxOffloads, txOffloads,
                    removeOnFailure, out);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code void *bypass_dpdk_buffer(struct bypass_dpdk_port *port, uint32_t index, uint32_t *length)}. */
    static MemorySegment buffer(MemorySegment port, int index, MemorySegment length) {
        try {
            return (MemorySegment) BUFFER.invokeExact(port, index, length);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_port_close(struct bypass_dpdk_port *port, int remove)}. */
    static int portClose(MemorySegment port, int remove) {
        try {
            return (int) PORT_CLOSE.invokeExact(port, remove);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_link(uint16_t port_id, uint32_t *speed_mbps)}. */
    static int link(short portId, MemorySegment speedMbps) {
        try {
            return (int) LINK.invokeExact(portId, speedMbps);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_stats(struct bypass_dpdk_port *port, struct bypass_dpdk_stats *stats)}. */
    static int stats(MemorySegment port, MemorySegment stats) {
        try {
            return (int) STATS_GET.invokeExact(port, stats);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code const struct bypass_dpdk_port_state *bypass_dpdk_port_state(const struct bypass_dpdk_port *port)}. */
    static MemorySegment portState(MemorySegment port) {
        try {
            return (MemorySegment) PORT_STATE_GET.invokeExact(port);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_rx_waitable(const struct bypass_dpdk_port *port)}. */
    static boolean rxWaitable(MemorySegment port) {
        try {
            return (int) RX_WAITABLE.invokeExact(port) != 0;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_rx_wait(struct bypass_dpdk_port *port, int64_t timeout_ns)}. */
    static int rxWait(MemorySegment port, long timeoutNs) {
        try {
            return (int) RX_WAIT.invokeExact(port, timeoutNs);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int bypass_dpdk_rx_wake(struct bypass_dpdk_port *port)}. */
    static int rxWake(MemorySegment port) {
        try {
            return (int) RX_WAKE.invokeExact(port);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code uint16_t bypass_dpdk_rx(struct bypass_dpdk_port *port, struct bypass_dpdk_pkt *pkts, uint16_t max)}. */
    static int rx(MemorySegment port, MemorySegment pkts, int max) {
        try {
            return Short.toUnsignedInt((short) RX.invokeExact(port, pkts, (short) max));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code uint16_t bypass_dpdk_tx(struct bypass_dpdk_port *port, const struct bypass_dpdk_pkt *pkts, uint16_t count)}. */
    static int tx(MemorySegment port, MemorySegment pkts, int count) {
        try {
            return Short.toUnsignedInt((short) TX.invokeExact(port, pkts, (short) count));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code uint16_t bypass_dpdk_alloc(struct bypass_dpdk_port *port, uint32_t *indices, uint16_t count)}. */
    static int alloc(MemorySegment port, MemorySegment indices, int count) {
        try {
            return Short.toUnsignedInt((short) ALLOC.invokeExact(port, indices, (short) count));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code void bypass_dpdk_free(struct bypass_dpdk_port *port, const uint32_t *indices, uint16_t count)}. */
    static void free(MemorySegment port, MemorySegment indices, int count) {
        try {
            FREE.invokeExact(port, indices, (short) count);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
