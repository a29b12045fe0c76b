/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Item size limits, large chained values, out-of-memory behaviour and bad input.
 */
class LimitsTest extends CacheTestSupport
{
    private static byte[] random(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void shouldAcceptExactlyTheLargestValueMemcachedAccepts()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.STORED, cache.set("k", new byte[1048516]));
        assertEquals(StoreResult.TOO_LARGE, cache.set("b", new byte[1048517]));
        assertEquals(StoreResult.STORED, cache.set("c", new byte[1048512], 1, 0));
        assertEquals(StoreResult.TOO_LARGE, cache.set("d", new byte[1048513], 1, 0));
        assertEquals(StoreResult.STORED, cache.set("ef", new byte[1048515]));
        assertEquals(StoreResult.TOO_LARGE, cache.set("gh", new byte[1048516]));
        assertEquals(1048516, cache.get("k").length);
        assertEquals(3, cache.stats().get("store_too_large"));
        assertEquals(3, cache.stats().get("cmd_set"));
        // as memcached's binary protocol: refused, and not counted
        assertEquals(StoreResult.TOO_LARGE, cache.store(bytes("gh"), java.nio.ByteBuffer.wrap(new byte[1048516]), 0,
            0, new StoreOptions().countFailure(false), null));
        assertEquals(3, cache.stats().get("store_too_large"));
    }

    @Test
    void shouldGiveEverySlabClassOnePageAtStartWhenPreallocatingAsMemcachedDoes()
    {
        final int classes = SlabClassTable.compute(48, 1.25, 512 * 1024, 1 << 20, null).largest();
        assertEquals(39, classes, "memcached's default geometry");
        final MemcachedCache cache = cache(builder().memoryLimit((long)classes << 20).preallocate(true));
        assertEquals(classes, cache.stats().activeSlabs());
        assertEquals((long)classes << 20, cache.stats().totalMalloced());
        assertEquals(0, cache.stats().get("slab_global_page_pool"));
        // all memory went to the classes: the class of these items keeps its one page and evicts, as memcached's does
        final int count = 30_000;
        for (int i = 0; i < count; i++)
        {
            assertEquals(StoreResult.STORED, cache.set(String.format("key:%010d", i), new byte[100]));
        }
        final long items = cache.stats().get("curr_items");
        assertTrue(items < count / 2, () -> items + " items kept");
        assertEquals(count - items, cache.stats().get("evictions"));
        assertEquals((long)classes << 20, cache.stats().totalMalloced());
        // a limit of fewer pages than classes is refused with memcached's message
        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> builder().memoryLimit((long)(classes - 1) << 20).preallocate(true).build());
        assertEquals("Error while preallocating slab memory!\nIf using -L or other prealloc options, max memory " +
            "must be at least 39 megabytes.", refused.getMessage());
    }

    @Test
    void shouldAcceptEightMoreBytesWithoutCas()
    {
        final MemcachedCache cache = cache(builder().casEnabled(false));
        assertEquals(StoreResult.STORED, cache.set("k", new byte[1048524]));
        assertEquals(StoreResult.TOO_LARGE, cache.set("k", new byte[1048525]));
    }

    @Test
    void shouldRemoveTheOldValueWhenASetIsTooLarge()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("old"));
        assertEquals(StoreResult.TOO_LARGE, cache.set("k", new byte[2 << 20]));
        assertNull(cache.get("k"));
        cache.set("k", b("old"));
        assertEquals(StoreResult.TOO_LARGE, cache.store(StoreMode.ADD, "k", new byte[2 << 20], 0, 0, 0));
        assertEquals(StoreResult.TOO_LARGE, cache.store(StoreMode.APPEND, "k", new byte[2 << 20], 0, 0, 0));
        assertEquals("old", string(cache.get("k")));
    }

    @Test
    void shouldChainItemsLargerThanTheLargestChunk()
    {
        final MemcachedCache cache = cache();
        final byte[] value = random(700_000, 1);
        assertEquals(StoreResult.STORED, cache.set("big", value, 3, 0));
        assertArrayEquals(value, cache.get("big"));
        final ByteBuffer direct = ByteBuffer.allocateDirect(value.length);
        assertEquals(value.length, cache.get(bytes("big"), direct));
        direct.flip();
        final byte[] copy = new byte[value.length];
        direct.get(copy);
        assertArrayEquals(value, copy);
        assertEquals(StoreResult.STORED, cache.store(StoreMode.APPEND, "big", b("tail"), 0, 0, 0));
        final byte[] appended = cache.get("big");
        assertEquals(value.length + 4, appended.length);
        assertEquals("tail", new String(appended, value.length, 4, java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(cache.delete("big"));
    }

    @Test
    void shouldRefuseToIncrementAValueMemcachedWouldHaveChunked()
    {
        final MemcachedCache cache = cache();
        // memcached chunks an item over slab_chunk_max (512 KiB here) by its own size: 60 bytes around a value of a
        // one-byte key with CAS; the numbers it then refuses are still whole items here, with a smaller header
        final int limit = 512 * 1024 - 60;
        for (final int length : new int[] {limit - 1, limit, limit + 1, limit + 2})
        {
            final byte[] value = new byte[length];
            java.util.Arrays.fill(value, (byte)' ');
            value[0] = '9';
            assertEquals(StoreResult.STORED, cache.set("n", value));
            boolean numeric = true;
            try
            {
                assertEquals(10, cache.incr("n", 1).getAsLong());
            }
            catch (final NonNumericValueException ex)
            {
                numeric = false;
            }
            assertEquals(length <= limit, numeric, "value of " + length + " bytes");
        }
    }

    @Test
    void shouldStoreANineMebibyteValueWithTenMebibyteItems()
    {
        final MemcachedCache cache = cache(builder().itemSizeMax(10 << 20).memoryLimit(64L << 20));
        final byte[] value = random(9 << 20, 2);
        assertEquals(StoreResult.STORED, cache.set("nine", value, 0, 0));
        assertArrayEquals(value, cache.get("nine"));
        assertEquals(StoreResult.TOO_LARGE, cache.set("eleven", new byte[11 << 20], 0, 0));
    }

    @Test
    void shouldStreamAValueInAndOutInPieces()
    {
        final MemcachedCache cache = cache(builder().itemSizeMax(10 << 20).memoryLimit(64L << 20));
        final byte[] value = random(9 << 20, 3);
        final ItemWriter writer = cache.newWriter();
        assertTrue(writer.begin(bytes("streamed"), 5, 0, value.length, new StoreOptions()));
        for (int i = 0; i < value.length; i += 1000)
        {
            writer.write(value, i, Math.min(1000, value.length - i));
        }
        assertEquals(0, writer.remaining());
        assertEquals(StoreResult.STORED, writer.commit(null));
        try (ItemReader reader = cache.newReader())
        {
            final ItemInfo info = new ItemInfo();
            assertEquals(value.length, reader.open(bytes("streamed"), new FetchOptions(), info, null));
            assertEquals(5, info.flags());
            final ByteBuffer piece = ByteBuffer.allocate(4096);
            final ByteBuffer all = ByteBuffer.allocate(value.length);
            cache.delete("streamed");
            while (reader.remaining() > 0)
            {
                piece.clear();
                reader.read(piece);
                piece.flip();
                all.put(piece);
            }
            assertArrayEquals(value, all.array());
        }
        assertNull(cache.get("streamed"));
    }

    @Test
    void shouldCountDiscardedBadDataAsASetAndStoreNothing()
    {
        final MemcachedCache cache = cache();
        final ItemWriter writer = cache.newWriter();
        assertTrue(writer.begin(bytes("k"), 0, 0, 3, new StoreOptions()));
        writer.write(b("abc"), 0, 3);
        writer.discardBadData();
        assertNull(cache.get("k"));
        assertEquals(1, cache.stats().get("cmd_set"));
        assertTrue(writer.begin(bytes("k"), 0, 0, 3, new StoreOptions()));
        writer.abort();
        assertEquals(1, cache.stats().get("cmd_set"));
        assertThrows(IllegalArgumentException.class, () -> writer.begin(bytes("k"), 0, 0, -1, new StoreOptions()));
        assertFalse(writer.active());
    }

    @Test
    void shouldFailStoresInsteadOfEvictingWithEvictionsDisabled()
    {
        final MemcachedCache cache = cache(builder().evictionsEnabled(false).memoryLimit(2L << 20)
            .slabReassign(false));
        final byte[] value = new byte[1000];
        int stored = 0;
        StoreResult last = StoreResult.STORED;
        while (last == StoreResult.STORED && stored < 100_000)
        {
            last = cache.set("key" + stored, value, 0, 0);
            stored++;
        }
        assertEquals(StoreResult.NO_MEMORY, last);
        assertEquals(0, cache.stats().get("evictions"));
        assertEquals(1, cache.stats().get("store_no_memory"));
        assertArrayEquals(value, cache.get("key0"));
        assertEquals(1, cache.stats().slabClass(12).get("outofmemory"));
    }

    @Test
    void shouldEvictFromTheTailWhenFull()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20));
        final byte[] value = new byte[1000];
        for (int i = 0; i < 5000; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("key" + i, value, 0, 0));
        }
        final CacheStats stats = cache.stats();
        assertTrue(stats.get("evictions") > 0);
        assertNull(cache.get("key0"));
        assertArrayEquals(value, cache.get("key4999"));
        assertTrue(stats.totalMalloced() <= 2L << 20);
    }

    @Test
    void shouldRefuseMoreMemoryThanTheJvmAllowsAndNameTheFix()
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(DirectMemory.pagesCountAsDirectMemory());
        final long tooMuch = DirectMemory.maxDirectMemory() + (1L << 30);
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> builder().memoryLimit(tooMuch).build());
        assertTrue(error.getMessage().contains("-XX:MaxDirectMemorySize"), error.getMessage());
    }

    @Test
    void shouldValidateSettingsWithMemcachedsMessages()
    {
        assertEquals("Item max size cannot be less than 1024 bytes.",
            assertThrows(IllegalArgumentException.class, () -> builder().itemSizeMax(1000).config()).getMessage());
        assertEquals("Cannot set item size limit higher than 1/2 of memory max.",
            assertThrows(IllegalArgumentException.class,
                () -> builder().itemSizeMax(40 << 20).memoryLimit(64L << 20).config()).getMessage());
        assertEquals("slab_chunk_max (bytes: 524288) cannot be larger than -I (item_size_max 102400)",
            assertThrows(IllegalArgumentException.class, () -> builder().itemSizeMax(100 << 10).config())
                .getMessage());
        assertEquals("-I (item_size_max: 614400) must be evenly divisible by slab_chunk_max (bytes: 524288)",
            assertThrows(IllegalArgumentException.class, () -> builder().itemSizeMax(600 << 10).config())
                .getMessage());
        assertEquals("Factor must be greater than 1",
            assertThrows(IllegalArgumentException.class, () -> builder().growthFactor(1.0).config()).getMessage());
        assertEquals("hot_lru_pct + warm_lru_pct cannot be more than 80% combined",
            assertThrows(IllegalArgumentException.class, () -> builder().hotLruPct(50).warmLruPct(40).config())
                .getMessage());
        assertEquals("temporary_ttl requires lru_maintainer to be enabled",
            assertThrows(IllegalArgumentException.class,
                () -> builder().lruMaintainer(false).temporaryTtl(61).config()).getMessage());
    }

    @Test
    void shouldRefuseSlabChunkMaxValuesNoStoreCouldWorkWith()
    {
        // 16 and 32 were accepted and made every store throw; -5 was taken as the default
        for (final int bytes : new int[]{16, 32, 512, 1023})
        {
            assertEquals("slab_chunk_max (bytes: " + bytes + ") must be at least 1024 bytes (memcached takes it in " +
                "kilobytes)", assertThrows(IllegalArgumentException.class,
                () -> builder().slabChunkMax(bytes).config()).getMessage());
        }
        assertEquals("slab_chunk_max must be >= 0",
            assertThrows(IllegalArgumentException.class, () -> builder().slabChunkMax(-5).config()).getMessage());
        assertEquals("slab_chunk_max (bytes: 3072) must divide evenly into 1048576 (slab_page_size)",
            assertThrows(IllegalArgumentException.class,
                () -> builder().slabChunkMax(3072).itemSizeMax(3 << 20).config()).getMessage());
        assertEquals("slab_automove_window must be at most " + SlabRebalancer.MAX_WINDOW,
            assertThrows(IllegalArgumentException.class,
                () -> builder().slabAutomoveWindow(Integer.MAX_VALUE).config()).getMessage());

        // the smallest chunk memcached allows works, longest key included
        final MemcachedCache cache = cache(builder().slabChunkMax(1024));
        final byte[] key = new byte[250];
        java.util.Arrays.fill(key, (byte)'k');
        for (final int length : new int[]{0, 1, 100, 1000, 5000, 100_000})
        {
            final byte[] value = random(length, length);
            assertEquals(StoreResult.STORED, cache.set(key, value, 0, 0), "value of " + length + " bytes");
            assertArrayEquals(value, cache.get(key), "value of " + length + " bytes");
        }
    }
}
