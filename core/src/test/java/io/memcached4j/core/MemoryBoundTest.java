/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The memory limit, measured from outside the engine through the JVM's direct buffer pool: under a 64 MiB limit,
 * filling with values of several sizes, item memory never exceeds 64 MiB and the index stays within its documented
 * bound of {@value #INDEX_FLOOR} bytes plus {@value #INDEX_BYTES_PER_ITEM} bytes per item (tables outgrown by a
 * resize stay until the garbage collector returns them, so between collections the index may hold up to twice its
 * {@code hash_bytes}).
 */
class MemoryBoundTest extends CacheTestSupport
{
    /** The index's smallest size: 2^16 slots of 8 bytes, memcached's initial {@code hash_bytes}. */
    static final long INDEX_FLOOR = 512 * 1024;
    /** Bytes per item the index may use: 8-byte slots at a load that stays above 57%, with room for uneven stripes. */
    static final long INDEX_BYTES_PER_ITEM = 16;
    private static final long LIMIT = 64L << 20;
    static final long SLACK = 256 * 1024;

    static long directMemory()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }

    /**
     * Direct memory once the garbage collector has returned buffers nobody holds (outgrown index tables).
     */
    static long settledDirectMemory() throws InterruptedException
    {
        long last = -1;
        for (int i = 0; i < 20; i++)
        {
            System.gc();
            Thread.sleep(20);
            final long now = directMemory();
            if (now == last)
            {
                return now;
            }
            last = now;
        }
        return last;
    }

    @Test
    void shouldReturnItsMemoryWhenClosed() throws InterruptedException
    {
        Assumptions.assumeTrue(DirectMemory.pagesCountAsDirectMemory());
        final long before = settledDirectMemory();
        final MemcachedCache cache = builder().memoryLimit(LIMIT).build();
        for (int i = 0; i < 300_000; i++)
        {
            cache.set("key:" + i, new byte[100], 0, 0);
        }
        assertTrue(directMemory() - before >= 40L << 20, "the fill should take memory");
        cache.close();
        final long after = settledDirectMemory();
        assertTrue(after - before <= SLACK, "after close " + (after - before) + " bytes are still held");
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 1024, 100 * 1024})
    void shouldKeepItemMemoryWithinTheLimit(final int valueSize) throws InterruptedException
    {
        Assumptions.assumeTrue(DirectMemory.pagesCountAsDirectMemory());
        final long before = settledDirectMemory();
        final MemcachedCache cache = cache(builder().memoryLimit(LIMIT));
        final byte[] value = new byte[valueSize];
        final long items = 3 * LIMIT / valueSize;
        long maxOver = 0;
        for (long i = 0; i < items; i++)
        {
            cache.set(String.format("key:%010d", i), value, 0, 0);
            if (i % 20_000 == 0 || i == items - 1)
            {
                final long used = directMemory() - before;
                final long index = cache.stats().get("hash_bytes");
                // tables outgrown by a resize are returned by the next GC: until then the index may hold up to
                // its size again
                maxOver = Math.max(maxOver, used - LIMIT - 2 * index - SLACK);
            }
        }
        final CacheStats stats = cache.stats();
        final long used = settledDirectMemory() - before;
        final long curr = stats.get("curr_items");
        final long indexBytes = used - stats.totalMalloced();
        System.out.printf("value %d B: %d items, direct memory %d B, pages %d B, index %d B (hash_bytes %d)," +
            " %.1f index bytes per item%n", valueSize, curr, used, stats.totalMalloced(), indexBytes,
            stats.get("hash_bytes"), (double)indexBytes / curr);
        assertTrue(stats.get("evictions") > 0, "the fill should evict");
        assertTrue(stats.totalMalloced() <= LIMIT, "pages " + stats.totalMalloced());
        assertTrue(used <= LIMIT + INDEX_FLOOR + INDEX_BYTES_PER_ITEM * curr + SLACK,
            "direct memory " + used + " for " + curr + " items");
        assertTrue(indexBytes <= INDEX_FLOOR + INDEX_BYTES_PER_ITEM * curr + SLACK, "index " + indexBytes);
        assertTrue(maxOver <= 0, "item memory went " + maxOver + " bytes over the limit during the fill");
    }
}
