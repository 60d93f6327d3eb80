package io.bypass.provider;

import io.bypass.stack.Counter;
import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkCounter;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.wire.Ipv4Address;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
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
 * <p>Stacks: the in-JVM loopback engine (two stacks, started at the first accelerated
 * socket) and, when {@code bypass.link} names a device, a link engine (one stack at
 * {@code bypass.ip} on that device, opened when the provider is made, so that a link that
 * cannot start is reported at start). Each engine has its own lock and helper thread.
 *
 * <p>Routing: a {@code ServerSocketChannel.bind} is accelerated when a {@code bind} rule
 * matches it; a wildcard bind listens on every engine (the loopback engine's server stack
 * and the link's stack; accept takes from either, so in-JVM loopback clients keep working
 * beside remote ones, as under Onload), a loopback bind on the loopback engine, a bind to
 * {@code bypass.ip} on the link. A {@code connect} to a loopback address is accelerated
 * when an accelerated listener owns the port or a {@code connect} rule matches it; a
 * connect to another address goes on the link's stack when a {@code connect} rule matches
 * it and the link can reach it (see {@link #connectEngine}). A client-side {@code bind}
 * follows its connect. Everything else runs on the kernel and is counted.
 */
public class BypassSelectorProvider extends SelectorProvider {
    private static final System.Logger LOG = System.getLogger("io.bypass.provider");

    private final BypassConfig config;
    private final SelectorProvider jdk;
    private final AtomicLong kernelFallbacks = new AtomicLong();
    /** Spinning selecting threads pinned so far: the next one takes the next CPU of bypass.pin. */
    private final AtomicLong pinnedThreads = new AtomicLong();
    private final AtomicLong acceleratedChannels = new AtomicLong();
    /** The link engine, or null with no external link (or one that could not start, see {@link #linkDown}). */
    private final StackEngine linkEngine;
    /** Why the configured link is not running (with {@code bypass.link.fallback=kernel}), or null. */
    private final String linkDown;
    /** The JVM-exit work ({@link #atExit}), or null when there is none; removed by {@link #shutdown}. */
    private final Thread exitHook;
    private volatile StackEngine engine;
    /** The engines running now, for the selector's progress calls: never null, replaced (not changed) when one starts. */
    private volatile StackEngine[] engines;

    /**
     * The constructor the JDK calls: settings from the {@code bypass.*} system properties.
     * Must not call {@code SelectorProvider.provider()} (it returns null while we are built).
     *
     * @throws IllegalStateException when {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} is
     *                                  missing, or the link cannot start (without {@code bypass.link.fallback=kernel})
     * @throws IllegalArgumentException naming a bad {@code bypass.*} property
     */
    public BypassSelectorProvider() {
        this(BypassConfig.fromSystemProperties());
    }

    /**
     * A provider with explicit settings (tests, embedding); it has its own stacks.
     *
     * @param config the settings
     * @throws IllegalStateException    when the link cannot start (without {@code bypass.link.fallback=kernel})
     * @throws IllegalArgumentException when {@code bypass.link} names no known link or is wrong for it
     */
    @SuppressWarnings("this-escape") // the stats hook only runs at JVM exit, long after construction
    public BypassSelectorProvider(BypassConfig config) {
        this.config = config;
        this.jdk = JdkProvider.get();
        String down = null;
        StackEngine onLink = null;
        if (config.externalLink()) {
            try {
                onLink = EngineFactory.onLink(config, openLink(config));
            } catch (IllegalStateException e) {
                if (!config.linkFallbackKernel()) {
                    throw e;
                }
                down = e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "bypass: {0}; every channel runs on the kernel"
                        + " (bypass.link.fallback=kernel)", down);
            }
        }
        this.linkEngine = onLink;
        this.linkDown = down;
        this.engines = onLink == null ? new StackEngine[0] : new StackEngine[] {onLink};
        exitHook = onLink != null || config.stats() ? Thread.ofPlatform().name("bypass-exit").unstarted(this::atExit) : null;
        if (exitHook != null) {
            Runtime.getRuntime().addShutdownHook(exitHook);
        }
    }

    /**
     * At JVM exit: the link engine delivers what its connections still owe their peers (for up
     * to {@code bypass.exit.linger}, see {@link StackEngine#closeAtExit}) and closes its device,
     * so that a peer process sees the FIN at once; then, with {@code bypass.stats}, the counters
     * are printed, those frames included. The in-JVM loopback engine needs nothing: both ends of
     * its connections go with the JVM.
     */
    void atExit() {
        if (linkEngine != null) {
            linkEngine.closeAtExit(config.exitLingerNs());
        }
        if (config.stats()) {
            System.err.println(statsLine());
        }
    }

    /**
     * Opens {@code bypass.link}. A spec that is wrong is a bad setting; a device that cannot
     * be opened is a link that cannot start: both messages name the property and say what to do.
     */
    private static Link openLink(BypassConfig config) {
        String what = "bypass.link='" + config.link() + "'";
        try {
            return LinkFactory.open(config.link(), LinkSettings.DEFAULTS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(what + " cannot start: " + e.getMessage() + ". Fix the link, or set"
                    + " bypass.link.fallback=kernel to run every channel on the kernel instead", e);
        }
    }

    /**
     * @return one line: the kernel fallbacks, every non-zero stack counter summed over the
     *         engines, and the link's non-zero device counters, e.g.
     *         {@code bypass stats: kernelFallbacks=0 accelerated=true acceleratedChannels=2 TCP_SEGMENTS_IN=12 ... LINK_RX_FRAMES=40}
     */
    public String statsLine() {
        StringBuilder b = new StringBuilder("bypass stats: kernelFallbacks=").append(kernelFallbacks());
        StackEngine[] es = engines;
        b.append(" accelerated=").append(es.length > 0).append(" acceleratedChannels=").append(acceleratedChannels());
        for (Counter c : Counter.values()) {
            long v = counter(c);
            if (v != 0) {
                b.append(' ').append(c.name()).append('=').append(v);
            }
        }
        if (linkEngine != null) {
            for (LinkCounter c : LinkCounter.values()) {
                long v = linkEngine.linkCounter(c);
                if (v != 0) {
                    b.append(" LINK_").append(c.name()).append('=').append(v);
                }
            }
        }
        if (linkEngine != null) {
            linkEngine.appendProgressStats(b);
        }
        if (linkDown != null) {
            b.append(" linkDown=true");
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
     * @return how many channels were routed to the stack: listeners bound and connects made
     *         on it (connections a stack listener accepts are counted by the stack, as
     *         {@link Counter#TCP_PASSIVE_OPENS})
     */
    public long acceleratedChannels() {
        return acceleratedChannels.get();
    }

    /**
     * @param counter a stack counter
     * @return its value summed over this provider's stacks (0 before any accelerated socket)
     */
    public long counter(Counter counter) {
        long v = 0;
        for (StackEngine e : engines) {
            v += e.counter(counter);
        }
        return v;
    }

    /**
     * @param counter a device counter
     * @return its value on the link engine's device (0 with no external link)
     */
    public long linkCounter(LinkCounter counter) {
        return linkEngine == null ? 0 : linkEngine.linkCounter(counter);
    }

    /** Stops this provider's helper threads and closes its link; its accelerated channels stop making progress. */
    public void shutdown() {
        for (StackEngine e : engines) {
            e.shutdown();
        }
        if (exitHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException exiting) {
                // The JVM is exiting: the hook runs (or ran) and finds the engines shut down.
            }
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

    /** @return the loopback engine, or null before the first accelerated loopback socket */
    StackEngine engineIfStarted() {
        return engine;
    }

    /** @return the engines running now (the loopback engine once started, the link engine if any); do not modify */
    StackEngine[] engines() {
        return engines;
    }

    /** @return the engine on {@code bypass.link}'s device, or null without one (tests) */
    StackEngine linkEngine() {
        return linkEngine;
    }

    /** @return the loopback engine, started at the first accelerated loopback socket */
    StackEngine engine() {
        StackEngine e = engine;
        if (e == null) {
            synchronized (this) {
                e = engine;
                if (e == null) {
                    e = EngineFactory.loopback(config);
                    engine = e;
                    // The loopback engine first: a wildcard listener's primary engine, and the lock order.
                    StackEngine[] es = new StackEngine[engines.length + 1];
                    es[0] = e;
                    System.arraycopy(engines, 0, es, 1, engines.length);
                    engines = es;
                }
            }
        }
        return e;
    }

    /**
     * Routes a listener's bind.
     *
     * @return the engines to listen on, loopback engine first (its lock is taken before the
     *         link engine's wherever both are held); empty for the kernel
     */
    StackEngine[] bindEngines(InetSocketAddress local) {
        InetAddress a = local.getAddress();
        Rule rule = config.rules().match(Rule.Kind.BIND, a, local.getPort());
        StackEngine[] chosen;
        String why;
        if (rule == null) {
            chosen = new StackEngine[0];
            why = "no rule";
        } else if (linkDown != null) {
            chosen = new StackEngine[0];
            why = "rule " + rule + " but the link is down: " + linkDown;
        } else if (a.isAnyLocalAddress()) {
            chosen = linkEngine == null ? new StackEngine[] {engine()} : new StackEngine[] {engine(), linkEngine};
            why = "rule " + rule + (linkEngine == null ? "" : ", on the loopback and the link stacks");
        } else if (a.isLoopbackAddress()) {
            chosen = new StackEngine[] {engine()};
            why = "rule " + rule;
        } else if (linkEngine != null && isLinkAddress(a)) {
            chosen = new StackEngine[] {linkEngine};
            why = "rule " + rule + ", the link stack's address";
        } else {
            chosen = new StackEngine[0];
            why = "rule " + rule + " but no stack has this address (" + (linkEngine == null
                    ? "the loopback link serves only loopback and wildcard addresses)" : "the link's is "
                    + Ipv4Address.toString(config.ip()) + ")");
        }
        decided("bind", local, chosen.length > 0, why);
        return chosen;
    }

    /**
     * Where a stack socket bound to {@code local} reserves its port on the kernel (the kernel
     * gives bind its port choice and EADDRINUSE): at {@code local} itself, except for the link
     * stack's own address, which is not the kernel's (it refuses it: "Cannot assign requested
     * address"); that port is reserved on the wildcard, the port space a wildcard listener,
     * which also listens on the link stack, shares with it.
     *
     * @param local the address a channel binds to, or null
     * @return the address to bind the reserving kernel socket to
     */
    SocketAddress kernelReservation(SocketAddress local) {
        if (linkEngine != null && local instanceof InetSocketAddress a && !a.isUnresolved()
                && isLinkAddress(a.getAddress())) {
            return new InetSocketAddress(a.getPort());
        }
        return local;
    }

    /** @return whether {@code a} is the link stack's own address */
    private boolean isLinkAddress(InetAddress a) {
        return a instanceof Inet4Address && Addresses.ipv4(a) == config.ip();
    }

    /**
     * Routes a connect. A connect to a loopback address (or to the link stack's own address)
     * goes on the loopback engine when an accelerated listener of this provider owns the
     * port (the kernel cannot reach it: the port is only reserved there), or when a
     * {@code connect} rule matches: the rule sends it to the stack even with no stack listener
     * on the port, where it is refused as a kernel connect to a closed port would be. A
     * connect to any other IPv4 address goes on the link's stack when a {@code connect} rule
     * matches it and the link reaches it (its subnet, or anywhere through
     * {@code bypass.gateway}); without a link, or unreachable, it goes to the kernel.
     *
     * @return the engine to connect on, or null for the kernel
     */
    StackEngine connectEngine(InetSocketAddress remote) {
        InetAddress a = remote.getAddress();
        boolean own = linkEngine != null && isLinkAddress(a);
        boolean loopback = a.isLoopbackAddress() || own;
        Rule rule = config.rules().match(Rule.Kind.CONNECT, a, remote.getPort());
        StackEngine e = engine;
        boolean owned = loopback && e != null && e.ownsPort(remote.getPort());
        StackEngine chosen = null;
        String why;
        if (linkDown != null) {
            why = "the link is down: " + linkDown;
        } else if (owned) {
            chosen = engine();
            why = "accelerated listener on port " + remote.getPort();
        } else if (loopback && rule != null) {
            chosen = engine();
            why = "rule " + rule;
        } else if (loopback) {
            why = "no accelerated listener on port " + remote.getPort() + " and no connect rule";
        } else if (rule == null) {
            why = "no connect rule";
        } else if (linkEngine == null) {
            why = "rule " + rule + " but the loopback link reaches only loopback addresses (no bypass.link)";
        } else if (!(a instanceof Inet4Address) || !linkReaches(Addresses.ipv4(a))) {
            why = "rule " + rule + " but the link reaches only " + Ipv4Address.toString(config.ip()) + "/"
                    + config.prefix() + " without bypass.gateway";
        } else {
            chosen = linkEngine;
            why = "rule " + rule + ", on the link";
        }
        decided("connect", remote, chosen != null, why);
        return chosen;
    }

    /** @return whether the link stack can send to {@code ip}: on its subnet, or through the gateway */
    private boolean linkReaches(int ip) {
        int mask = -1 << (32 - config.prefix());
        return config.gateway() != 0 || (ip & mask) == (config.ip() & mask);
    }

    void decided(String what, SocketAddress address, boolean accelerated, String why) {
        (accelerated ? acceleratedChannels : kernelFallbacks).incrementAndGet();
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
