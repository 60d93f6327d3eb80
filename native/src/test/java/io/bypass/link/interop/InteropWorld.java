package io.bypass.link.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bypass.link.fault.FaultyLink;
import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.Link;
import io.bypass.stack.tcp.TcpConfig;
import java.lang.foreign.Arena;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * One interop test's world: a {@link KernelNamespace} holding the kernel's end of an
 * interface, and our {@link NetworkStack} on the other end through a link (TAP, DPDK over
 * AF_XDP or TAP), optionally behind a {@link FaultyLink}, polled by the test thread with
 * {@link System#nanoTime}. Closing it closes the link, then the namespace.
 */
public final class InteropWorld implements AutoCloseable {
    public final KernelNamespace ns;
    /** The kernel's interface in the namespace. */
    public final String kernelInterface;
    public final long ourMac;
    public final FaultyLink faulty;
    public final NetworkStack stack;
    private final Arena arena = Arena.ofShared();
    private final AutoCloseable device;
    private final IntSupplier framesInUse;
    private final Supplier<String> linkState;

    /**
     * @param ns              the namespace (closed with the world)
     * @param link            our end
     * @param device          closes our end
     * @param framesInUse     the link's frames held by the stack, for the leak check
     * @param linkState       the link's own counters, for failure messages
     * @param kernelInterface the kernel's interface name in the namespace
     * @param ourMac          our stack's MAC
     * @param faults          null for a clean link, else {loss, reorder, duplicate} rates
     */
    public InteropWorld(KernelNamespace ns, Link link, AutoCloseable device, IntSupplier framesInUse,
                        Supplier<String> linkState, String kernelInterface, long ourMac, double[] faults) {
        this.ns = ns;
        this.device = device;
        this.framesInUse = framesInUse;
        this.linkState = linkState;
        this.kernelInterface = kernelInterface;
        this.ourMac = ourMac;
        this.faulty = faults == null ? null : new FaultyLink(link, arena, ns.id, faults[0], faults[1], faults[2]);
        StackConfig config = StackConfig.builder().mac(ourMac).ip(ns.ourIp).prefixLength(24)
                .tcp(TcpConfig.builder().build()).build();
        this.stack = new NetworkStack(config, faulty == null ? link : faulty, System.nanoTime());
    }

    /** Polls the stack, then {@code step}, until {@code done} or the timeout (then throws). */
    public void pollUntil(BooleanSupplier done, long timeoutNs, Runnable step) {
        long deadlineNs = System.nanoTime() + timeoutNs;
        while (!done.getAsBoolean()) {
            long nowNs = System.nanoTime();
            if (deadlineNs - nowNs < 0) {
                throw new AssertionError("timed out; peers said: " + ns.peerOutputs() + " link: " + linkState.get()
                        + " counters: " + stack.counters());
            }
            stack.poll(nowNs);
            step.run();
        }
    }

    /**
     * Checks that every frame went back to the link once the stack has nothing left to
     * send or read: frames held back by the fault injector are released first.
     */
    public void assertNoFrameLeaked() {
        stack.poll(System.nanoTime());
        if (faulty != null) {
            faulty.releaseHeld();
            assertEquals(0, faulty.copiesInUse(), "copies of received frames");
        }
        assertEquals(0, framesInUse.getAsInt(), "frames held by the stack");
    }

    @Override
    public void close() throws Exception {
        try {
            if (faulty != null) {
                faulty.releaseHeld();
            }
            device.close();
        } finally {
            ns.close();
            arena.close();
        }
    }
}
