package io.bypass.stack.buffer;

import java.lang.foreign.MemorySegment;

/**
 * One frame buffer in off-heap memory, with a data window.
 *
 * <pre>
 *   0            offset                 offset+length            capacity
 *   |  headroom  |  data (a frame, or    |  tailroom               |
 *   |            |  part of one)         |                         |
 * </pre>
 *
 * <p>The {@link #memory() memory} segment is fixed for the life of the frame; only the
 * window moves. Frames are not thread-safe: they belong to one stack, and the stack lock
 * (or the single simulation thread) guards them.
 *
 * <p>Invariant: {@code 0 <= offset <= offset + length <= capacity}.
 */
public final class Frame {
    private final MemorySegment memory;
    private final FrameOwner owner;
    private final int index;
    private int offset;
    private int length;
    /** True between allocation and release; catches double release under {@code -ea}. */
    private boolean inUse;
    /**
     * A view of {@link #memory}, made with the frame (not on first use: that would allocate
     * on the data path whenever a frame is read from for the first time); its position and
     * limit belong to whoever uses it now.
     */
    private final java.nio.ByteBuffer view;

    /**
     * Wraps fixed memory as a frame. Called by a {@link FrameOwner} when it creates its
     * frames, never per packet.
     *
     * @param memory the frame's whole buffer
     * @param owner  where {@link #release()} returns it
     * @param index  the owner's number for this frame
     */
    public Frame(MemorySegment memory, FrameOwner owner, int index) {
        this.memory = memory;
        this.owner = owner;
        this.index = index;
        this.view = memory.asByteBuffer();
    }

    /** @return the frame's whole buffer; flyweights address it at {@link #offset()} */
    public MemorySegment memory() {
        return memory;
    }

    /**
     * A {@link java.nio.ByteBuffer} over the whole of {@link #memory()}, made once with the
     * frame, so that copies into an application's buffer allocate nothing. Its position and
     * limit are scratch: a caller sets them before each use and leaves them as they fall.
     *
     * @return the view
     */
    public java.nio.ByteBuffer asByteBuffer() {
        return view;
    }

    /** @return the owner's number for this frame (stable, for tracing and leak checks) */
    public int index() {
        return index;
    }

    /** @return the size of the buffer in bytes */
    public int capacity() {
        return (int) memory.byteSize();
    }

    /** @return where the data starts in {@link #memory()} */
    public int offset() {
        return offset;
    }

    /** @return how many data bytes the frame holds from {@link #offset()} */
    public int length() {
        return length;
    }

    /**
     * Sets the data window.
     *
     * @param offset where the data starts
     * @param length how many bytes
     * @throws IndexOutOfBoundsException when the window does not fit the buffer
     */
    public void window(int offset, int length) {
        if (offset < 0 || length < 0 || offset > capacity() - length) {
            throw new IndexOutOfBoundsException("window " + offset + "+" + length + " > " + capacity());
        }
        this.offset = offset;
        this.length = length;
    }

    /**
     * Sets the data length, keeping the offset.
     *
     * @param length how many bytes from {@link #offset()}
     */
    public void length(int length) {
        window(offset, length);
    }

    /** Marks the frame handed out; called by its owner on allocation. */
    public void acquire() {
        assert !inUse : "frame " + index + " allocated twice";
        inUse = true;
        offset = 0;
        length = 0;
    }

    /** @return whether the frame is between allocation and release */
    public boolean inUse() {
        return inUse;
    }

    /** Gives the frame back to its owner. The caller must not touch it afterwards. */
    public void release() {
        assert inUse : "frame " + index + " released twice";
        inUse = false;
        owner.recycle(this);
    }

    @Override
    public String toString() {
        return "Frame[" + index + " " + offset + "+" + length + "]";
    }
}
