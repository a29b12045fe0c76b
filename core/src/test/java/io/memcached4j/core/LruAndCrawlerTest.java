/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The segmented LRU, the maintainer, the crawler and the administrative commands.
 */
class LruAndCrawlerTest extends CacheTestSupport
{
    private static long item(final MemcachedCache cache, final int cls, final String field)
    {
        final CacheStats.SlabClassStats stats = cache.stats().slabClass(cls);
        return stats == null ? 0 : stats.get(field);
    }

    private static int classOf(final MemcachedCache cache, final String key)
    {
        final ItemInfo info = new ItemInfo();
        assertTrue(cache.inspect(bytes(key), info));
        return info.slabClass();
    }

    @Test
    void shouldLinkNewItemsIntoHotOrColdInFlatMode()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("v"));
        final int cls = classOf(cache, "a");
        assertEquals(1, item(cache, cls, "number_hot"));
        assertTrue(cache.admin().lruMode(false));
        cache.set("b", b("v"));
        assertEquals(1, item(cache, cls, "number_cold"));
        assertEquals(2, item(cache, cls, "number"));
    }

    @Test
    void shouldMarkItemsFetchedThenActive()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("v"));
        final ItemInfo info = new ItemInfo();
        cache.get("a");
        cache.inspect(bytes("a"), info);
        assertTrue(info.fetchedBefore());
        final Engine engine = (Engine)cache;
        final HashIndex.Stripe stripe = engine.index.stripe(engine.loadKey(b("a")).hash);
        final ThreadContext ctx = engine.loadKey(b("a"));
        final int ref = engine.store.find(stripe, ctx.hash, ctx.key, 0, ctx.keyLength);
        final Region r = engine.store.region(ref);
        final int o = ItemDescriptor.offset(ref);
        assertEquals(0, r.getIntVolatile(o + ItemDescriptor.STATE_OFFSET) & ItemDescriptor.ACTIVE);
        cache.get("a");
        assertEquals(ItemDescriptor.ACTIVE, r.getIntVolatile(o + ItemDescriptor.STATE_OFFSET) & ItemDescriptor.ACTIVE);
    }

    @Test
    void shouldMoveHotOverflowToColdAndActiveColdItemsToWarm()
    {
        final MemcachedCache cache = cache();
        for (int i = 0; i < 1000; i++)
        {
            cache.set("k" + i, b("value"));
        }
        final int cls = classOf(cache, "k0");
        for (int i = 0; i < 2000; i++)
        {
            background(cache, 1);
            clock.advanceNanos(2_000_000L);
        }
        assertTrue(item(cache, cls, "moves_to_cold") > 0);
        assertTrue(item(cache, cls, "number_cold") > 0);
        assertTrue(item(cache, cls, "number_hot") <= 1000 * 0.2 + 1);
        cache.get("k0");
        cache.get("k0");
        clock.advanceNanos(2_000_000_000L);
        background(cache, 5);
        assertTrue(item(cache, cls, "moves_to_warm") >= 1);
        assertTrue(item(cache, cls, "number_warm") >= 1);
        assertTrue(cache.stats().get("lru_maintainer_juggles") > 0);
    }

    @Test
    void shouldUseTheTempLruForShortTtls()
    {
        final MemcachedCache cache = cache(builder().temporaryTtl(61));
        cache.set("short", b("v"), 0, 30);
        cache.set("long", b("v"), 0, 3600);
        final int cls = classOf(cache, "short");
        assertEquals(1, item(cache, cls, "number_temp"));
        assertEquals(1, item(cache, cls, "number_hot"));
        assertTrue(cache.admin().lruTempTtl(-1));
        cache.set("short2", b("v"), 0, 30);
        assertEquals(2, item(cache, cls, "number_hot"));
    }

    @Test
    void shouldEvictColdItemsBeforeActiveOnes()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20));
        final byte[] value = new byte[500];
        cache.set("keep", value, 0, 0);
        for (int i = 0; i < 20_000; i++)
        {
            cache.set("filler" + i, value, 0, 0);
            if (i % 100 == 0)
            {
                cache.get("keep");
                cache.get("keep");
                background(cache, 1);
                clock.advanceNanos(10_000_000L);
            }
        }
        assertNotNull(cache.get("keep"));
        assertTrue(cache.stats().get("evictions") > 0);
        assertTrue(cache.stats().get("evicted_unfetched") > 0);
    }

    @Test
    void shouldReclaimExpiredItemsWithTheCrawler()
    {
        final MemcachedCache cache = cache();
        for (int i = 0; i < 100; i++)
        {
            cache.set("exp" + i, b("v"), 0, 10);
            cache.set("keep" + i, b("v"), 0, 0);
        }
        clock.advance(11);
        assertEquals(CrawlResult.OK, cache.admin().lruCrawlerCrawl(null));
        assertEquals(CrawlResult.BUSY, cache.admin().lruCrawlerCrawl(new int[]{1}));
        backgroundUntilIdle(cache);
        final CacheStats stats = cache.stats();
        assertEquals(100, stats.get("crawler_reclaimed"));
        assertEquals(100, stats.get("curr_items"));
        assertEquals(200, stats.get("crawler_items_checked"));
        assertEquals(100, stats.get("expired_unfetched"));
        assertEquals(1, stats.get("lru_crawler_starts"));
        assertEquals(CrawlResult.BADCLASS, cache.admin().lruCrawlerCrawl(new int[]{64}));
        cache.admin().lruCrawlerEnabled(false);
        assertEquals(CrawlResult.ERROR, cache.admin().lruCrawlerCrawl(null));
        assertThrows(IllegalArgumentException.class, () -> cache.admin().lruCrawlerSleep(2_000_000));
    }

    @Test
    void shouldScheduleAutoexpireCrawls()
    {
        final MemcachedCache cache = cache(builder().lruSegmented(false));
        for (int i = 0; i < 50; i++)
        {
            cache.set("exp" + i, b("v"), 0, 5);
        }
        for (int second = 0; second < 30; second++)
        {
            clock.advance(1);
            background(cache, 50);
        }
        final CacheStats stats = cache.stats();
        assertEquals(50, stats.get("crawler_reclaimed"));
        assertEquals(0, stats.get("curr_items"));
        assertTrue(stats.get("lru_crawler_starts") >= 2);
    }

    @Test
    void shouldReclaimExpiredItemsInTheBackgroundWithTheSegmentedLru()
    {
        final MemcachedCache cache = cache();
        for (int i = 0; i < 50; i++)
        {
            cache.set("exp" + i, b("v"), 0, 5);
        }
        for (int second = 0; second < 30; second++)
        {
            clock.advance(1);
            background(cache, 50);
        }
        final CacheStats stats = cache.stats();
        assertEquals(0, stats.get("curr_items"));
        assertEquals(50, stats.get("reclaimed") + stats.get("crawler_reclaimed"));
    }

    /**
     * A sink that collects keys.
     */
    private static final class Collector implements CrawlSink
    {
        final List<String> keys = new ArrayList<>();
        boolean finished;

        public boolean ready()
        {
            return true;
        }

        public boolean alive()
        {
            return true;
        }

        public void item(final byte[] key, final int keyLength, final ItemInfo info)
        {
            keys.add(new String(key, 0, keyLength, StandardCharsets.UTF_8) + ":" + info.valueLength());
        }

        public void finished()
        {
            finished = true;
        }
    }

    @Test
    void shouldDumpLiveItemsByLruAndByHash()
    {
        final MemcachedCache cache = cache();
        for (int i = 0; i < 300; i++)
        {
            cache.set("k" + i, new byte[i], 0, i % 3 == 0 ? 5 : 0);
        }
        clock.advance(6);
        for (final boolean hash : new boolean[]{false, true})
        {
            final Collector sink = new Collector();
            assertEquals(CrawlResult.OK, cache.admin().lruCrawlerDump(null, hash, false, sink));
            while (!sink.finished)
            {
                background(cache, 1);
            }
            assertEquals(200, sink.keys.size());
            final Set<String> unique = new HashSet<>(sink.keys);
            assertEquals(200, unique.size());
            assertTrue(unique.contains("k1:1"));
            assertFalse(unique.contains("k3:3"));
        }
    }

    @Test
    void shouldDumpTheColdLruHeadWithCachedump()
    {
        final MemcachedCache cache = cache(builder().lruSegmented(false));
        cache.set("a", b("1"), 0, 0);
        cache.set("b", b("22"), 0, 100);
        final List<String> lines = new ArrayList<>();
        cache.admin().cachedump(classOf(cache, "a"), 0,
            (key, length, valueLength, expiresAt) -> lines.add(new String(key, 0, length, StandardCharsets.UTF_8) +
                " " + valueLength + " " + expiresAt));
        assertEquals(List.of("b 2 " + (clock.unixTime() + 100), "a 1 0"), lines);
    }

    @Test
    void shouldReassignPagesOnRequest()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20));
        final CacheAdmin admin = cache.admin();
        for (int i = 0; i < 30_000; i++)
        {
            cache.set("s" + i, new byte[100], 0, 0);
        }
        final int small = classOf(cache, "s29999");
        assertEquals(CacheAdmin.ReassignResult.SAME, admin.slabsReassign(small, small));
        assertEquals(CacheAdmin.ReassignResult.BADCLASS, admin.slabsReassign(small, 70));
        assertEquals(CacheAdmin.ReassignResult.NOSPARE, admin.slabsReassign(small + 1, small));
        final long pages = item(cache, small, "total_pages");
        assertEquals(CacheAdmin.ReassignResult.OK, admin.slabsReassign(small, 0));
        backgroundUntilIdle(cache);
        assertEquals(pages - 1, item(cache, small, "total_pages"));
        assertEquals(1, cache.stats().get("slab_global_page_pool"));
        assertEquals(1, cache.stats().get("slabs_moved"));
        cache.set("big", new byte[5000], 0, 0);
        assertEquals(0, cache.stats().get("slab_global_page_pool"));
        final MemcachedCache noReassign = cache(builder().slabReassign(false));
        assertEquals(CacheAdmin.ReassignResult.DISABLED, noReassign.admin().slabsReassign(1, 2));
    }

    @Test
    void shouldValidateLruTuningWithMemcachedsMessages()
    {
        final CacheAdmin admin = cache().admin();
        assertEquals("hot and warm pcts must not exceed 80",
            assertThrows(IllegalArgumentException.class, () -> admin.lruTune(50, 40, 0.2, 2)).getMessage());
        assertEquals("hot/warm age factors must be greater than 0",
            assertThrows(IllegalArgumentException.class, () -> admin.lruTune(20, 40, 0, 2)).getMessage());
        admin.lruTune(10, 30, 0.1, 1.5);
        assertFalse(cache(builder().lruMaintainer(false)).admin().lruMode(false));
        // memcached's "<= 0" lets NaN and infinities through (lru tune 10 10 nan inf answers OK on 1.6.39)
        assertThrows(IllegalArgumentException.class,
            () -> admin.lruTune(10, 10, Double.NEGATIVE_INFINITY, 2));
        admin.lruTune(10, 10, Double.NaN, Double.POSITIVE_INFINITY);
        assertTrue(Double.isNaN(admin.tunables().hotMaxFactor()));
        assertTrue(Double.isNaN(cache(builder().hotMaxFactor(Double.NaN)).admin().tunables().hotMaxFactor()));
    }

    /**
     * memcached's ages are computed in double and stored in a 32-bit unsigned {@code rel_time_t}; on x86-64 a NaN,
     * an infinity or a number beyond 64 bits becomes 0, anything else keeps the low 32 bits of its truncation.
     */
    @Test
    void shouldConvertAnAgeLimitAsMemcachedsCompilerDoes()
    {
        assertEquals(0, LruMaintainer.relTime(Double.NaN));
        assertEquals(0, LruMaintainer.relTime(Double.POSITIVE_INFINITY));
        assertEquals(0, LruMaintainer.relTime(1e19));
        assertEquals(0, LruMaintainer.relTime(4294967296.5));
        assertEquals((int)5_000_000_000L, LruMaintainer.relTime(5e9));
        assertEquals(120, LruMaintainer.relTime(120.9));
        assertEquals(-1, LruMaintainer.relTime(4294967295.0));
    }

    @Test
    void shouldStopGrowingWhenTheMemoryLimitIsLowered()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(16L << 20));
        assertTrue(cache.admin().adjustMemoryLimit(8L << 20));
        for (int i = 0; i < 100_000; i++)
        {
            cache.set("k" + i, new byte[200], 0, 0);
        }
        assertTrue(cache.stats().totalMalloced() <= 8L << 20);
        assertEquals(8L << 20, cache.stats().get("limit_maxbytes"));
        assertFalse(cache(builder().memoryLimit(64L << 20).preallocate(true)).admin().adjustMemoryLimit(4L << 20));
        assertNull(cache.get("k0"));
    }

    /**
     * What the engine reports of its background work, in memcached's LRU numbering and order: walks start in
     * memcached's order and take one step at a time in it, classes that do not exist are walked too, and reclaimed
     * items come with memcached's item flags.
     */
    @Test
    void shouldTraceTheCrawlersWorkAsMemcachedPrintsIt()
    {
        final List<String> events = new ArrayList<>();
        final EngineTrace trace = new EngineTrace()
        {
            @Override
            public void slabClasses(final String table)
            {
                events.add(table.startsWith("slab class   1: chunk size ") ? "table" : table);
            }

            @Override
            public void crawlerStarted()
            {
                events.add("crawler started");
            }

            @Override
            public void crawlerStopping()
            {
                events.add("crawler stopping");
            }

            @Override
            public void maintainerStarted()
            {
                events.add("maintainer started");
            }

            @Override
            public void maintainerStopping()
            {
                events.add("maintainer stopping");
            }

            @Override
            public void crawlStarted(final int lruId)
            {
                events.add("kick " + lruId);
            }

            @Override
            public void crawlFinished(final int lruId)
            {
                events.add("done " + lruId);
            }

            @Override
            public void crawlerIdle()
            {
                events.add("idle");
            }

            @Override
            public void expiredReclaimed(final int itemFlags, final int lruId, final byte[] key, final int keyLength)
            {
                events.add("expired " + itemFlags + " " + lruId + " " + new String(key, 0, keyLength,
                    StandardCharsets.US_ASCII));
            }
        };
        // no maintainer to trace, but segments kept, so that the items wait in HOT for the crawler
        final MemcachedCache cache = cache(builder().trace(trace).lruMaintainer(false).lruSegmented(true));
        assertEquals(List.of("table", "crawler started"), events);
        cache.set("a", b("v"), 5, 10);
        cache.set("b", b("v"), 0, 10);
        cache.get("b");
        assertEquals(1, classOf(cache, "a"));
        events.clear();
        clock.advance(11);
        assertEquals(CrawlResult.OK, cache.admin().lruCrawlerCrawl(new int[]{1}));
        assertEquals(List.of("kick 1", "kick 65", "kick 129", "kick 193"), events);
        events.clear();
        backgroundUntilIdle(cache);
        // one step of each walk at a time, the oldest item first: client flags (256), fetched (8), linked and CAS
        assertEquals(List.of("expired 259 1 a", "done 65", "done 129", "done 193", "expired 11 1 b", "done 1", "idle"),
            events);
        events.clear();
        assertEquals(CrawlResult.OK, cache.admin().lruCrawlerCrawl(new int[]{60}), "memcached crawls it: OK");
        backgroundUntilIdle(cache);
        assertEquals(List.of("kick 60", "kick 124", "kick 188", "kick 252", "done 60", "done 124", "done 188",
            "done 252", "idle"), events);
        events.clear();
        cache.admin().lruCrawlerEnabled(false);
        cache.admin().lruCrawlerEnabled(false);
        cache.admin().lruCrawlerEnabled(true);
        assertEquals(List.of("idle", "crawler stopping", "crawler started"), events);

        events.clear();
        final MemcachedCache withMaintainer = cache(builder().trace(trace).casEnabled(false));
        withMaintainer.admin().stopBackgroundWork();
        assertEquals(List.of("table", "crawler started", "maintainer started", "idle", "crawler stopping",
            "maintainer stopping"), events);
    }
}
