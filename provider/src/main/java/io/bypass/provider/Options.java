package io.bypass.provider;

import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Socket options recorded before a channel has a backend, replayed onto a kernel channel
 * when one is attached, and answered from the record for a stack socket.
 */
final class Options {
    private final Map<SocketOption<?>, Object> values = new LinkedHashMap<>();
    private final Set<SocketOption<?>> supported;
    private final java.util.HashSet<SocketOption<?>> explicit = new java.util.HashSet<>();

    Options(Set<SocketOption<?>> supported, Map<SocketOption<?>, Object> defaults) {
        this.supported = supported;
        values.putAll(defaults);
    }

    /** The options of a stream socket, as the JDK's SocketChannel offers them. */
    static final Set<SocketOption<?>> SOCKET = Set.of(StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.SO_REUSEPORT, StandardSocketOptions.SO_LINGER, StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.IP_TOS);

    /** The options of a listening socket. */
    static final Set<SocketOption<?>> SERVER = Set.of(StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT);

    Set<SocketOption<?>> supported() {
        return supported;
    }

    synchronized <T> void set(SocketOption<T> name, T value) {
        check(name);
        if (value == null) {
            throw new IllegalArgumentException("Invalid value 'null'");
        }
        if ((name == StandardSocketOptions.SO_RCVBUF || name == StandardSocketOptions.SO_SNDBUF)
                && (Integer) value <= 0) {
            throw new IllegalArgumentException("Invalid send/receive buffer size");
        }
        if (name == StandardSocketOptions.SO_LINGER && (Integer) value < 0) {
            values.put(name, -1);
            explicit.add(name);
            return;
        }
        if (name == StandardSocketOptions.IP_TOS && ((Integer) value < 0 || (Integer) value > 255)) {
            throw new IllegalArgumentException("Invalid IP_TOS value");
        }
        values.put(name, value);
        explicit.add(name);
    }

    /** @return whether the application set {@code name} (rather than it holding its default) */
    synchronized boolean isExplicit(SocketOption<?> name) {
        return explicit.contains(name);
    }

    /**
     * @return the buffer size the application set for {@code name} (SO_RCVBUF or SO_SNDBUF),
     *         clamped to what the stack takes (1 KiB..1 GiB, as Linux clamps too), or 0 when
     *         it set none, which leaves the stack's auto-tuning on
     */
    synchronized int stackBufferBytes(SocketOption<Integer> name) {
        return explicit.contains(name) ? clampBuffer((Integer) values.get(name)) : 0;
    }

    static int clampBuffer(int bytes) {
        return Math.max(1024, Math.min(bytes, 1 << 30));
    }

    @SuppressWarnings("unchecked")
    synchronized <T> T get(SocketOption<T> name) {
        check(name);
        return (T) values.get(name);
    }

    private void check(SocketOption<?> name) {
        if (name == null) {
            throw new NullPointerException("option name");
        }
        if (!supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
    }

    /** Replays every option the application set onto a kernel channel (defaults stay the kernel's). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    synchronized void replay(java.nio.channels.NetworkChannel kernel) throws java.io.IOException {
        for (Map.Entry<SocketOption<?>, Object> e : values.entrySet()) {
            if (explicit.contains(e.getKey()) && kernel.supportedOptions().contains(e.getKey())) {
                kernel.setOption((SocketOption) e.getKey(), e.getValue());
            }
        }
    }
}
