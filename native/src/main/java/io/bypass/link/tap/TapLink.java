package io.bypass.link.tap;

import io.bypass.link.SleepHandshake;
import io.bypass.stack.buffer.Frame;
import io.bypass.stack.buffer.FramePool;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCapabilities;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkCounters;
import io.bypass.stack.link.LinkStats;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A Linux TAP device as a {@link Link}: the kernel sees an Ethernet interface, and every
 * frame it sends out of that interface is read here, every frame written here arrives on
 * it. Made with {@code open("/dev/net/tun")} and {@code ioctl(TUNSETIFF, IFF_TAP|IFF_NO_PI)},
 * then used non-blocking, all through FFM downcalls ({@link LibC}); no JNI, no C.
 *
 * <p>A receive burst reads until {@code EAGAIN} or until the burst is full, one frame per
 * {@code read}, into frames of the link's own receive pool. A transmit burst writes each
 * frame; {@code write} copies it into the kernel, so every frame goes back to its pool at
 * once. Nothing is offloaded: without {@code IFF_VNET_HDR} the kernel completes checksums
 * before a frame reaches the fd, and verifies those it gets, so the stack does both too.
 *
 * <p>A thread with nothing to do may sleep in {@link #awaitFrames}: {@code ppoll} on the TAP fd,
 * readable while the kernel has queued frames for us, and on an eventfd that {@link
 * #wakeAwaiter} writes ({@link SleepHandshake}).
 *
 * <p>The fd survives moving the interface into another network namespace
 * ({@code ip link set <tap> netns <ns>}), which is how the interop tests put the kernel's
 * end somewhere that no real traffic can reach. One thread uses a link at a time (the
 * holder of the stack lock); {@link #close} may come from any thread once polling stopped.
 */
public final class TapLink implements Link, AutoCloseable {
    private static final String CLONE_DEVICE = "/dev/net/tun";
    /** Ethernet header without FCS or VLAN tag: the room a frame needs beyond the MTU. */
    private static final int ETHERNET_HEADER = 14;

    private final Arena arena;
    private final String name;
    private final int fd;
    private final FramePool receivePool;
    private final FramePool transmitPool;
    private final LinkCapabilities capabilities;
    /** Where each downcall leaves errno; one per link, reused by every call. */
    private final MemorySegment callState;
    private final LinkCounters counters = new LinkCounters();
    /** The eventfd that ends a sleep in {@link #awaitFrames}. */
    private final int wakeFd;
    private final SleepHandshake sleep = new SleepHandshake();
    /** The sleeper's own: {@link #awaitFrames} runs beside the thread that polls. */
    private final MemorySegment sleepState;
    /** The TAP fd and {@link #wakeFd}, both for reading. */
    private final MemorySegment pollFds;
    private final MemorySegment timeout;
    private final MemorySegment wakeCount;
    /** Wakers' errno, shared by any threads that wake: two at once could garble the errno of a failure report, nothing else. */
    private final MemorySegment wakeState;
    private boolean closed;

    private TapLink(Arena arena, String name, int fd, int wakeFd, int frameCount, int mtu) {
        this.arena = arena;
        this.name = name;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.receivePool = new FramePool(arena, frameCount, mtu + ETHERNET_HEADER);
        this.transmitPool = new FramePool(arena, frameCount, mtu + ETHERNET_HEADER);
        this.capabilities = LinkCapabilities.none(mtu);
        this.callState = arena.allocate(LibC.CALL_STATE);
        this.sleepState = arena.allocate(LibC.CALL_STATE);
        this.wakeState = arena.allocate(LibC.CALL_STATE);
        this.pollFds = arena.allocate(LibC.POLLFD, 2);
        this.timeout = arena.allocate(LibC.TIMESPEC);
        this.wakeCount = arena.allocate(ValueLayout.JAVA_LONG);
        int[] fds = {fd, wakeFd};
        for (int i = 0; i < fds.length; i++) {
            MemorySegment entry = pollFds.asSlice(i * LibC.POLLFD.byteSize(), LibC.POLLFD.byteSize());
            entry.set(ValueLayout.JAVA_INT, 0, fds[i]);
            entry.set(ValueLayout.JAVA_SHORT, LibC.POLLFD_EVENTS, LibC.POLLIN);
        }
    }

    /**
     * Creates (or attaches to) the TAP interface {@code name}. The interface starts down
     * and without an address; configuring it is the caller's business ({@code ip link},
     * {@code ip addr}).
     *
     * @param name       interface name, 1 to 15 ASCII bytes, e.g. {@code byp0}
     * @param frameCount frames in the receive pool and in the transmit pool
     * @param mtu        the largest IP packet; set the interface's MTU to the same value
     * @return the open link
     * @throws IOException when the device cannot be made; the message says what to do
     *                     (load the tun module, run as root or grant CAP_NET_ADMIN)
     */
    public static TapLink open(String name, int frameCount, int mtu) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length >= LibC.IFNAMSIZ) {
            throw new IllegalArgumentException("interface name must be 1 to 15 bytes: " + name);
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment state = arena.allocate(LibC.CALL_STATE);
            int fd = LibC.open(state, arena.allocateFrom(CLONE_DEVICE), LibC.O_RDWR | LibC.O_CLOEXEC);
            if (fd < 0) {
                throw new IOException(openFailure(LibC.errno(state)));
            }
            try {
                MemorySegment ifreq = arena.allocate(LibC.IFREQ);
                MemorySegment.copy(nameBytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, nameBytes.length);
                ifreq.set(ValueLayout.JAVA_SHORT, LibC.IFR_FLAGS_OFFSET,
                        (short) (LibC.IFF_TAP | LibC.IFF_NO_PI));
                if (LibC.ioctl(state, fd, LibC.TUNSETIFF, ifreq) < 0) {
                    throw new IOException(setIffFailure(name, LibC.errno(state)));
                }
                int flags = LibC.fcntl(state, fd, LibC.F_GETFL, 0);
                if (flags < 0 || LibC.fcntl(state, fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
                    throw new IOException("fcntl(O_NONBLOCK) on " + CLONE_DEVICE + " failed: errno " + LibC.errno(state));
                }
                int wakeFd = LibC.eventfd(state, 0, LibC.O_NONBLOCK | LibC.O_CLOEXEC);
                if (wakeFd < 0) {
                    throw new IOException("eventfd for the TAP link's wake-up failed: errno " + LibC.errno(state));
                }
                try {
                    return new TapLink(arena, name, fd, wakeFd, frameCount, mtu);
                } catch (RuntimeException e) {
                    LibC.close(state, wakeFd);
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                LibC.close(state, fd);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static String openFailure(int errno) {
        return switch (errno) {
            case LibC.ENOENT -> CLONE_DEVICE + " does not exist: load the tun module (modprobe tun), or in a"
                    + " container pass the device in (docker run --device /dev/net/tun)";
            case LibC.ENODEV, LibC.ENXIO -> CLONE_DEVICE + " has no driver behind it: load the tun module (modprobe tun)";
            case LibC.EACCES, LibC.EPERM -> "no permission to open " + CLONE_DEVICE
                    + ": run as root, or grant CAP_NET_ADMIN and make the device readable by this user";
            default -> "open(" + CLONE_DEVICE + ") failed: errno " + errno;
        };
    }

    private static String setIffFailure(String name, int errno) {
        return switch (errno) {
            case LibC.EPERM, LibC.EACCES -> "creating TAP interface " + name + " needs CAP_NET_ADMIN: run as root or"
                    + " grant the capability (setcap cap_net_admin+ep on the java binary, or docker --cap-add NET_ADMIN)";
            case LibC.EBUSY, LibC.EINVAL -> "interface " + name
                    + " exists and is not a TAP this process may attach to: pick another name";
            default -> "ioctl(TUNSETIFF, " + name + ") failed: errno " + errno;
        };
    }

    @Override
    public int receive(Frame[] burst, int max) {
        int n = 0;
        while (n < max) {
            Frame frame = receivePool.allocate();
            if (frame == null) {
                break; // the stack holds every receive frame; the kernel queues (or drops) the rest
            }
            long got = LibC.read(callState, fd, frame.memory(), frame.capacity());
            if (got < 0) {
                frame.release();
                int errno = LibC.errno(callState);
                if (errno == LibC.EINTR) {
                    continue;
                }
                if (errno != LibC.EAGAIN) {
                    counters.increment(LinkCounter.RX_ERRORS);
                }
                break;
            }
            frame.window(0, (int) got);
            burst[n++] = frame;
            counters.add(LinkCounter.RX_BYTES, got);
        }
        counters.add(LinkCounter.RX_FRAMES, n);
        return n;
    }

    @Override
    public Frame allocate() {
        return transmitPool.allocate();
    }

    @Override
    public int transmit(Frame[] burst, int count) {
        int sent = 0;
        boolean full = false;
        for (int i = 0; i < count; i++) {
            Frame frame = burst[i];
            if (!full) {
                long wrote;
                do {
                    wrote = LibC.write(callState, fd, frame.memory().asSlice(frame.offset(), frame.length()), frame.length());
                } while (wrote < 0 && LibC.errno(callState) == LibC.EINTR);
                if (wrote == frame.length()) {
                    sent++;
                    counters.add(LinkCounter.TX_BYTES, wrote);
                } else {
                    // EAGAIN or a real error: the contract sends a prefix and drops the rest.
                    full = true;
                    if (wrote >= 0 || LibC.errno(callState) != LibC.EAGAIN) {
                        counters.increment(LinkCounter.TX_ERRORS);
                    }
                }
            }
            frame.release();
        }
        counters.add(LinkCounter.TX_FRAMES, sent);
        if (sent < count) {
            counters.add(LinkCounter.TX_DROP_RING_FULL, count - sent);
        }
        return sent;
    }

    @Override
    public int mtu() {
        return capabilities.mtu();
    }

    @Override
    public LinkCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public boolean canAwaitFrames() {
        return true;
    }

    /** Sleeps in {@code ppoll} on the TAP fd and the wake-up eventfd (see the class comment). */
    @Override
    public boolean awaitFrames(long timeoutNs) {
        if (!sleep.beginSleep()) {
            return false;
        }
        try {
            long ns = Math.max(timeoutNs, 0);
            timeout.set(ValueLayout.JAVA_LONG, 0, ns / 1_000_000_000L);
            timeout.set(ValueLayout.JAVA_LONG, 8, ns % 1_000_000_000L);
            long tapRevents = LibC.POLLFD_REVENTS;
            long wakeRevents = LibC.POLLFD.byteSize() + LibC.POLLFD_REVENTS;
            pollFds.set(ValueLayout.JAVA_SHORT, tapRevents, (short) 0);
            pollFds.set(ValueLayout.JAVA_SHORT, wakeRevents, (short) 0);
            int n = LibC.ppoll(sleepState, pollFds, 2, timeout, MemorySegment.NULL);
            if (n < 0) {
                int errno = LibC.errno(sleepState);
                if (errno == LibC.EINTR) {
                    return false;
                }
                throw new IllegalStateException("ppoll on TAP " + name + " failed: errno " + errno);
            }
            if ((pollFds.get(ValueLayout.JAVA_SHORT, wakeRevents) & LibC.POLLIN) != 0) {
                LibC.eventfdRead(sleepState, wakeFd, wakeCount);
            }
            return (pollFds.get(ValueLayout.JAVA_SHORT, tapRevents) & LibC.POLLIN) != 0;
        } finally {
            sleep.endSleep();
        }
    }

    @Override
    public void wakeAwaiter() {
        // EAGAIN (the counter is full) means a wake-up is pending anyway.
        if (sleep.wake() && LibC.eventfdWrite(wakeState, wakeFd, 1) < 0 && LibC.errno(wakeState) != LibC.EAGAIN) {
            throw new IllegalStateException("waking the sleeper of TAP " + name + " failed: errno "
                    + LibC.errno(wakeState));
        }
    }

    /** @return the interface name the kernel knows the device by */
    public String name() {
        return name;
    }

    /**
     * Frames and bytes each way; {@link LinkCounter#RX_ERRORS} and {@link LinkCounter#TX_ERRORS}
     * for reads and writes that failed with anything but EAGAIN or EINTR;
     * {@link LinkCounter#TX_DROP_RING_FULL} for frames not written because the kernel's queue was
     * full (EAGAIN) or an earlier frame of the burst failed.
     */
    @Override
    public LinkStats stats() {
        return counters;
    }

    /** @return frames of the receive pool held by the stack (a leak check) */
    public int receiveFramesInUse() {
        return receivePool.inUse();
    }

    /** @return frames of the transmit pool held by the stack (a leak check) */
    public int transmitFramesInUse() {
        return transmitPool.inUse();
    }

    /**
     * Closes the fd, which deletes the interface (it is not persistent), and frees the
     * frames' memory. Call only after the last poll.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(callState, fd);
            LibC.close(callState, wakeFd);
            arena.close();
        }
    }
}
