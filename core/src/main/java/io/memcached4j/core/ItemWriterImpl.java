/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;

/**
 * The engine's {@link ItemWriter}: the reserved item holds the writer's reference until it is committed or given
 * back. Not threadsafe.
 */
final class ItemWriterImpl implements ItemWriter
{
    private final Engine engine;
    private final ItemStore store;
    private final StoreOptions options = new StoreOptions();
    private final ValueAdapters.ByteBufferSource byteBufferSource = new ValueAdapters.ByteBufferSource();
    private final ValueAdapters.DirectBufferSource directBufferSource = new ValueAdapters.DirectBufferSource();
    private final ValueAdapters.ArraySource arraySource = new ValueAdapters.ArraySource();
    private int ref;
    private int state;
    private long hash;
    private int length;
    private int written;
    private boolean active;
    private StoreResult failure;

    ItemWriterImpl(final Engine engine)
    {
        this.engine = engine;
        this.store = engine.store;
    }

    public boolean begin(
        final ByteBuffer key, final int flags, final int exptime, final int valueLength,
        final StoreOptions storeOptions)
    {
        checkIdle(valueLength);
        return reserve(engine.loadKey(key), flags, exptime, valueLength, storeOptions);
    }

    public boolean begin(
        final DirectBuffer key, final int keyOffset, final int keyLength, final int flags, final int exptime,
        final int valueLength, final StoreOptions storeOptions)
    {
        checkIdle(valueLength);
        return reserve(engine.loadKey(key, keyOffset, keyLength), flags, exptime, valueLength, storeOptions);
    }

    private void checkIdle(final int valueLength)
    {
        if (active)
        {
            throw new IllegalStateException("an item is still being written: commit() or abort() it first");
        }
        if (valueLength < 0)
        {
            throw new IllegalArgumentException("value length must not be negative: " + valueLength);
        }
    }

    private boolean reserve(
        final ThreadContext ctx, final int flags, final int exptime, final int valueLength,
        final StoreOptions storeOptions)
    {
        options.copyFrom(storeOptions);
        final int reserved = engine.allocate(ctx, flags, exptime, valueLength, options);
        if (reserved < 0)
        {
            failure = reserved == ItemStore.ALLOC_TOO_LARGE ? StoreResult.TOO_LARGE : StoreResult.NO_MEMORY;
            return false;
        }
        failure = null;
        ref = reserved;
        state = store.region(ref).getIntVolatile(ItemDescriptor.offset(ref) + ItemDescriptor.STATE_OFFSET);
        hash = ctx.hash;
        length = valueLength;
        written = 0;
        active = true;
        return true;
    }

    public StoreResult failure()
    {
        return failure;
    }

    public boolean active()
    {
        return active;
    }

    public int remaining()
    {
        return active ? length - written : 0;
    }

    public int write(final ByteBuffer src)
    {
        checkCacheOpen();
        checkWriting();
        final int n = Math.min(remaining(), src.remaining());
        if (n > 0)
        {
            copy(byteBufferSource.wrap(src), n);
            byteBufferSource.clear();
            src.position(src.position() + n);
        }
        return n;
    }

    public int write(final DirectBuffer src, final int offset, final int length)
    {
        Engine.checkRange(offset, length, src.capacity());
        checkCacheOpen();
        checkWriting();
        final int n = Math.min(remaining(), length);
        if (n > 0)
        {
            copy(directBufferSource.wrap(src, offset, n), n);
            directBufferSource.clear();
        }
        return n;
    }

    public int write(final byte[] src, final int offset, final int length)
    {
        Engine.checkRange(offset, length, src.length);
        checkCacheOpen();
        checkWriting();
        final int n = Math.min(remaining(), length);
        if (n > 0)
        {
            copy(arraySource.wrap(src, offset, n), n);
            arraySource.clear();
        }
        return n;
    }

    /**
     * The reserved item's memory is the cache's: once the cache is closed, nothing may be written to it.
     */
    private void checkCacheOpen()
    {
        if (active)
        {
            engine.checkOpen();
        }
    }

    private void copy(final ValueAdapters.ValueSource source, final int n)
    {
        store.copyIn(store.region(ref), ItemDescriptor.offset(ref), state, written, n, source, 0);
        written += n;
    }

    public StoreResult commit(final ItemInfo info)
    {
        if (!active)
        {
            throw new IllegalStateException("no item is being written");
        }
        engine.checkOpen();
        if (written != length)
        {
            throw new IllegalStateException("the value is incomplete: " + written + " of " + length + " bytes");
        }
        active = false;
        return store.store(engine.context(), ref, hash, options, info);
    }

    public void discardBadData()
    {
        if (active)
        {
            engine.checkOpen();
            active = false;
            final Region r = store.region(ref);
            final int cls = store.lruClassOf(r, ItemDescriptor.offset(ref));
            engine.context().increment(Counters.classCounter(cls, Counters.SET_CMDS));
            store.release(ref);
        }
    }

    public void abort()
    {
        if (active)
        {
            active = false;
            // a closed cache's memory is gone, and the reservation with it: nothing to give back
            if (!engine.isClosed())
            {
                store.release(ref);
            }
        }
    }

    /**
     * A write with no value begun (never begun, refused, committed or aborted) would take nothing forever: a copy
     * loop that forgot to check {@link #begin}'s result must fail, as {@link #commit} does.
     */
    private void checkWriting()
    {
        if (!active)
        {
            throw new IllegalStateException("no value is being written: begin() was not called, refused the store, " +
                "or the value was committed or aborted");
        }
    }
}
