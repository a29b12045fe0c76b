/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;

/**
 * Output buffers shared by the sessions that one thread serves, as memcached's worker threads share their response
 * buffers: a session holds a buffer only while it has replies to send, so idle connections hold none. Keeps at most
 * {@link #retained} free buffers; more are allocated when needed and left to the garbage collector when returned
 * beyond that. Not threadsafe: one pool per serving thread.
 */
public final class BufferPool
{
    /** Values up to this size are copied whole; larger ones stream from the cache as the client reads them. */
    static final int SCRATCH_CAPACITY = 16 * 1024;

    private final int retained;
    private final Chunk[] chunks;
    private final Runnable refused;
    private int size;
    private long allocated;
    private ByteBuffer scratch;

    /**
     * A pool that keeps up to {@code retained} free buffers.
     *
     * @param retained free buffers kept for reuse.
     */
    public BufferPool(final int retained)
    {
        this(retained, () ->
        {
        });
    }

    /**
     * A pool that keeps up to {@code retained} free buffers and reports each buffer direct memory could not supply.
     *
     * @param retained free buffers kept for reuse.
     * @param refused  called when a buffer could not be allocated ({@code response_obj_oom}).
     */
    public BufferPool(final int retained, final Runnable refused)
    {
        if (retained < 0)
        {
            throw new IllegalArgumentException("retained must not be negative: " + retained);
        }
        this.retained = retained;
        this.chunks = new Chunk[retained];
        this.refused = refused;
    }

    /**
     * Size in bytes of every buffer this pool hands out.
     *
     * @return the buffer capacity.
     */
    public static int bufferCapacity()
    {
        return Output.CAPACITY;
    }

    /**
     * How many buffers this pool has allocated since it was made.
     *
     * @return the count.
     */
    public long allocated()
    {
        return allocated;
    }

    /**
     * A buffer for copying a value out of the cache on its way to an output buffer, shared by the sessions of this
     * thread: its content does not outlive one call into a session.
     *
     * @return the scratch buffer, cleared.
     */
    ByteBuffer scratch()
    {
        if (scratch == null)
        {
            scratch = ByteBuffer.allocateDirect(SCRATCH_CAPACITY);
        }
        return scratch.clear();
    }

    Chunk acquire()
    {
        if (size > 0)
        {
            size--;
            final Chunk chunk = chunks[size];
            chunks[size] = null;
            return chunk;
        }
        final ByteBuffer buffer;
        try
        {
            buffer = ByteBuffer.allocateDirect(Output.CAPACITY);
        }
        catch (final OutOfMemoryError ex)
        {
            refused.run();
            throw ex;
        }
        allocated++;
        return new Chunk(buffer);
    }

    void release(final Chunk chunk)
    {
        if (size < retained)
        {
            chunks[size++] = chunk;
        }
    }

    /**
     * A direct buffer, a view of it that the driver reads from, and a view the cache copies values into.
     */
    static final class Chunk
    {
        final ByteBuffer buffer;
        final ByteBuffer view;
        final ByteBuffer window;

        Chunk(final ByteBuffer buffer)
        {
            this.buffer = buffer;
            this.view = buffer.duplicate();
            this.window = buffer.duplicate();
        }
    }
}
