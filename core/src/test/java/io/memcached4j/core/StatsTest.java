/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Every counter memcached reports, moved by the operation that moves it in memcached. Fields that cannot move on
 * this engine are checked to be the documented constant.
 */
class StatsTest extends CacheTestSupport
{
    private static final List<String> GENERAL = List.of("cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "get_hits",
        "get_misses", "get_expired", "get_flushed", "delete_misses", "delete_hits", "incr_misses", "incr_hits",
        "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval", "touch_hits", "touch_misses",
        "store_too_large", "store_no_memory", "limit_maxbytes", "hash_power_level", "hash_bytes", "hash_is_expanding",
        "slab_reassign_rescues", "slab_reassign_chunk_rescues", "slab_reassign_inline_reclaim",
        "slab_reassign_busy_items", "slab_reassign_busy_deletes", "slab_reassign_busy_nomem", "slab_reassign_running",
        "slabs_moved", "lru_crawler_running", "lru_crawler_starts", "lru_maintainer_juggles", "malloc_fails", "bytes",
        "curr_items", "total_items", "slab_global_page_pool", "expired_unfetched", "evicted_unfetched",
        "evicted_active", "evictions", "reclaimed", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked",
        "moves_to_cold", "moves_to_warm", "moves_within_lru", "direct_reclaims", "lru_bumps_dropped");

    /**
     * Store 20,000 items of 100 bytes, {@code s0} to {@code s19999}: three pages of one class.
     */
    private static void fillWithSmallItems(final MemcachedCache cache)
    {
        for (int i = 0; i < 20_000; i++)
        {
            cache.set("s" + i, new byte[100], 0, 0);
        }
    }

    /**
     * Fill the class of 100-byte values, then delete every other item: the class has pages to spare.
     */
    private static void fillHalfOfAClass(final MemcachedCache cache)
    {
        fillWithSmallItems(cache);
        for (int i = 0; i < 20_000; i += 2)
        {
            cache.delete("s" + i);
        }
    }

    @Test
    void shouldReportMemcachedsFieldsInMemcachedsOrder()
    {
        final CacheStats stats = cache().stats();
        assertEquals(GENERAL, List.copyOf(stats.general().keySet()));
        assertEquals(64L << 20, stats.get("limit_maxbytes"));
        assertEquals(16, stats.get("hash_power_level"));
        assertEquals(524288, stats.get("hash_bytes"));
    }

