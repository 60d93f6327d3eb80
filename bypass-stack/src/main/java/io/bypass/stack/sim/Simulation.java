package io.bypass.stack.sim;

import io.bypass.stack.NetworkStack;
import io.bypass.stack.StackConfig;
import io.bypass.stack.link.Link;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Drives stacks on one {@link SimulatedSegment} in virtual time: poll every stack, let the
 * application step, then jump the clock to the earliest thing that can happen next (a
 * frame's arrival or a stack's deadline). Nothing waits in real time, so a minute of
 * simulated retransmission timeouts costs microseconds.
 */
public final class Simulation implements AutoCloseable {
    /** Iterations at one instant after which the run is declared stuck (a stack that always wants "now"). */
    private static final int MAX_ITERATIONS_AT_ONE_INSTANT = 100_000;

    private final VirtualClock clock = new VirtualClock(0);
    private final Arena arena = Arena.ofShared();
    private final SimulatedSegment segment;
    private final List<NetworkStack> stacks = new ArrayList<>();
    private final List<SimulatedPort> ports = new ArrayList<>();

    /**
     * @param faults what the segment does to frames
     * @param seed   the run's one source of randomness
     */
    public Simulation(LinkFaults faults, long seed) {
        this.segment = new SimulatedSegment(faults, clock, seed, arena);
    }

    /**
     * Attaches a new stack to the segment.
     *
     * @param config the stack's addresses and settings
     * @param frames frames in each of its port's receive and transmit pools
     * @return the stack, started at the current simulated time
     */
    public NetworkStack addStack(StackConfig config, int frames) {
        return addStack(config, frames, UnaryOperator.identity());
    }

    /**
     * Attaches a new stack to the segment through a link decorator (tracing, capture).
     *
     * @param config    the stack's addresses and settings
     * @param frames    frames in each of its port's receive and transmit pools
     * @param decorator wraps the port before the stack gets it
     * @return the stack, started at the current simulated time
     */
    public NetworkStack addStack(StackConfig config, int frames, UnaryOperator<Link> decorator) {
        SimulatedPort port = segment.attach(frames);
        NetworkStack stack = new NetworkStack(config, decorator.apply(port), clock.nowNs());
        stacks.add(stack);
        ports.add(port);
        return stack;
    }

    /** @return simulated time */
    public VirtualClock clock() {
        return clock;
    }

    /** @return the segment, for its statistics */
    public SimulatedSegment segment() {
        return segment;
    }

    /** @return the port of the {@code index}-th stack added, for leak checks */
    public SimulatedPort port(int index) {
        return ports.get(index);
    }

    /**
     * Runs until {@code step} answers true or simulated time passes {@code limitNs}.
     * {@code step} is the application: it is called after every round of polls, at the
     * current simulated time, and may read, write, connect and close.
     *
     * @return whether {@code step} answered true in time
     * @throws IllegalStateException when the stacks keep asking to run at the same instant
     */
    public boolean runUntil(BooleanSupplier step, long limitNs) {
        int iterationsAtThisInstant = 0;
        long lastNs = clock.nowNs();
        while (true) {
            long nowNs = clock.nowNs();
            for (NetworkStack stack : stacks) {
                stack.poll(nowNs);
            }
            if (step.getAsBoolean()) {
                return true;
            }
            for (NetworkStack stack : stacks) {
                stack.flush();
            }
            long next = segment.nextDeliveryNs();
            for (NetworkStack stack : stacks) {
                next = Math.min(next, stack.pollAtNs());
            }
            if (next == Long.MAX_VALUE || next > limitNs) {
                return false;
            }
            if (next <= nowNs) {
                if (++iterationsAtThisInstant > MAX_ITERATIONS_AT_ONE_INSTANT) {
                    throw new IllegalStateException("stuck at " + nowNs + " ns: the stacks keep asking to run now");
                }
            } else {
                clock.advanceTo(next);
            }
            if (clock.nowNs() != lastNs) {
                lastNs = clock.nowNs();
                iterationsAtThisInstant = 0;
            }
        }
    }

    /** Frees the frame memory of every port. */
    @Override
    public void close() {
        arena.close();
    }
}
