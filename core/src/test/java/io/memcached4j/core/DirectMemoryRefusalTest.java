/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The JVM refuses direct memory before the memory limit is reached ({@code -XX:MaxDirectMemorySize}, shared with the
 * rest of the application). Each refusal costs the JDK's wait for the garbage collector, so the engine must not ask
 * again on every set: it goes on as a cache at its limit does, and asks again only when the limit is set again.
 */
class DirectMemoryRefusalTest extends CacheTestSupport
{
    /**
     * Slab pages from the JVM until a budget is spent, then refusals as {@code ByteBuffer.allocateDirect} refuses.
     */
    private static final class BudgetArena extends DirectMemory.PageArena
    {
        private final DirectMemory.PageArena pages = DirectMemory.newPageArena();
        final AtomicInteger budget;
        final AtomicInteger calls = new AtomicInteger();

        BudgetArena(final int budget)
        {
            this.budget = new AtomicInteger(budget);
        }

        ByteBuffer allocate(final int size)
        {
            calls.incrementAndGet();
            if (budget.getAndDecrement() <= 0)
            {
                throw new OutOfMemoryError("Cannot reserve " + size + " bytes of direct buffer memory");
            }
            return pages.allocate(size);
        }

        void close(final boolean free)
        {
            pages.close(free);
        }
    }

    private static final class Refusals implements EngineTrace
    {
        final List<String> seen = new ArrayList<>();

        public synchronized void directMemoryRefused(final String what, final long bytes)
        {
            seen.add(what + " " + bytes);
        }
    }

    @Test
    void shouldReadTheMachinesMemoryAndSwap() throws Exception
    {
        final java.nio.file.Path meminfo = java.nio.file.Files.createTempFile("meminfo", "");
        try
        {
            java.nio.file.Files.writeString(meminfo,
                "MemTotal:       24576000 kB\nMemFree:        1000 kB\nSwapTotal:       1024 kB\n");
            assertEquals((24576000L + 1024) * 1024, DirectMemory.machineMemory(meminfo));
            java.nio.file.Files.writeString(meminfo, "MemTotal:       24576000 kB\n");
            assertEquals(-1, DirectMemory.machineMemory(meminfo));
        }
        finally
        {
            java.nio.file.Files.delete(meminfo);
        }
    }