    @Test
    void shouldReportSlabAndItemFieldsPerClass()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"));
        final CacheStats.SlabClassStats c = cache.stats().slabClass(1);
        assertEquals(List.of("chunk_size", "chunks_per_page", "total_pages", "total_chunks", "used_chunks",
            "free_chunks", "free_chunks_end", "get_hits", "cmd_set", "delete_hits", "incr_hits", "decr_hits",
            "cas_hits", "cas_badval", "touch_hits"), List.copyOf(c.slabs().keySet()));
        assertEquals(List.of("number", "number_hot", "number_warm", "number_cold", "age_hot", "age_warm", "age",
            "mem_requested", "evicted", "evicted_nonzero", "evicted_time", "outofmemory", "tailrepairs", "reclaimed",
            "expired_unfetched", "evicted_unfetched", "evicted_active", "crawler_reclaimed", "crawler_items_checked",
            "lrutail_reflocked", "moves_to_cold", "moves_to_warm", "moves_within_lru", "direct_reclaims",
            "hits_to_hot", "hits_to_warm", "hits_to_cold", "hits_to_temp"), List.copyOf(c.items().keySet()));
        assertEquals(96, c.get("chunk_size"));
        assertEquals(10922, c.get("chunks_per_page"));
        assertEquals(1, c.get("total_pages"));
        assertEquals(10922, c.get("total_chunks"));
        assertEquals(1, c.get("used_chunks"));
        assertEquals(10921, c.get("free_chunks"));
        assertEquals(0, c.get("free_chunks_end"));
        assertEquals(1, cache.stats().activeSlabs());
        assertEquals(1 << 20, cache.stats().totalMalloced());
    }

    @Test
    void shouldCountGetsHitsMissesAndBytes()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("abc"), 5, 0);
        cache.get("k");
        cache.get("k");
        cache.get("x");
        final CacheStats stats = cache.stats();
        assertEquals(3, stats.get("cmd_get"));
        assertEquals(2, stats.get("get_hits"));
        assertEquals(1, stats.get("get_misses"));
        assertEquals(1, stats.get("cmd_set"));
        assertEquals(1, stats.get("curr_items"));
        assertEquals(1, stats.get("total_items"));
        assertEquals(ItemDescriptor.itemSize(8, 5, 1, 3), stats.get("bytes"));
        assertEquals(2, stats.slabClass(1).get("get_hits"));
        assertEquals(2, stats.slabClass(1).get("hits_to_hot"));
        assertEquals(stats.get("bytes"), stats.slabClass(1).get("mem_requested"));
    }

    @Test
    void shouldCountPerClassHits()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("5"));
        cache.incr("n", 1);
        cache.decr("n", 1);
        cache.touch("n", 0);
        final long cas = cache.getEntry("n").cas();
        cache.store(StoreMode.CAS, "n", b("7"), 0, 0, cas + 100);
        cache.store(StoreMode.CAS, "n", b("7"), 0, 0, cas);
        cache.delete("n");
        final CacheStats.SlabClassStats c = cache.stats().slabClass(1);
        assertEquals(1, c.get("incr_hits"));
        assertEquals(1, c.get("decr_hits"));
        assertEquals(1, c.get("touch_hits"));
        assertEquals(1, c.get("cas_badval"));
        assertEquals(1, c.get("cas_hits"));
        assertEquals(1, c.get("delete_hits"));
        assertEquals(3, c.get("cmd_set"));
    }

    @Test
    void shouldCountExpiredAndFlushedFinds()
    {
        final MemcachedCache cache = cache();
        cache.set("e", b("v"), 0, 1);
        cache.set("f", b("v"), 0, 0);
        // two seconds later, so that the flush leaves e and f to be found (it unlinks the items of its second)
        clock.advance(2);
        cache.flushAll();
        clock.advance(2);
        cache.set("g", b("v"), 0, 1);
        clock.advance(1);
        cache.get("e");
        cache.get("f");
        cache.get("g");
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("cmd_flush"));
        assertEquals(2, stats.get("get_flushed"));
        assertEquals(1, stats.get("get_expired"));
        assertEquals(3, stats.get("get_misses"));
    }

    @Test
    void shouldCountStoreFailures()
    {
        final MemcachedCache cache = cache(builder().evictionsEnabled(false).memoryLimit(2L << 20));
        cache.set("big", new byte[2 << 20]);
        int i = 0;
        while (cache.set("k" + i, new byte[1000], 0, 0) == StoreResult.STORED)
        {
            i++;
        }
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("store_too_large"));
        assertEquals(1, stats.get("store_no_memory"));
        assertEquals(1, stats.slabClass(12).get("outofmemory"));
        assertEquals(0, stats.get("evictions"));
        assertTrue(stats.slabClass(12).get("direct_reclaims") > 0);
    }

    @Test
    void shouldCountEvictionsByKind()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20).slabReassign(false));
        for (int i = 0; i < 3000; i++)
        {
            cache.set("k" + i, new byte[1000], 0, i % 2 == 0 ? 0 : 1000);
        }
        final CacheStats stats = cache.stats();
        final CacheStats.SlabClassStats c = stats.slabClass(12);
        assertTrue(stats.get("evictions") > 0);
        assertEquals(stats.get("evictions"), c.get("evicted"));
        assertTrue(c.get("evicted_nonzero") > 0 && c.get("evicted_nonzero") < c.get("evicted"));
        assertEquals(stats.get("evictions"), stats.get("evicted_unfetched"));
        assertEquals(0, stats.get("evicted_active"));
        assertTrue(stats.get("moves_to_cold") > 0);
        assertTrue(stats.get("direct_reclaims") > 0);
        assertTrue(c.get("evicted_time") >= 0);
    }

    @Test
    void shouldCountActiveItemsEvictedFromCold()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20).slabReassign(false));
        int i = 0;
        while (cache.stats().get("evictions") == 0)
        {
            cache.set("k" + i++, new byte[1000], 0, 0);
        }
        backgroundRounds(cache, 20, 2_000_000L);
        int oldest = 0;
        final ItemInfo info = new ItemInfo();
        while (!cache.inspect(bytes("k" + oldest), info))
        {
            oldest++;
        }
        assertEquals(ItemDescriptor.COLD_LRU, info.lru);
        cache.get("k" + oldest);
        cache.get("k" + oldest);
        for (int n = 0; n < 1000; n++)
        {
            cache.set("k" + i++, new byte[1000], 0, 0);
        }
        assertNull(cache.get("k" + oldest));
        assertEquals(1, cache.stats().get("evicted_active"));
    }

    @Test
    void shouldCountReclaimedExpiredItemsAtTheTail()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20).slabReassign(false));
        for (int i = 0; i < 1500; i++)
        {
            cache.set("k" + i, new byte[1000], 0, 5);
        }
        clock.advance(10);
        for (int i = 0; i < 1500; i++)
        {
            cache.set("n" + i, new byte[1000], 0, 0);
        }
        final CacheStats stats = cache.stats();
        assertTrue(stats.get("reclaimed") > 0, "reclaimed");
        assertTrue(stats.get("expired_unfetched") > 0, "expired_unfetched");
    }

    @Test
    void shouldCountActiveEvictionsAndLruMoves()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20).slabReassign(false));
        for (int i = 0; i < 1500; i++)
        {
            cache.set("k" + i, new byte[1000], 0, 0);
            cache.get("k" + i);
            cache.get("k" + i);
        }
        backgroundRounds(cache, 2000, 2_000_000L);
        assertTrue(cache.stats().get("moves_to_warm") > 0, "moves_to_warm");
        for (int i = 0; i < 1500; i++)
        {
            cache.get("k" + i);
        }
        backgroundRounds(cache, 2000, 2_000_000L);
        final CacheStats stats = cache.stats();
        assertTrue(stats.get("moves_within_lru") > 0, "moves_within_lru");
        assertTrue(stats.get("lru_maintainer_juggles") > 0);
        assertTrue(stats.slabClass(12).get("number_warm") > 0);
        assertTrue(stats.slabClass(12).get("hits_to_hot") > 0);
    }

    @Test
    void shouldCountHitsPerSegmentAndAges()
    {
        final MemcachedCache cache = cache(builder().lruSegmented(false));
        cache.set("k", b("v"));
        clock.advance(5);
        cache.get("k");
        final CacheStats.SlabClassStats c = cache.stats().slabClass(1);
        assertEquals(1, c.get("hits_to_cold"));
        assertEquals(5, c.get("age"));
        assertEquals(1, c.get("number_cold"));
    }

    @Test
    void shouldCountDroppedBumpsWhenNothingDrainsThem()
    {
        final MemcachedCache cache = cache(builder().lruSegmented(false));
        for (int i = 0; i < 2000; i++)
        {
            cache.set("k" + i, b("v"));
        }
        assertTrue(cache.admin().lruMode(true));
        for (int i = 0; i < 2000; i++)
        {
            cache.get("k" + i);
            cache.get("k" + i);
        }
        final CacheStats stats = cache.stats();
        assertEquals(2000 - ThreadContext.BUMP_CAPACITY, stats.get("lru_bumps_dropped"));
    }

    @Test
    void shouldCountTailItemsHeldByReaders()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20).slabReassign(false).lruSegmented(false)
            .tailRepairTime(10));
        cache.set("held", new byte[1000], 0, 0);
        try (ItemReader reader = cache.newReader())
        {
            assertEquals(1000, reader.open(bytes("held"), new FetchOptions().bump(false), null, null));
            for (int i = 0; i < 1000; i++)
            {
                cache.set("k" + i, new byte[1000], 0, 0);
            }
            assertTrue(cache.stats().get("lrutail_reflocked") > 0);
            clock.advance(20);
            for (int i = 0; i < 3000; i++)
            {
                cache.set("k" + i, new byte[1000], 0, 0);
            }
            assertTrue(cache.stats().slabClass(12).get("tailrepairs") > 0);
            final ByteBuffer dst = ByteBuffer.allocate(1000);
            assertEquals(1000, reader.read(dst));
        }
        assertNull(cache.get("held"));
    }

    @Test
    void shouldCountPageMoves()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20));
        fillHalfOfAClass(cache);
        final long totalBefore = cache.stats().get("total_items");
        clock.advance(100);
        assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(3, 0));
        assertEquals(1, cache.stats().get("slab_reassign_running"));
        backgroundUntilIdle(cache);
        final CacheStats stats = cache.stats();
        assertEquals(0, stats.get("slab_reassign_running"));
        assertEquals(1, stats.get("slabs_moved"));
        final long rescues = stats.get("slab_reassign_rescues");
        assertTrue(rescues > 0);
        assertEquals(0, stats.get("slab_reassign_busy_nomem"));
        assertEquals(10_000, stats.get("curr_items"));
        assertEquals(1, stats.get("slab_global_page_pool"));
        // memcached links each rescued copy as a new item: total_items counts it, and its time is the move's
        assertEquals(totalBefore + rescues, stats.get("total_items"));
        final ItemInfo info = new ItemInfo();
        int moved = 0;
        for (int i = 1; i < 20_000; i += 2)
        {
            assertTrue(cache.fetch(bytes("s" + i), new FetchOptions().bump(false), null, info) >= 0);
            moved += info.secondsSinceAccess() == 0 ? 1 : 0;
        }
        assertEquals(rescues, moved);
    }

    @Test
    void shouldCheckAPageMoveRequestInMemcachedsOrder()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20));
        final CacheAdmin admin = cache.admin();
        // nothing stored: no class has a spare page
        assertEquals(CacheAdmin.ReassignResult.SAME, admin.slabsReassign(-1, -1));
        assertEquals(CacheAdmin.ReassignResult.SAME, admin.slabsReassign(0, 0));
        assertEquals(CacheAdmin.ReassignResult.BADCLASS, admin.slabsReassign(-1, 1));
        assertEquals(CacheAdmin.ReassignResult.BADCLASS, admin.slabsReassign(-2, 1));
        assertEquals(CacheAdmin.ReassignResult.BADCLASS, admin.slabsReassign(1, 65));
        assertEquals(CacheAdmin.ReassignResult.BADCLASS, admin.slabsReassign(65, 1));
        // ids up to 64 pass memcached's bounds; the source then has no spare page
        assertEquals(CacheAdmin.ReassignResult.NOSPARE, admin.slabsReassign(64, 1));
        assertEquals(CacheAdmin.ReassignResult.NOSPARE, admin.slabsReassign(1, 50));
        assertEquals(CacheAdmin.ReassignResult.NOSPARE, admin.slabsReassign(0, 1));
        fillHalfOfAClass(cache);
        // a valid request while a page moves is refused as busy; one that fails the checks gets its error
        assertEquals(CacheAdmin.ReassignResult.OK, admin.slabsReassign(3, 0));
        assertEquals(CacheAdmin.ReassignResult.BUSY, admin.slabsReassign(3, 0));
        assertEquals(CacheAdmin.ReassignResult.SAME, admin.slabsReassign(3, 3));
        assertEquals(CacheAdmin.ReassignResult.NOSPARE, admin.slabsReassign(2, 0));
        // a class of no size cannot take the page memcached would give it
        assertEquals(CacheAdmin.ReassignResult.BADCLASS, admin.slabsReassign(3, 60));
        backgroundUntilIdle(cache);
        assertEquals(1, cache.stats().get("slab_global_page_pool"));
    }

    @Test
    void shouldGiveAPageOfTheGlobalPoolToAClass()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20));
        final CacheAdmin admin = cache.admin();
        fillHalfOfAClass(cache);
        for (int moves = 1; moves <= 2; moves++)
        {
            assertEquals(CacheAdmin.ReassignResult.OK, admin.slabsReassign(3, 0));
            backgroundUntilIdle(cache);
            assertEquals(moves, cache.stats().get("slab_global_page_pool"));
            if (moves == 1)
            {
                // memcached's rule for every source: two pages or more
                assertEquals(CacheAdmin.ReassignResult.NOSPARE, admin.slabsReassign(0, 5));
            }
        }
        assertNull(cache.stats().slabClass(5), "class 5 has no page yet");
        assertEquals(CacheAdmin.ReassignResult.OK, admin.slabsReassign(0, 5));
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("slab_global_page_pool"));
        assertEquals(1, stats.slabClass(5).get("total_pages"));
        assertEquals(stats.slabClass(5).get("total_chunks"), stats.slabClass(5).get("free_chunks"));
        assertEquals(3, stats.get("slabs_moved"));
        assertEquals(0, stats.get("slab_reassign_running"));
    }

    @Test
    void shouldEvictFromTheColdTailToMakeRoomForAPageBeingMoved()
    {
        // the class has no free chunk: as memcached 1.6.39 does for `slabs reassign`, the mover evicts the least
        // recently used items of the class to rescue the page's items, instead of dropping them
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20));
        fillWithSmallItems(cache);
        backgroundUntilIdle(cache);
        final int perPage = (int)cache.stats().slabClass(3).get("chunks_per_page");
        // fetched after the others, so that the last items of the first page are no longer the oldest
        for (int i = perPage - 100; i < perPage; i++)
        {
            assertNotNull(cache.get("s" + i));
        }
        backgroundUntilIdle(cache);
        try (ItemReader reader = cache.newReader())
        {
            assertEquals(100, reader.open(bytes("s0"), new FetchOptions(), null, null));
            assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(3, 0));
            backgroundRounds(cache, 10, 1_000_000L);
            final CacheStats stats = cache.stats();
            assertTrue(stats.get("slab_reassign_busy_items") > 0);
            // the held item is not chained, so it is copied out rather than deleted
            assertEquals(0, stats.get("slab_reassign_busy_deletes"));
        }
        backgroundUntilIdle(cache);
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("slabs_moved"));
        // as in memcached: the newest items of the page are copied into the free chunks there were, then the mover
        // evicts from the tail, the oldest items of the page itself, whose chunks are then free where they are
        assertTrue(stats.get("slab_reassign_rescues") > 0);
        assertTrue(stats.get("slab_reassign_inline_reclaim") > 0);
        assertTrue(stats.get("slab_reassign_rescues") + stats.get("slab_reassign_inline_reclaim") <= perPage,
            "no item is copied out and then evicted: " + stats);
        // every item lost was evicted from the LRU's tail, and counted there
        assertEquals(20_000 - stats.get("curr_items"), stats.get("evictions"));
        assertEquals(stats.get("evictions"), stats.slabClass(3).get("evicted"));
        // the recently fetched items of the moved page survive it; the oldest items do not
        for (int i = perPage - 100; i < perPage; i++)
        {
            assertNotNull(cache.get("s" + i), "s" + i);
        }
        assertNull(cache.get("s1"));
    }

    @Test
    void shouldWaitForMemoryWhenAPageMoveMayNotEvict()
    {
        // with -M nothing may be evicted: items of the moving page that find no free chunk wait, none is dropped
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20).evictionsEnabled(false));
        fillWithSmallItems(cache);
        final long used = cache.stats().slabClass(3).get("used_chunks");
        final long total = cache.stats().slabClass(3).get("total_chunks");
        assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(3, 0));
        backgroundRounds(cache, 10, 1_000_000L);
        CacheStats stats = cache.stats();
        assertTrue(stats.get("slab_reassign_busy_nomem") > 0);
        assertEquals(1, stats.get("slab_reassign_running"));
        assertEquals(20_000, stats.get("curr_items"));
        assertEquals(0, stats.get("evictions"));
        new StructureWalker(cache).check();
        // room for the rest of the page: the move completes and every remaining item is still there
        final int room = (int)(cache.stats().slabClass(3).get("chunks_per_page") - (total - used));
        for (int i = 20_000 - room; i < 20_000; i++)
        {
            assertTrue(cache.delete("s" + i));
        }
        backgroundUntilIdle(cache);
        stats = cache.stats();
        assertEquals(1, stats.get("slabs_moved"));
        assertEquals(0, stats.get("slab_reassign_running"));
        assertEquals(20_000 - room, stats.get("curr_items"));
        assertEquals(0, stats.get("evictions"));
        for (int i = 0; i < 20_000 - room; i++)
        {
            assertNotNull(cache.get("s" + i), "s" + i);
        }
    }

    @Test
    void shouldCopyAnItemAReaderHoldsOutOfAMovingPage()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20));
        final byte[] held = new byte[100];
        java.util.Arrays.fill(held, (byte)'h');
        cache.set("s0", held, 0, 0);
        for (int i = 1; i < 20_000; i++)
        {
            cache.set("s" + i, new byte[100], 0, 0);
        }
        for (int i = 1; i < 20_000; i += 2)
        {
            cache.delete("s" + i);
        }
        try (ItemReader reader = cache.newReader())
        {
            assertEquals(100, reader.open(bytes("s0"), new FetchOptions(), null, null));
            assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(3, 0));
            backgroundRounds(cache, 20, 1_000_000L);
            // memcached 1.6.39 copies such an item: the copy serves everyone else, the reader keeps its own
            CacheStats stats = cache.stats();
            assertTrue(stats.get("slab_reassign_busy_items") > 0);
            assertEquals(0, stats.get("slab_reassign_busy_deletes"));
            assertEquals(1, stats.get("slab_reassign_running"));
            assertArrayEquals(held, cache.get("s0"));
            final ByteBuffer dst = ByteBuffer.allocate(100);
            assertEquals(100, reader.read(dst));
            assertArrayEquals(held, dst.array());
        }
        backgroundUntilIdle(cache);
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("slabs_moved"));
        assertEquals(0, stats.get("slab_reassign_busy_deletes"));
        assertEquals(0, stats.get("evictions"));
        assertEquals(10_000, stats.get("curr_items"));
        assertArrayEquals(held, cache.get("s0"));
    }

    @Test
    void shouldRestBetweenPassesThatFindTheSameItemsBusy() throws InterruptedException
    {
        // the background thread of its own, on the system clock: a reader holds an item of the page being moved
        final MemcachedCache cache = cache(MemcachedCache.builder().memoryLimit(8L << 20));
        fillWithSmallItems(cache);
        try (ItemReader reader = cache.newReader())
        {
            assertEquals(100, reader.open(bytes("s0"), new FetchOptions(), null, null));
            assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(3, 0));
            // once the rest of the page is emptied (and the LRU maintainer has settled), only the held item is busy
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long rescues = -1;
            while (rescues != cache.stats().get("slab_reassign_rescues") && System.nanoTime() < deadline)
            {
                rescues = cache.stats().get("slab_reassign_rescues");
                Thread.sleep(200);
            }
            final long before = cache.stats().get("slab_reassign_busy_items");
            Thread.sleep(500);
            // memcached's mover backs off up to 1 ms between busy loops; so does this one, about 500 passes here
            final long busy = cache.stats().get("slab_reassign_busy_items") - before;
            System.out.println("busy items counted in 500 ms: " + busy);
            assertTrue(busy > 0 && busy < 2_000, "busy items counted in 500 ms: " + busy);
        }
    }

    @Test
    void shouldDeleteAChainedItemAReaderHoldsInAMovingPage()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(16L << 20));
        for (int i = 0; i < 12; i++)
        {
            cache.set("big" + i, new byte[600_000], 0, 0);
        }
        for (int i = 0; i < 12; i += 2)
        {
            cache.delete("big" + i);
        }
        final List<ItemReader> readers = new java.util.ArrayList<>();
        try
        {
            for (int i = 1; i < 12; i += 2)
            {
                final ItemReader reader = cache.newReader();
                readers.add(reader);
                assertEquals(600_000, reader.open(bytes("big" + i), new FetchOptions(), null, null));
            }
            final int largest = ((Engine)cache).slabs.largest();
            assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(largest, 0));
            for (int i = 0; i < 20 && cache.stats().get("slab_reassign_busy_deletes") == 0; i++)
            {
                background(cache, 1);
                clock.advanceNanos(1_000_000L);
            }
            // a chained item cannot be copied while read (nor in memcached 1.6.39): after some passes it goes
            assertTrue(cache.stats().get("slab_reassign_busy_deletes") > 0);
        }
        finally
        {
            readers.forEach(ItemReader::close);
        }
        backgroundUntilIdle(cache);
        assertEquals(1, cache.stats().get("slabs_moved"));
    }

    @Test
    void shouldCountChunkRescues()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(16L << 20));
        for (int i = 0; i < 12; i++)
        {
            cache.set("big" + i, new byte[600_000], 0, 0);
        }
        for (int i = 0; i < 12; i += 2)
        {
            cache.delete("big" + i);
        }
        final int largest = ((Engine)cache).slabs.largest();
        assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(largest, 0));
        backgroundUntilIdle(cache);
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("slabs_moved"));
        assertTrue(stats.get("slab_reassign_chunk_rescues") > 0);
        for (int i = 1; i < 12; i += 2)
        {
            assertNotNull(cache.get("big" + i));
        }
    }

    @Test
    void shouldCountCrawlerWork()
    {
        final MemcachedCache cache = cache();
        cache.set("e", b("v"), 0, 1);
        clock.advance(2);
        assertEquals(CrawlResult.OK, cache.admin().lruCrawlerCrawl(null));
        assertEquals(1, cache.stats().get("lru_crawler_running"));
        backgroundUntilIdle(cache);
        final CacheStats stats = cache.stats();
        assertEquals(0, stats.get("lru_crawler_running"));
        assertEquals(1, stats.get("lru_crawler_starts"));
        assertEquals(1, stats.get("crawler_reclaimed"));
        assertEquals(1, stats.get("crawler_items_checked"));
    }

    @Test
    void shouldTrackSizesWhenAsked()
    {
        assertNull(cache().stats().sizes());
        final MemcachedCache cache = cache(builder().trackSizes(true));
        cache.set("a", new byte[10]);
        cache.set("b", new byte[100]);
        cache.set("c", new byte[100]);
        cache.set("d", new byte[3000], 7, 0);
        // memcached's item size: 48-byte header, 8 of CAS, key and NUL, value and CRLF, 4 for non-zero flags
        assertEquals(java.util.Map.of(96, 1L, 160, 2L, 3072, 1L), cache.stats().sizes());
        cache.delete("c");
        assertEquals(java.util.Map.of(96, 1L, 160, 1L, 3072, 1L), cache.stats().sizes());
        // memcached's histogram reaches the -I in force where it reads track_sizes: larger items are not counted
        final MemcachedCache bounded = cache(builder().itemSizeMax(2 << 20).memoryLimit(64L << 20)
            .trackSizes(1 << 20));
        bounded.set("small", new byte[100]);
        bounded.set("large", new byte[1_500_000]);
        assertEquals(java.util.Map.of(192, 1L), bounded.stats().sizes());
        final MemcachedCache whole = cache(builder().itemSizeMax(2 << 20).memoryLimit(64L << 20).trackSizes(true));
        whole.set("large", new byte[1_500_000]);
        assertEquals(1, whole.stats().sizes().size());
    }

    @Test
    void shouldGrowTheIndexWithTheItemsAndTraceEachNewPowerLevel()
    {
        final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        final MemcachedCache cache = cache(builder().trace(new EngineTrace()
        {
            @Override
            public void hashExpansionStarting()
            {
                events.add("starting");
            }

            @Override
            public void hashExpansionDone()
            {
                events.add("done");
            }
        }));
        long level = cache.stats().get("hash_power_level");
        int expansions = 0;
        for (int i = 0; i < 300_000; i++)
        {
            cache.set("k" + i, b("v"));
            if (i % 1000 == 999)
            {
                final long now = cache.stats().get("hash_power_level");
                expansions += (int)(now - level);
                level = now;
                assertEquals(2 * expansions, events.size(), "one starting and one done per level, at item " + i);
            }
        }
        final CacheStats stats = cache.stats();
        assertEquals(18, stats.get("hash_power_level"), "2^18 slots and more hold 300,000 items at most 85% full");
        assertEquals(2, expansions);
        assertEquals(List.of("starting", "done", "starting", "done"), events);
        assertTrue(stats.get("hash_bytes") >= 8L << 18);
        assertEquals(0, stats.get("hash_is_expanding"));
    }

    @Test
    void shouldReportTheConstantsOfThisEngine()
    {
        final CacheStats stats = cache().stats();
        // a page that the JVM refuses to allocate
        assertEquals(0, stats.get("malloc_fails"));
    }

    @Test
    void shouldResetCountersButNotLevels()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"));
        cache.get("k");
        cache.get("x");
        cache.delete("y");
        cache.resetStats();
        CacheStats stats = cache.stats();
        assertEquals(0, stats.get("cmd_get"));
        assertEquals(0, stats.get("get_hits"));
        assertEquals(0, stats.get("get_misses"));
        assertEquals(0, stats.get("cmd_set"));
        assertEquals(0, stats.get("delete_misses"));
        assertEquals(0, stats.get("total_items"));
        assertEquals(0, stats.slabClass(1).get("get_hits"));
        assertEquals(1, stats.get("curr_items"));
        assertEquals(1, stats.slabClass(1).get("number"));
        cache.get("k");
        stats = cache.stats();
        assertEquals(1, stats.get("cmd_get"));
        assertEquals(1, stats.slabClass(1).get("get_hits"));
    }

    @Test
    void shouldKeepTheCountsOfThreadsThatEnded() throws InterruptedException
    {
        final MemcachedCache cache = cache();
        final Thread t = new Thread(() ->
        {
            cache.set("k", b("v"));
            cache.get("k");
        });
        t.start();
        t.join();
        cache.get("other");
        final Thread u = new Thread(() -> cache.get("k"));
        u.start();
        u.join();
        final CacheStats stats = cache.stats();
        assertEquals(3, stats.get("cmd_get"));
        assertEquals(2, stats.get("get_hits"));
    }
}
