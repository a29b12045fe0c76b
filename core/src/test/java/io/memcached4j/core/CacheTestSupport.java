/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;

/**
 * Base for engine tests: builds caches on a {@link ManualClock} without background threads, and after each test
 * walks their structures and closes them.
 */
abstract class CacheTestSupport
{
    protected final ManualClock clock = new ManualClock();
    private final List<MemcachedCache> caches = new ArrayList<>();

    protected CacheBuilder builder()
    {
        return MemcachedCache.builder().clock(clock).backgroundThreads(false);
    }

    protected MemcachedCache cache(final CacheBuilder builder)
    {
        final MemcachedCache cache = builder.build();
        caches.add(cache);
        return cache;
    }

    protected MemcachedCache cache()
    {
        return cache(builder());
    }

    /**
     * Walk and close a cache built some other way after the test, as those from {@link #cache(CacheBuilder)}.
     */
    protected <T extends MemcachedCache> T walked(final T cache)
    {
        caches.add(cache);
        return cache;
    }

    @AfterEach
    void walkAndClose()
    {
        try
        {
            for (final MemcachedCache cache : caches)
            {
                new StructureWalker(cache).check();
            }
        }
        finally
        {
            for (final MemcachedCache cache : caches)
            {
                cache.close();
            }
            caches.clear();
        }
    }

    /**
     * Run the cache's background agents by hand.
     *
     * @return work done.
     */
    static int background(final MemcachedCache cache, final int rounds)
    {
        int work = 0;
        try
        {
            for (int i = 0; i < rounds; i++)
            {
                work += cache.backgroundWork().doWork();
            }
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
        return work;
    }

    /**
     * Run the background agents, a millisecond of the manual clock apart, until a round does no work.
     */
    void backgroundUntilIdle(final MemcachedCache cache)
    {
        while (background(cache, 1) > 0)
        {
            clock.advanceNanos(1_000_000L);
        }
    }

    /**
     * Run the background agents for a number of rounds, the manual clock moving between them.
     */
    void backgroundRounds(final MemcachedCache cache, final int rounds, final long nanosApart)
    {
        for (int i = 0; i < rounds; i++)
        {
            background(cache, 1);
            clock.advanceNanos(nanosApart);
        }
    }

    static ByteBuffer bytes(final String s)
    {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String string(final byte[] value)
    {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
