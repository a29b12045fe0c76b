/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The engine's {@link ItemReader}: holds a reference on the item while its value is read out. Not threadsafe.
 */
final class ItemReaderImpl implements ItemReader
{
    private final Engine engine;
    private final ItemStore store;
    private final ValueAdapters.ByteBufferSink byteBufferSink = new ValueAdapters.ByteBufferSink();
    private final ValueAdapters.DirectBufferSink directBufferSink = new ValueAdapters.DirectBufferSink();
    private int ref;
    private int state;
    private int length;
    private int position;
    private boolean open;

    ItemReaderImpl(final Engine engine)
    {
        this.engine = engine;
        this.store = engine.store;
    }

    public int open(final ByteBuffer key, final FetchOptions options, final ItemInfo info, final ByteBuffer inline)
    {
        checkClosed();
        if (inline != null)
        {
            Engine.checkWritable(inline);
        }
        final ThreadContext ctx = engine.loadKey(key);
        final ValueAdapters.ValueSink sink = inline == null ? null : ctx.adapters.byteBufferSink.wrap(inline);
        try
        {
            return store.fetch(ctx, options, sink, info != null ? info : ctx.scratchInfo, this);
        }
        finally
        {
            ctx.adapters.byteBufferSink.clear();
        }
    }

    public int open(
        final DirectBuffer key, final int keyOffset, final int keyLength, final FetchOptions options,
        final ItemInfo info, final MutableDirectBuffer inline, final int inlineOffset)
    {
        checkClosed();
        if (inline != null)
        {
            Engine.checkDestinationOffset(inlineOffset, inline.capacity());
        }
        final ThreadContext ctx = engine.loadKey(key, keyOffset, keyLength);
        final ValueAdapters.ValueSink sink =
            inline == null ? null : ctx.adapters.directBufferSink.wrap(inline, inlineOffset);
        try
        {
            return store.fetch(ctx, options, sink, info != null ? info : ctx.scratchInfo, this);
        }
        finally
        {
            ctx.adapters.directBufferSink.clear();
        }
    }

    private void checkClosed()
    {
        if (open)
        {
            throw new IllegalStateException("the previous value is still open: close() it first");
        }
    }

    void pinned(final int ref, final int state, final int length)
    {
        this.ref = ref;
        this.state = state;
        this.length = length;
        this.position = 0;
        this.open = true;
    }

    public boolean isOpen()
    {
        return open;
    }

    public int remaining()
    {
        return open ? length - position : 0;
    }

    public int read(final ByteBuffer dst)
    {
        Engine.checkWritable(dst);
        checkCacheOpen();
        final int n = Math.min(remaining(), dst.remaining());
        if (n > 0)
        {
            store.copyOut(store.region(ref), ItemDescriptor.offset(ref), state, position, n,
                byteBufferSink.wrap(dst), 0);
            byteBufferSink.complete(n);
            byteBufferSink.clear();
            position += n;
        }
        return n;
    }

    public int read(final MutableDirectBuffer dst, final int offset, final int length)
    {
        if (length < 0)
        {
            throw new IllegalArgumentException("length must not be negative: " + length);
        }
        checkCacheOpen();
        final int n = Math.min(remaining(), length);
        if (!dst.isExpandable())
        {
            Engine.checkRange(offset, n, dst.capacity());
        }
        else if (offset < 0)
        {
            // an expandable buffer grows to take what is copied: only where it starts can be wrong
            throw new IndexOutOfBoundsException("offset must not be negative: " + offset);
        }
        if (n > 0)
        {
            store.copyOut(store.region(ref), ItemDescriptor.offset(ref), state, position, n,
                directBufferSink.wrap(dst, offset), 0);
            directBufferSink.clear();
            position += n;
        }
        return n;
    }

    public void close()
    {
        if (open)
        {
            open = false;
            // a closed cache's memory is gone, and the reference with it: nothing to give back
            if (!engine.isClosed())
            {
                store.release(ref);
            }
        }
    }

    /**
     * The item's memory is the cache's: once the cache is closed, nothing may be read from it.
     */
    private void checkCacheOpen()
    {
        if (open)
        {
            engine.checkOpen();
        }
    }
}
