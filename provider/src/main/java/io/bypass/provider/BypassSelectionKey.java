package io.bypass.provider;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/**
 * A registration of a channel with a {@link BypassSelector}. For a kernel-side channel it
 * carries the key of the inner JDK selector; for a stack socket it is queued on the
 * selector's readiness list when the socket reports an event. Interest changes take
 * effect at the next select, from any thread.
 */
final class BypassSelectionKey extends AbstractSelectionKey {
    private final BypassSelector selector;
    private final SelectableChannel channel;
    private volatile int interestOps;
    private volatile int readyOps;
    /** The inner selector's key when the channel is kernel-backed; guarded by this. */
    private SelectionKey innerKey;
    private volatile boolean edgeTriggered;
    /** Whether the key is on the selector's readiness list; guarded by the selector's ready lock. */
    boolean queued;
    /** The selector's collect that last looked at this key; confined to selecting threads. */
    long lookedAt;

    BypassSelectionKey(BypassSelector selector, SelectableChannel channel, int ops) {
        this.selector = selector;
        this.channel = channel;
        this.interestOps = ops;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    @Override
    public int interestOps() {
        ensureValid();
        return interestOps;
    }

    @Override
    public SelectionKey interestOps(int ops) {
        ensureValid();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("invalid interest ops " + ops);
        }
        interestOps = ops;
        SelectionKey inner;
        synchronized (this) {
            inner = innerKey;
        }
        if (inner != null) {
            try {
                inner.interestOps(ops);
            } catch (CancelledKeyException e) {
                // The kernel channel closed under us; this key is cancelled with it.
            }
        } else {
            // Level-triggered: a condition that already holds must show at the next select.
            selector.markReady(this, false);
        }
        return this;
    }

    @Override
    public int readyOps() {
        ensureValid();
        return readyOps;
    }

    /** @see BypassKeys#setEdgeTriggered */
    void edgeTriggered(boolean on) {
        ensureValid();
        edgeTriggered = on;
        if (on) {
            // Report what holds now, once: the application may have missed the edges before.
            selector.markReady(this, true);
        }
    }

    boolean edgeTriggered() {
        return edgeTriggered;
    }

    int rawInterestOps() {
        return interestOps;
    }

    int rawReadyOps() {
        return readyOps;
    }

    void readyOps(int ops) {
        readyOps = ops;
    }

    /** The channel got a kernel backend: register it with the inner selector. */
    void attachKernel(SelectableChannel kernel) throws ClosedChannelException {
        SelectionKey k = selector.registerInner(kernel, interestOps, this);
        synchronized (this) {
            innerKey = k;
        }
    }

    /** @return the inner selector's key, or null */
    synchronized SelectionKey innerKey() {
        return innerKey;
    }

    private void ensureValid() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
    }
}
