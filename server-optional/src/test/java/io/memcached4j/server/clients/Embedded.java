/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import io.memcached4j.core.FetchOptions;
import io.memcached4j.core.ManualClock;
import io.memcached4j.core.MemcachedCache;
import io.memcached4j.core.StoreMode;
import io.memcached4j.core.StoreResult;

/**
 * The embedded engine through its {@code byte[]} and {@link String} API, on a clock the scenarios move.
 */
final class Embedded implements Memcache
{
    private final ManualClock clock = new ManualClock();
    private final MemcachedCache cache = MemcachedCache.builder().clock(clock).build();
    private final FetchOptions touchOptions = new FetchOptions();

    public String name()
    {
        return "embedded";
    }

    public Set<Feature> features()
    {
        return EnumSet.allOf(Feature.class);
    }

    public boolean set(final String key, final byte[] value, final int exptime)
    {
        return stored(cache.set(key, value, 0, exptime));
    }

    public boolean add(final String key, final byte[] value, final int exptime)
    {
        return stored(cache.store(StoreMode.ADD, key, value, 0, exptime, 0));
    }

    public boolean replace(final String key, final byte[] value, final int exptime)
    {
        return stored(cache.store(StoreMode.REPLACE, key, value, 0, exptime, 0));
    }

    public boolean append(final String key, final byte[] value)
    {
        return stored(cache.store(StoreMode.APPEND, key, value, 0, 0, 0));
    }

    public boolean prepend(final String key, final byte[] value)
    {
        return stored(cache.store(StoreMode.PREPEND, key, value, 0, 0, 0));
    }

    public byte[] get(final String key)
    {
        return cache.get(key);
    }

    public Map<String, byte[]> getMulti(final List<String> keys)
    {
        final Map<String, byte[]> hits = new HashMap<>();
        for (final String key : keys)
        {
            final byte[] value = cache.get(key);
            if (value != null)
            {
                hits.put(key, value);
            }
        }
        return hits;
    }

    public Versioned gets(final String key)
    {
        final MemcachedCache.Entry entry = cache.getEntry(key);
        return entry == null ? null : new Versioned(entry.value(), entry.cas());
    }

    public CasOutcome cas(final String key, final byte[] value, final long cas)
    {
        final StoreResult result = cache.store(StoreMode.CAS, key, value, 0, 0, cas);
        return switch (result)
        {
            case STORED -> CasOutcome.STORED;
            case EXISTS -> CasOutcome.EXISTS;
            case NOT_FOUND -> CasOutcome.NOT_FOUND;
            default -> throw new IllegalStateException("cas: " + result);
        };
    }

    public boolean delete(final String key)
    {
        return cache.delete(key);
    }

    public Long incr(final String key, final long delta)
    {
        return boxed(cache.incr(key, delta));
    }

    public Long decr(final String key, final long delta)
    {
        return boxed(cache.decr(key, delta));
    }

    public boolean touch(final String key, final int exptime)
    {
        return cache.touch(key, exptime);
    }

    public byte[] gat(final String key, final int exptime)
    {
        final ByteBuffer value = ByteBuffer.allocate(cache.config().itemSizeMax());
        final int length;
        synchronized (touchOptions)
        {
            length = cache.fetch(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)),
                touchOptions.reset().touch(exptime), value, null);
        }
        if (length == MemcachedCache.MISS)
        {
            return null;
        }
        final byte[] bytes = new byte[length];
        value.flip().get(bytes);
        return bytes;
    }

    public void flushAll()
    {
        cache.flushAll();
    }

    public void awaitClock(final int seconds)
    {
        clock.advance(seconds);
    }

    public void close()
    {
        cache.close();
    }

    private static boolean stored(final StoreResult result)
    {
        return result == StoreResult.STORED;
    }

    private static Long boxed(final OptionalLong value)
    {
        return value.isPresent() ? value.getAsLong() : null;
    }
}
