/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * memcached's expiry times and {@code flush_all}.
 */
class ExpiryTest extends CacheTestSupport
{
    @Test
    void shouldExpireWhenTheClockTheCacheReportsReachesTheExpiryTime()
    {
        final MemcachedCache cache = cache();
        final int start = cache.admin().currentTime();
        assertEquals(clock.currentTime(), start);
        cache.set("a", b("v"), 0, 1);
        assertEquals("v", string(cache.get("a")));
        clock.advance(1);
        assertEquals(start + 1, cache.admin().currentTime());
        assertNull(cache.get("a"));
    }

    @Test
    void shouldReportTheCachedClockWithBackgroundThreads() throws InterruptedException
    {
        final Clock system = new SystemClock();
        try (MemcachedCache cache = MemcachedCache.builder().clock(system).build())
        {
            for (int i = 0; i < 20; i++)
            {
                final int cached = cache.admin().currentTime();
                // the background thread caches the system clock at least every 10 ms
                final int now = system.currentTime();
                assertTrue(cached == now || cached == now - 1, cached + " vs " + now);
                Thread.sleep(60);
            }
        }
    }

    @Test
    void shouldNeverExpireWithZero()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"), 0, 0);
        clock.advance(100 * 24 * 3600);
        assertEquals("v", string(cache.get("k")));
    }

    @Test
    void shouldExpireRelativeTimes()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"), 0, 10);
        clock.advance(9);
        assertEquals("v", string(cache.get("k")));
        clock.advance(1);
        assertNull(cache.get("k"));
        assertEquals(1, cache.stats().get("get_expired"));
    }

    @Test
    void shouldSayWhatAnInspectFound()
    {
        final MemcachedCache cache = cache();
        final ItemInfo info = new ItemInfo();
        cache.set("live", b("v"), 0, 0);
        cache.set("short", b("v"), 0, 5);
        assertTrue(cache.inspect(bytes("live"), info));
        assertEquals(ItemEvents.FOUND, info.lookup());
        assertFalse(cache.inspect(bytes("absent"), info));
        assertEquals(ItemEvents.NOT_FOUND, info.lookup());
        clock.advance(5);
        assertFalse(cache.inspect(bytes("short"), info));
        assertEquals(ItemEvents.EXPIRED, info.lookup());
        assertFalse(cache.inspect(bytes("short"), info), "the expired item is gone after the lookup");
        assertEquals(ItemEvents.NOT_FOUND, info.lookup());
        cache.flushAll();
        assertFalse(cache.inspect(bytes("live"), info));
        assertEquals(ItemEvents.FLUSHED, info.lookup());
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("get_expired"));
        assertEquals(1, stats.get("get_flushed"));
    }

    @Test
    void shouldTreatThirtyDaysAsRelative()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"), 0, CacheConfig.REALTIME_MAXDELTA);
        clock.advance(CacheConfig.REALTIME_MAXDELTA - 1);
        assertEquals("v", string(cache.get("k")));
        clock.advance(1);
        assertNull(cache.get("k"));
    }

    @Test
    void shouldTreatLargerValuesAsUnixTime()
    {
        final MemcachedCache cache = cache();
        final long now = clock.unixTime();
        cache.set("future", b("v"), 0, (int)(now + 50));
        cache.set("past", b("v"), 0, (int)(now - 50));
        cache.set("beforeStart", b("v"), 0, CacheConfig.REALTIME_MAXDELTA + 1);
        assertEquals("v", string(cache.get("future")));
        assertNull(cache.get("past"));
        assertNull(cache.get("beforeStart"));
        final ItemInfo info = new ItemInfo();
        cache.inspect(bytes("future"), info);
        assertEquals(50, info.ttl());
        assertEquals(now + 50, info.expiresAt());
        clock.advance(50);
        assertNull(cache.get("future"));
    }

    @Test
    void shouldStoreNegativeExptimeAsAlreadyExpired()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("old"), 0, 0);
        assertEquals(StoreResult.STORED, cache.set("k", b("v"), 0, -1));
        assertNull(cache.get("k"));
        assertEquals(StoreResult.STORED, cache.set("k", b("v"), 0, Integer.MIN_VALUE));
        assertNull(cache.get("k"));
    }

    @Test
    void shouldCountExpiredItemFoundByAStoreAsGetExpired()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"), 0, 1);
        clock.advance(1);
        cache.set("k", b("w"), 0, 0);
        assertEquals(1, cache.stats().get("get_expired"));
        assertEquals("w", string(cache.get("k")));
    }

    @Test
    void shouldFlushEverythingStoredBeforeButNotAfter()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("1"));
        clock.advance(5);
        cache.set("b", b("2"));
        cache.flushAll();
        // memcached 1.6.39 unlinks the items of the flush's own second at once; older ones wait to be found
        assertEquals(1, cache.stats().get("curr_items"));
        cache.set("c", b("3"));
        assertNull(cache.get("a"));
        assertNull(cache.get("b"));
        assertEquals("3", string(cache.get("c")));
        clock.advance(1);
        assertEquals("3", string(cache.get("c")));
        cache.set("b", b("4"));
        assertEquals("4", string(cache.get("b")));
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("cmd_flush"));
        assertEquals(1, stats.get("get_flushed"));
        assertEquals(2, stats.get("get_misses"));
        assertEquals(2, stats.get("curr_items"));
    }

    @Test
    void shouldFlushTheItemsOfThePreviousSecondLazily()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("1"));
        clock.advance(1);
        cache.set("b", b("2"));
        cache.flushAll();
        // a is from the second before the flush: memcached's walk reaches it too (time >= oldest_live)
        assertEquals(0, cache.stats().get("curr_items"));
        cache.set("c", b("3"));
        clock.advance(1);
        cache.set("d", b("4"));
        clock.advance(1);
        cache.flushAll(2);
        // a delayed flush unlinks nothing now; at its moment, c and d (stored before it) become invisible (a delay of
        // 1 acts at once in memcached 1.6.39: its moment is the second before the next one)
        assertEquals(2, cache.stats().get("curr_items"));
        assertEquals("4", string(cache.get("d")));
        clock.advance(1);
        assertNull(cache.get("c"));
        assertNull(cache.get("d"));
        assertEquals(2, cache.stats().get("get_flushed"));
    }

    @Test
    void shouldFlushNothingForADelayReadAsAUnixTimeAtOrBeforeTheStart()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("1"));
        clock.advance(3);
        cache.set("b", b("2"));
        // memcached reads these as unix times; one at or before its start is relative time 1, and the flush's
        // oldest_live 0, which flushes nothing: neither now, nor lazily later
        final long start = clock.unixTime() - clock.currentTime();
        for (final long delay : new long[] {CacheConfig.REALTIME_MAXDELTA + 1, 1_000_000_000L, start})
        {
            cache.flushAll((int)delay);
            assertEquals(2, cache.stats().get("curr_items"), "flush_all " + delay);
        }
        clock.advance(5);
        assertEquals("1", string(cache.get("a")));
        assertEquals("2", string(cache.get("b")));
        assertEquals(0, cache.stats().get("get_flushed"));
        // a unix time just after the start is a flush from then on
        cache.flushAll((int)(start + 2));
        assertEquals(0, cache.stats().get("curr_items"));
    }

    @Test
    void shouldTakeNoCasValueForAFlushAsMemcached1639()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("1"));
        final long before = cache.getEntry("a").cas();
        cache.flushAll();
        cache.set("b", b("2"));
        assertEquals(before + 1, cache.getEntry("b").cas());
        assertNull(cache.get("a"));
    }

    @Test
    void shouldFlushAnItemFetchedInTheFlushsSecondBehindAnOlderOne()
    {
        final MemcachedCache cache = cache();
        cache.set("x", b("1"));
        cache.set("z", b("2"));
        clock.advance(2);
        // the second fetch marks x active and moves its time to now without moving it in its LRU, behind z
        assertEquals("1", string(cache.get("x")));
        assertEquals("1", string(cache.get("x")));
        cache.flushAll();
        // memcached 1.6.39's walk stops at z and its time check passes x, which it then still returns; here the CAS
        // boundary catches it
        assertNull(cache.get("x"));
        assertNull(cache.get("z"));
    }

    @Test
    void shouldKeepAnItemStoredAfterAFlushWithASmallerCasGivenByTheClient()
    {
        final MemcachedCache cache = cache();
        for (int i = 0; i < 5; i++)
        {
            cache.set("k" + i, b("v"));
        }
        cache.flushAll();
        // memcached 1.6.39's item_is_flushed looks at the time alone: ms with E2 after the flush stores a live item
        final ItemInfo info = new ItemInfo();
        assertEquals(StoreResult.STORED, cache.store(bytes("late"), bytes("x"), 0, 0, new StoreOptions().casIn(2),
            info));
        assertEquals(2, cache.getEntry("late").cas());
        assertEquals("x", string(cache.get("late")));
        clock.advance(1);
        assertEquals("x", string(cache.get("late")));
    }

    @Test
    void shouldFlushWithoutCasToo()
    {
        final MemcachedCache cache = cache(builder().casEnabled(false));
        cache.set("a", b("1"));
        clock.advance(5);
        cache.set("b", b("2"));
        cache.flushAll();
        assertNull(cache.get("a"));
        assertNull(cache.get("b"));
        clock.advance(1);
        cache.set("c", b("3"));
        assertEquals("3", string(cache.get("c")));
    }

    @Test
    void shouldFlushLaterWithADelay()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("1"));
        cache.flushAll(10);
        assertEquals("1", string(cache.get("a")));
        clock.advance(8);
        cache.set("b", b("2"));
        assertEquals("2", string(cache.get("b")));
        clock.advance(1);
        assertNull(cache.get("a"));
        assertNull(cache.get("b"));
        clock.advance(1);
        cache.set("c", b("3"));
        assertEquals("3", string(cache.get("c")));
    }

    @Test
    void shouldLetTheLaterFlushReplaceAPendingOne()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b("1"));
        cache.flushAll(100);
        cache.flushAll(1000);
        clock.advance(200);
        assertEquals("1", string(cache.get("a")));
    }
}
