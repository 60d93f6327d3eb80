package io.bypass.provider;

import io.bypass.stack.Counter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The drop-in {@link SelectorProvider}: TCP channels and selectors are ours, everything
 * else (pipes, datagram channels, UNIX-domain channels, the inherited channel) is the
 * JDK's. Activated by {@code -Djava.nio.channels.spi.SelectorProvider=io.bypass.provider.BypassSelectorProvider}
 * or by the service file in the provider jar; it needs
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} to reach the JDK's provider.
 *
 * <p>Routing: a {@code ServerSocketChannel.bind} is accelerated when a {@code bind} rule
 * matches it and the address is loopback or wildcard (what the in-JVM loopback link can
 * serve); a {@code connect} to a loopback address is accelerated when an accelerated
 * listener owns the port or a {@code connect} rule matches it (see
 * {@link #accelerateConnect}). A client-side {@code bind} follows its connect. Everything
 * else runs on the kernel and is counted.
 */
public class BypassSelectorProvider extends SelectorProvider {
    private static final System.Logger LOG = System.getLogger("io.bypass.provider");

    private final BypassConfig config;
    private final SelectorProvider jdk;
    private final AtomicLong kernelFallbacks = new AtomicLong();
    /** Spinning selecting threads pinned so far: the next one takes the next CPU of bypass.pin. */
    private final AtomicLong pinnedThreads = new AtomicLong();
    private volatile StackEngine engine;

    /**
     * The constructor the JDK calls: settings from the {@code bypass.*} system properties.
     * Must not call {@code SelectorProvider.provider()} (it returns null while we are built).
     *
     * @throws IllegalStateException when {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} is missing
     * @throws IllegalArgumentException naming a bad {@code bypass.*} property
     */
    public BypassSelectorProvider() {
        this(BypassConfig.fromSystemProperties());
    }

    /**
     * A provider with explicit settings (tests, embedding); it has its own stacks.
     *
     * @param config the settings
     */
    @SuppressWarnings("this-escape") // the stats hook only runs at JVM exit, long after construction
    public BypassSelectorProvider(BypassConfig config) {
        this.config = config;
        this.jdk = JdkProvider.get();
        if (config.stats()) {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("bypass-stats").unstarted(
                    () -> System.err.println(statsLine())));
        }
    }

    /**
     * @return one line: the kernel fallbacks and every non-zero stack counter, e.g.
     *         {@code bypass stats: kernelFallbacks=0 TCP_SEGMENTS_IN=12 ...}
     */
    public String statsLine() {
        StringBuilder b = new StringBuilder("bypass stats: kernelFallbacks=").append(kernelFallbacks());
        StackEngine e = engine;
        b.append(" accelerated=").append(e != null);
        if (e != null) {
            for (Counter c : Counter.values()) {
                long v = e.counter(c);
                if (v != 0) {
                    b.append(' ').append(c.name()).append('=').append(v);
                }
            }
        }
        return b.toString();
    }

    /** @return the settings */
    public BypassConfig config() {
        return config;
    }

    /** @return how many channels were routed to the kernel */
    public long kernelFallbacks() {
        return kernelFallbacks.get();
    }

    /**
     * @param counter a stack counter
     * @return its value summed over this provider's stacks (0 before any accelerated socket)
     */
    public long counter(Counter counter) {
        StackEngine e = engine;
        return e == null ? 0 : e.counter(counter);
    }

    /** Stops this provider's helper thread; its accelerated channels stop making progress. */
    public void shutdown() {
        StackEngine e = engine;
        if (e != null) {
            e.shutdown();
        }
    }

    SelectorProvider jdk() {
        return jdk;
    }

    /** @return the CPU of {@code bypass.pin} for the next spinning thread to pin, in turn */
    int nextPinCpu() {
        java.util.List<Integer> cpus = config.pinCpus();
        return cpus.get((int) (pinnedThreads.getAndIncrement() % cpus.size()));
    }

    StackEngine engineIfStarted() {
        return engine;
    }

    /** @return the stack engine, started at the first accelerated socket */
    StackEngine engine() {
        StackEngine e = engine;
        if (e == null) {
            synchronized (this) {
                e = engine;
                if (e == null) {
                    e = new StackEngine(config);
                    engine = e;
                }
            }
        }
        return e;
    }

    boolean accelerateBind(InetSocketAddress local) {
        Rule rule = config.rules().match(Rule.Kind.BIND, local.getAddress(), local.getPort());
        boolean servable = local.getAddress().isLoopbackAddress() || local.getAddress().isAnyLocalAddress();
        boolean accelerate = rule != null && servable;
        decided("bind", local, accelerate, rule == null ? "no rule" : servable ? "rule " + rule
                : "rule " + rule + " but the loopback link serves only loopback and wildcard addresses");
        return accelerate;
    }

    /**
     * Routes a connect. On the loopback link a connect is accelerated when its destination
     * is a loopback port that an accelerated listener of this provider owns (the kernel
     * cannot reach it: the port is only reserved there), or when a {@code connect} rule
     * matches a loopback destination: the rule sends it to the stack even with no stack
     * listener on the port, where it is refused as a kernel connect to a closed port would
     * be. A rule matching any other destination cannot be served by the loopback link, and
     * the connect goes to the kernel.
     */
    boolean accelerateConnect(InetSocketAddress remote) {
        boolean loopback = remote.getAddress().isLoopbackAddress();
        Rule rule = config.rules().match(Rule.Kind.CONNECT, remote.getAddress(), remote.getPort());
        StackEngine e = engine;
        boolean owned = loopback && e != null && e.ownsPort(remote.getPort());
        boolean accelerate = owned || loopback && rule != null;
        String why;
        if (owned) {
            why = "accelerated listener on port " + remote.getPort();
        } else if (accelerate) {
            why = "rule " + rule;
        } else if (rule != null) {
            why = "rule " + rule + " but the loopback link reaches only loopback addresses";
        } else {
            why = loopback ? "no accelerated listener on port " + remote.getPort() + " and no connect rule"
                    : "not reachable on the loopback link";
        }
        decided("connect", remote, accelerate, why);
        return accelerate;
    }

    void decided(String what, SocketAddress address, boolean accelerated, String why) {
        if (!accelerated) {
            kernelFallbacks.incrementAndGet();
        }
        if (config.debug()) {
            LOG.log(System.Logger.Level.INFO, "bypass: {0} {1}: {2} ({3})", what, address,
                    accelerated ? "accelerated" : "kernel", why);
        }
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return jdk.openDatagramChannel();
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        return jdk.openDatagramChannel(family);
    }

    @Override
    public Pipe openPipe() throws IOException {
        return jdk.openPipe();
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return new BypassSelector(this, jdk);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return new BypassServerSocketChannel(this);
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return new BypassSocketChannel(this);
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        return family == StandardProtocolFamily.INET ? openSocketChannel() : jdk.openSocketChannel(family);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        return family == StandardProtocolFamily.INET ? openServerSocketChannel() : jdk.openServerSocketChannel(family);
    }

    @Override
    public Channel inheritedChannel() throws IOException {
        return jdk.inheritedChannel();
    }
}
