package io.bypass.stack.udp;

import io.bypass.stack.SocketEvents;
import io.bypass.stack.SocketListener;
import io.bypass.stack.buffer.ByteBufferCopy;
import io.bypass.stack.buffer.Frame;
import java.nio.ByteBuffer;

/**
 * A bound UDP socket: sends datagrams and queues received ones, each still in the frame
 * it arrived in, until the application reads it (one copy, into its buffer).
 *
 * <p>Used under the stack lock, like everything in the stack. Created by
 * {@link UdpLayer#bind}.
 */
public final class UdpSocket {
    private final UdpLayer layer;
    private final int localIp;
    private final int localPort;
    private final Frame[] frames;
    private final int[] offsets;
    private final int[] lengths;
    private final int[] sourceIps;
    private final int[] sourcePorts;
    private int head;
    private int count;
    private int lastSourceIp;
    private int lastSourcePort;
    private boolean closed;
    private SocketListener listener = SocketListener.NONE;

    UdpSocket(UdpLayer layer, int localIp, int localPort, int queueLength) {
        this.layer = layer;
        this.localIp = localIp;
        this.localPort = localPort;
        this.frames = new Frame[queueLength];
        this.offsets = new int[queueLength];
        this.lengths = new int[queueLength];
        this.sourceIps = new int[queueLength];
        this.sourcePorts = new int[queueLength];
    }

    /** @return the bound address, {@link io.bypass.stack.wire.Ipv4Address#ANY} for all */
    public int localIp() {
        return localIp;
    }

    /** @return the bound port */
    public int localPort() {
        return localPort;
    }

    /** Sets who is told when datagrams arrive ({@link SocketEvents#READABLE}, once per datagram). */
    public void listener(SocketListener listener) {
        this.listener = listener;
    }

    /**
     * Sends one datagram with the bytes remaining in {@code src}, advancing its position.
     *
     * @return the bytes sent, or 0 when no transmit frame was free (nothing consumed)
     * @throws DatagramTooLargeException when the datagram does not fit in one packet to
     *                                    {@code dstIp} (its path MTU; the stack does not fragment)
     * @throws IllegalArgumentException when the destination is invalid
     * @throws IllegalStateException    when the socket is closed
     */
    public int send(ByteBuffer src, int dstIp, int dstPort, long nowNs) {
        if (closed) {
            throw new IllegalStateException("UDP socket on port " + localPort + " is closed");
        }
        return layer.send(this, src, dstIp, dstPort, nowNs);
    }

    /**
     * Takes the oldest queued datagram. Like {@code DatagramChannel}, a datagram larger
     * than the room in {@code dst} is truncated and the rest discarded.
     *
     * @return the bytes copied into {@code dst} (the datagram's length unless truncated),
     *         or -1 when no datagram is queued
     */
    public int receive(ByteBuffer dst) {
        if (count == 0) {
            return -1;
        }
        Frame frame = frames[head];
        int n = Math.min(lengths[head], dst.remaining());
        ByteBufferCopy.toBuffer(frame.memory(), offsets[head], dst, n);
        lastSourceIp = sourceIps[head];
        lastSourcePort = sourcePorts[head];
        frames[head] = null;
        head = (head + 1) % frames.length;
        count--;
        frame.release();
        layer.frameReleased();
        return n;
    }

    /** @return the sender of the datagram last returned by {@link #receive} */
    public int lastSourceIp() {
        return lastSourceIp;
    }

    /** @return the sender's port of the datagram last returned by {@link #receive} */
    public int lastSourcePort() {
        return lastSourcePort;
    }

    /** @return datagrams waiting to be read */
    public int queued() {
        return count;
    }

    /** @return whether {@link #close} was called */
    public boolean isClosed() {
        return closed;
    }

    /** Releases queued datagrams and frees the port. Closing twice does nothing. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (count > 0) {
            frames[head].release();
            layer.frameReleased();
            frames[head] = null;
            head = (head + 1) % frames.length;
            count--;
        }
        layer.unbind(this);
    }

    /** @return false, and the caller keeps the frame, when the queue is full */
    boolean offer(Frame frame, int payloadOffset, int payloadLength, int sourceIp, int sourcePort) {
        if (count == frames.length) {
            return false;
        }
        int tail = (head + count) % frames.length;
        frames[tail] = frame;
        offsets[tail] = payloadOffset;
        lengths[tail] = payloadLength;
        sourceIps[tail] = sourceIp;
        sourcePorts[tail] = sourcePort;
        count++;
        listener.onEvents(SocketEvents.READABLE);
        return true;
    }
}
