package io.bypass.link.tap;

import io.bypass.link.Downcalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc declarations the TAP link uses ({@code <fcntl.h>}, {@code <unistd.h>},
 * {@code <sys/ioctl.h>}, {@code <linux/if_tun.h>}, {@code <poll.h>}, {@code <sys/eventfd.h>}),
 * mirrored one to one as FFM downcalls.
 * Every handle captures {@code errno} into a segment the caller passes first, because the
 * JVM may overwrite errno between the call and a later read of it.
 *
 * <p>Constants are the Linux values on x86-64 and aarch64 (the generic ABI).
 */
final class LibC {
    /** {@code O_RDWR} from {@code <fcntl.h>}. */
    static final int O_RDWR = 2;
    /** {@code O_NONBLOCK} from {@code <fcntl.h>} (04000 octal). */
    static final int O_NONBLOCK = 0x800;
    /** {@code O_CLOEXEC} from {@code <fcntl.h>} (02000000 octal). */
    static final int O_CLOEXEC = 0x80000;
    /** {@code F_GETFL} from {@code <fcntl.h>}. */
    static final int F_GETFL = 3;
    /** {@code F_SETFL} from {@code <fcntl.h>}. */
    static final int F_SETFL = 4;
    /** {@code ENOENT}: no /dev/net/tun. */
    static final int ENOENT = 2;
    /** {@code EINTR}: a signal interrupted the call. */
    static final int EINTR = 4;
    /** {@code ENXIO}: the device node exists but no driver is behind it. */
    static final int ENXIO = 6;
    /** {@code EAGAIN}: nothing to read, or no room to write, on a non-blocking fd. */
    static final int EAGAIN = 11;
    /** {@code EPERM}: TUNSETIFF without CAP_NET_ADMIN. */
    static final int EPERM = 1;
    /** {@code EACCES}: no permission to open the device node. */
    static final int EACCES = 13;
    /** {@code EINVAL}: TUNSETIFF on a name taken by a device that is not a TUN/TAP. */
    static final int EINVAL = 22;
    /** {@code ENODEV}: the tun module is not loaded. */
    static final int ENODEV = 19;
    /** {@code EBUSY}: the interface name is taken by a device of another kind. */
    static final int EBUSY = 16;
    /** {@code TUNSETIFF} = {@code _IOW('T', 202, int)} from {@code <linux/if_tun.h>}. */
    static final long TUNSETIFF = 0x400454caL;
    /** {@code POLLIN} from {@code <poll.h>}. */
    static final short POLLIN = 0x0001;
    /** {@code struct pollfd}: the descriptor, the events asked for, the events that happened. */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("fd"), ValueLayout.JAVA_SHORT.withName("events"),
            ValueLayout.JAVA_SHORT.withName("revents"));
    /** Where {@code events} lies in a {@link #POLLFD}. */
    static final long POLLFD_EVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    /** Where {@code revents} lies in a {@link #POLLFD}. */
    static final long POLLFD_REVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("revents"));
    /** {@code struct timespec} on a 64-bit ABI. */
    static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("tv_sec"), ValueLayout.JAVA_LONG.withName("tv_nsec"));
    /** {@code IFF_TAP}: Ethernet frames, not IP packets. */
    static final short IFF_TAP = 0x0002;
    /** {@code IFF_NO_PI}: no 4-byte packet-information prefix before each frame. */
    static final short IFF_NO_PI = 0x1000;
    /** {@code IFNAMSIZ}: interface names are at most 15 bytes plus the NUL. */
    static final int IFNAMSIZ = 16;

    /**
     * {@code struct ifreq} as TUNSETIFF reads it: the name, then the flags in the union
     * that pads the struct to 40 bytes.
     * <pre>
     *  0               16      18                      40
     *  +---------------+-------+-----------------------+
     *  | ifr_name[16]  | flags |   rest of the union   |
     *  +---------------+-------+-----------------------+
     * </pre>
     */
    static final StructLayout IFREQ = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(IFNAMSIZ, ValueLayout.JAVA_BYTE).withName("ifr_name"),
            ValueLayout.JAVA_SHORT.withName("ifr_flags"),
            MemoryLayout.paddingLayout(22));
    /** Offset of {@code ifr_flags} in {@link #IFREQ}. */
    static final long IFR_FLAGS_OFFSET = IFREQ.byteOffset(MemoryLayout.PathElement.groupElement("ifr_flags"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** The layout of the segment every call writes errno into. */
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle IOCTL_PTR = downcall("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL_INT = downcall("fcntl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PPOLL = downcall("ppoll", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle EVENTFD = downcall("eventfd",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle EVENTFD_READ = downcall("eventfd_read",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle EVENTFD_WRITE = downcall("eventfd_write",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));

    private LibC() {
    }

    @SuppressWarnings("restricted") // native access is what this module is for; tests enable it in test.jvm.args
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** @return the errno a call captured into {@code state} */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** {@code int open(const char *path, int flags)}. */
    static int open(MemorySegment state, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(state, path, flags);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int ioctl(int fd, unsigned long request, void *arg)}. */
    static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL_PTR.invokeExact(state, fd, request, arg);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int fcntl(int fd, int cmd, int arg)}. */
    static int fcntl(MemorySegment state, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL_INT.invokeExact(state, fd, cmd, arg);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code ssize_t read(int fd, void *buf, size_t count)}. */
    static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code ssize_t write(int fd, const void *buf, size_t count)}. */
    static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask)}. */
    static int ppoll(MemorySegment state, MemorySegment fds, long count, MemorySegment timeout, MemorySegment sigmask) {
        try {
            return (int) PPOLL.invokeExact(state, fds, count, timeout, sigmask);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int eventfd(unsigned int initval, int flags)}; the flags are {@link #O_NONBLOCK} and {@link #O_CLOEXEC}'s values. */
    static int eventfd(MemorySegment state, int initial, int flags) {
        try {
            return (int) EVENTFD.invokeExact(state, initial, flags);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int eventfd_read(int fd, eventfd_t *value)}. */
    static int eventfdRead(MemorySegment state, int fd, MemorySegment value) {
        try {
            return (int) EVENTFD_READ.invokeExact(state, fd, value);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int eventfd_write(int fd, eventfd_t value)}. */
    static int eventfdWrite(MemorySegment state, int fd, long value) {
        try {
            return (int) EVENTFD_WRITE.invokeExact(state, fd, value);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** {@code int close(int fd)}. */
    static int close(MemorySegment state, int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