    @Test
    void shouldRefuseAnInitialIndexLargerThanTheMachineAsMemcachedsAllocationFails()
    {
        // -o hashpower=32 is 32 GiB of table: zeroing it on a smaller machine would end in the out-of-memory killer
        final long machine = DirectMemory.machineMemory();
        org.junit.jupiter.api.Assumptions.assumeTrue(machine > 0 && machine < (8L << 32));
        final IllegalStateException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> MemcachedCache.builder().hashPowerInit(32).build());
        assertEquals("Failed to init hashtable.", ex.getMessage());
    }

    @Test
    void shouldEvictAsAtTheLimitOnceTheJvmRefusesAPage()
    {
        final Refusals refusals = new Refusals();
        final BudgetArena arena = new BudgetArena(4);
        final MemcachedCache cache = walked(new Engine(builder().memoryLimit(64L << 20).trace(refusals).config(),
            arena, DirectMemory::allocate));
        final byte[] value = new byte[100];
        int n = 0;
        while (cache.stats().get("evictions") == 0)
        {
            for (int i = 0; i < 1_000; i++)
            {
                assertEquals(StoreResult.STORED, cache.set("key:" + n++, value));
            }
            assertTrue(n < 1_000_000, "the cache should start to evict");
        }
        for (int i = 0; i < 20_000; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("more:" + i, value));
        }
        assertEquals(5, arena.calls.get(), "four pages, and one refusal not asked again");
        assertEquals(4, cache.stats().totalMalloced() / ItemDescriptor.PAGE_SIZE);
        assertEquals(1, cache.stats().get("malloc_fails"));
        assertEquals(List.of("slab page " + ItemDescriptor.PAGE_SIZE), refusals.seen);
        assertEquals(64L << 20, cache.stats().get("limit_maxbytes"), "the configured limit is still reported");

        // with -M the same cache would answer out of memory instead; here: the limit set again, memory again
        arena.budget.set(2);
        assertTrue(cache.admin().adjustMemoryLimit(64L << 20));
        for (int i = 0; i < 20_000; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("again:" + i, value));
        }
        assertEquals(8, arena.calls.get(), "two more pages, and one more refusal");
        assertEquals(6, cache.stats().totalMalloced() / ItemDescriptor.PAGE_SIZE);
        assertEquals(2, refusals.seen.size());
    }

    @Test
    void shouldRefuseStoresWithoutEvictionsOnceTheJvmRefusesAPage()
    {
        final BudgetArena arena = new BudgetArena(2);
        final MemcachedCache cache = walked(new Engine(
            builder().memoryLimit(64L << 20).evictionsEnabled(false).config(), arena, DirectMemory::allocate));
        final byte[] value = new byte[100];
        int stored = 0;
        for (int i = 0; i < 30_000; i++)
        {
            if (cache.set("key:" + i, value) == StoreResult.STORED)
            {
                stored++;
            }
        }
        assertTrue(stored > 0 && stored < 30_000, "stored " + stored);
        assertEquals(3, arena.calls.get());
        assertEquals(30_000 - stored, cache.stats().get("store_no_memory"));
    }

    /**
     * Without evictions, a stripe that is full and cannot grow refuses a new key as the cache refuses an item it has
     * no memory for, instead of evicting to make room; keys already stored are still overwritten.
     */
    @Test
    void shouldRefuseNewKeysWithoutEvictionsWhenAStripeIsFullAndCannotGrow()
    {
        final AtomicInteger budget = new AtomicInteger(256);
        final MemcachedCache cache = walked(new Engine(
            builder().memoryLimit(64L << 20).hashPowerInit(12).evictionsEnabled(false).config(),
            DirectMemory.newPageArena(), size ->
            {
                if (budget.getAndDecrement() <= 0)
                {
                    throw new OutOfMemoryError("Cannot reserve " + size + " bytes of direct buffer memory");
                }
                return ByteBuffer.allocateDirect(size);
            }));
        final byte[] value = new byte[10];
        final int keys = 20_000;
        int stored = 0;
        for (int i = 0; i < keys; i++)
        {
            final StoreResult result = cache.set("key:" + i, value);
            assertTrue(result == StoreResult.STORED || result == StoreResult.NO_MEMORY, result::toString);
            stored += result == StoreResult.STORED ? 1 : 0;
        }
        assertTrue(stored < keys, "stored " + stored);
        assertEquals(0, cache.stats().get("evictions"));
        assertEquals(stored, cache.stats().get("curr_items"));
        assertEquals(keys - stored, cache.stats().get("store_no_memory"));
        final byte[] other = new byte[12];
        int refusedKey = -1;
        for (int i = 0; i < keys; i++)
        {
            if (cache.get("key:" + i) == null)
            {
                refusedKey = i;
                // a refused key stays refused, by every path that would add it
                assertEquals(StoreResult.NO_MEMORY, cache.add(bytes("key:" + i), ByteBuffer.wrap(value), 0, 0));
                assertEquals(DeltaResult.NO_MEMORY, cache.arithmetic(
                    bytes("key:" + i), new ArithmeticOptions().vivify(0, 5), new ItemInfo()));
                assertEquals(null, cache.get("key:" + i));
            }
            else
            {
                assertEquals(StoreResult.STORED, cache.set("key:" + i, other));
                assertEquals(other.length, cache.get("key:" + i).length);
            }
        }
        assertTrue(refusedKey >= 0);
        assertEquals(stored, cache.stats().get("curr_items"));
        assertEquals(0, cache.stats().get("evictions"));
    }

    /**
     * The index lives outside the memory limit and grows with the item count: a growth the JVM refuses leaves the
     * stripe on its table, and sets go on.
     */
    @Test
    void shouldKeepTheIndexWorkingWhenTheJvmRefusesABiggerTable()
    {
        final Refusals refusals = new Refusals();
        final AtomicInteger tables = new AtomicInteger();
        final AtomicInteger budget = new AtomicInteger(256 + 8);
        final MemcachedCache cache = walked(new Engine(
            builder().memoryLimit(64L << 20).hashPowerInit(12).trace(refusals).config(),
            DirectMemory.newPageArena(), size ->
            {
                tables.incrementAndGet();
                if (budget.getAndDecrement() <= 0)
                {
                    throw new OutOfMemoryError("Cannot reserve " + size + " bytes of direct buffer memory");
                }
                return ByteBuffer.allocateDirect(size);
            }));
        final Engine engine = (Engine)cache;
        final byte[] value = new byte[10];
        final int keys = 20_000;
        for (int i = 0; i < keys; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("key:" + i, value));
        }
        assertEquals(256 + 8 + 1, tables.get(), "the first stripes grow, then one refusal, not asked again");
        assertTrue(engine.index.growthStopped());
        assertEquals(List.of("hash table " + 24 * Long.BYTES), refusals.seen);
        // stripes that could not grow stopped at their full load, by evicting
        final long items = cache.stats().get("curr_items");
        assertTrue(items < keys, "items " + items);
        assertEquals(keys - items, cache.stats().get("evictions"));
        new StructureWalker(cache).check();
        int found = 0;
        for (int i = 0; i < keys; i++)
        {
            final byte[] got = cache.get("key:" + i);
            if (got != null)
            {
                assertEquals(value.length, got.length);
                found++;
            }
        }
        assertEquals(items, found);
        for (int i = 0; i < keys; i++)
        {
            cache.delete("key:" + i);
        }
        assertEquals(0, cache.stats().get("curr_items"));

        // the limit set again: the index may grow again
        budget.set(100_000);
        assertTrue(cache.admin().adjustMemoryLimit(64L << 20));
        assertFalse(engine.index.growthStopped());
        for (int i = 0; i < keys; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("key:" + i, value));
        }
        assertEquals(keys, cache.stats().get("curr_items"));
        assertEquals(keys - items, cache.stats().get("evictions"));
    }
}
