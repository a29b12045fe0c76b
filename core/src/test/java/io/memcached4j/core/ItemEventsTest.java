/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The engine's {@link ItemEvents}: which operations report what, in memcached's order (the lookup of
 * {@code do_store_item} before the store, a vivifying fetch as a miss), and nothing for streams nobody wants.
 */
class ItemEventsTest extends CacheTestSupport
{
    private static final int ALL = ItemEvents.FETCHES | ItemEvents.MUTATIONS | ItemEvents.EVICTIONS |
        ItemEvents.DELETIONS | ItemEvents.SYSEVENTS;

    /**
     * Records events as short strings.
     */
    static class Recorder implements ItemEvents
    {
        final List<String> events = new ArrayList<>();

        private static String key(final byte[] key, final int keyLength)
        {
            return new String(key, 0, keyLength, StandardCharsets.ISO_8859_1);
        }

        @Override
        public void fetched(
            final byte[] key, final int keyLength, final int status, final int valueLength, final int slabClass)
        {
            final String[] names = {"not_found", "found", "flushed", "expired"};
            events.add("get " + key(key, keyLength) + " " + names[status] + " " + valueLength +
                (slabClass > 0 ? " c" : " 0"));
        }

        @Override
        public void stored(
            final byte[] key, final int keyLength, final StoreResult result, final StoreMode mode,
            final int valueLength, final int ttl, final int slabClass)
        {
            events.add("store " + key(key, keyLength) + " " + result + " " + mode + " " + valueLength + " ttl=" +
                ttl + (slabClass > 0 ? " c" : " 0"));
        }

        @Override
        public void evicted(
            final byte[] key, final int keyLength, final boolean fetched, final int ttl, final int idleSeconds,
            final int slabClass, final int valueLength)
        {
            events.add("evict " + key(key, keyLength) + " fetched=" + fetched + " ttl=" + ttl + " la=" +
                idleSeconds + " " + valueLength);
        }

        @Override
        public void deleted(
            final byte[] key, final int keyLength, final boolean meta, final int slabClass, final int valueLength)
        {
            events.add("delete " + key(key, keyLength) + (meta ? " md " : " delete ") + valueLength);
        }

        @Override
        public void crawlerStatus(
            final int slabClass, final int lru, final long lowMark, final long nextReclaims, final int sinceRun,
            final int nextRun, final int elapsed, final long examined, final long reclaimed)
        {
            events.add("crawler " + slabClass + " lru=" + lru + " low_mark=" + lowMark + " next_run=" + nextRun +
                " examined=" + examined + " reclaimed=" + reclaimed);
        }

        @Override
        public void slabMove(final int source, final int destination, final boolean started)
        {
            events.add("slab_move " + source + " " + destination + " " + started);
        }

        List<String> take()
        {
            final List<String> copy = new ArrayList<>(events);
            events.clear();
            return copy;
        }
    }

    private final Recorder recorder = new Recorder();

    private MemcachedCache watched(final CacheBuilder builder, final int streams)
    {
        final MemcachedCache cache = cache(builder);
        cache.admin().itemEvents(recorder, streams);
        return cache;
    }

    @Test
    void shouldReportLookupsWithWhatTheyFound()
    {
        final MemcachedCache cache = watched(builder(), ItemEvents.FETCHES);
        cache.set("k", b("hello"), 0, 0);
        cache.set("e", b("x"), 0, 5);
        assertEquals(List.of("get k not_found 0 0", "get e not_found 0 0"), recorder.take());

        assertEquals("hello", string(cache.get("k")));
        assertEquals(null, cache.get("nope"));
        final ByteBuffer dst = ByteBuffer.allocateDirect(64);
        assertEquals(5, cache.get(bytes("k"), dst));
        assertTrue(cache.touch("k", 100));
        assertEquals(List.of("get k found 5 c", "get nope not_found 0 0", "get k found 5 c", "get k found 5 c"),
            recorder.take());

        clock.advance(6);
        assertEquals(null, cache.get("e"));
        cache.flushAll();
        assertEquals(null, cache.get("k"));
        assertEquals(List.of("get e expired 0 0", "get k flushed 0 0"), recorder.take());
    }

    @Test
    void shouldReportEachStoreAfterItsLookup()
    {
        final MemcachedCache cache = watched(builder(), ItemEvents.FETCHES | ItemEvents.MUTATIONS);
        assertEquals(StoreResult.STORED, cache.set("a", b("x"), 0, 100));
        assertEquals(StoreResult.NOT_STORED, cache.store(StoreMode.ADD, "a", b("y"), 0, 0, 0));
        assertEquals(StoreResult.STORED, cache.store(StoreMode.APPEND, "a", b("zz"), 0, 0, 0));
        assertEquals(StoreResult.NOT_STORED, cache.store(StoreMode.PREPEND, "q", b("z"), 0, 0, 0));
        assertEquals(StoreResult.EXISTS, cache.store(StoreMode.CAS, "a", b("q"), 0, 0, 999_999));
        assertEquals(StoreResult.NOT_FOUND, cache.store(StoreMode.CAS, "nokey", b("q"), 0, 0, 1));
        assertEquals(List.of(
            "get a not_found 0 0", "store a STORED SET 1 ttl=100 c",
            "get a found 1 c", "store a NOT_STORED ADD 1 ttl=0 c",
            // the combined item keeps the old expiry
            "get a found 1 c", "store a STORED APPEND 3 ttl=100 c",
            "get q not_found 0 0", "store q NOT_STORED PREPEND 1 ttl=0 c",
            "get a found 3 c", "store a EXISTS CAS 1 ttl=0 c",
            "get nokey not_found 0 0", "store nokey NOT_FOUND CAS 1 ttl=0 c"), recorder.take());

        // a set that cannot be allocated: the failure, then the lookup that removes the old value
        assertEquals(StoreResult.TOO_LARGE, cache.set("a", new byte[2 << 20], 0, 0));
        assertEquals(StoreResult.TOO_LARGE, cache.store(StoreMode.ADD, "a", new byte[2 << 20], 0, 0, 0));
        assertEquals(List.of("store a TOO_LARGE SET 0 ttl=0 0", "get a found 3 c", "store a TOO_LARGE ADD 0 ttl=0 0"),
            recorder.take());
    }

    @Test
    void shouldReportDeletesAndMetaDeletes()
    {
        final MemcachedCache cache = watched(builder(), ALL);
        cache.set("a", b("abc"), 0, 0);
        cache.set("b", b("abcd"), 0, 0);
        cache.set("c", b("abcde"), 0, 0);
        cache.set("d", b("x"), 0, 0);
        recorder.take();
        assertTrue(cache.delete("a"));
        assertFalse(cache.delete("a"));
        final ItemInfo info = new ItemInfo();
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("b"), new DeleteOptions().meta(true), info));
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("c"), new DeleteOptions().meta(true).invalidate(true),
            info));
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("d"), new DeleteOptions().meta(true).removeValue(true),
            info));
        assertEquals(List.of(
            "get a found 3 c", "delete a delete 3",
            "get a not_found 0 0",
            "get b found 4 c", "delete b md 4",
            // invalidation keeps the item: no deletion
            "get c found 5 c",
            // an emptied item is stored through memcached's store path, then reported deleted
            "get d found 1 c", "get d found 1 c", "store d STORED SET 0 ttl=0 c", "delete d md 0"),
            recorder.take());
    }

    @Test
    void shouldReportArithmeticLookupsAndTheVivifyingStore()
    {
        final MemcachedCache cache = watched(builder(), ItemEvents.FETCHES | ItemEvents.MUTATIONS);
        cache.set("n", b("5"), 0, 0);
        recorder.take();
        assertEquals(8, cache.incr("n", 3).getAsLong());
        assertFalse(cache.incr("nokey", 1).isPresent());
        final ItemInfo info = new ItemInfo();
        assertEquals(DeltaResult.OK,
            cache.arithmetic(bytes("viv"), new ArithmeticOptions().vivify(7, 30), info));
        assertEquals(List.of("get n found 1 c", "get nokey not_found 0 0",
            "get viv not_found 0 0", "get viv not_found 0 0", "store viv STORED ADD 1 ttl=0 c"), recorder.take());
    }

    @Test
    void shouldReportAVivifyingFetchAsAMiss()
    {
        final MemcachedCache cache = watched(builder(), ItemEvents.FETCHES | ItemEvents.MUTATIONS);
        final ItemInfo info = new ItemInfo();
        assertEquals(0, cache.fetch(bytes("v"), new FetchOptions().vivify(30), null, info));
        assertEquals(0, cache.fetch(bytes("v"), new FetchOptions(), null, info));
        assertEquals(List.of("get v not_found 0 0", "get v found 0 c"), recorder.take());
    }

    @Test
    void shouldReportOnlyTheStreamsAskedForAndNothingAfterRemoval()
    {
        final MemcachedCache cache = watched(builder(), ItemEvents.MUTATIONS);
        cache.set("a", b("x"), 0, 0);
        cache.get("a");
        cache.delete("a");
        assertEquals(List.of("store a STORED SET 1 ttl=0 c"), recorder.take());
        cache.admin().itemEvents(null, 0);
        cache.set("a", b("x"), 0, 0);
        cache.get("a");
        assertEquals(List.of(), recorder.take());
    }

    @Test
    void shouldReportEvictionsOldestFirst()
    {
        final MemcachedCache cache = watched(builder().memoryLimit(2L << 20), ItemEvents.EVICTIONS);
        final byte[] value = new byte[10_000];
        for (int i = 0; i < 400; i++)
        {
            cache.set("k" + i, value, 0, 0);
            if (i == 3)
            {
                cache.get("k0");
            }
        }
        final List<String> events = recorder.take();
        assertTrue(events.size() > 10, events.toString());
        assertEquals("evict k0 fetched=true ttl=-1 la=0 10000", events.get(0));
        assertEquals("evict k1 fetched=false ttl=-1 la=0 10000", events.get(1));
        assertEquals(cache.stats().get("evictions"), events.size());
    }

    @Test
    void shouldReportAutoexpireCrawlDecisions()
    {
        final MemcachedCache cache = watched(builder().lruSegmented(false), ItemEvents.SYSEVENTS);
        for (int i = 0; i < 50; i++)
        {
            cache.set("exp" + i, b("v"), 0, 5);
        }
        for (int second = 0; second < 30; second++)
        {
            clock.advance(1);
            background(cache, 50);
        }
        final List<String> events = recorder.take();
        // as memcached's crawler counts them: items it examined and kept, and items it reclaimed
        final String cold = "crawler 1 lru=" + ItemEvents.COLD_LRU + " low_mark=1 ";
        assertTrue(events.contains(cold + "next_run=5 examined=50 reclaimed=0"), events.toString());
        assertTrue(events.contains(cold + "next_run=65 examined=0 reclaimed=50"), events.toString());
        assertTrue(events.stream().allMatch(e -> e.startsWith("crawler ")), events.toString());
    }

    @Test
    void shouldReportEveryLruOfEveryClassNumberInMemcachedsOrder()
    {
        final MemcachedCache cache = watched(builder(), ItemEvents.SYSEVENTS);
        for (int second = 0; second < 3; second++)
        {
            clock.advance(1);
            background(cache, 50);
        }
        final List<String> events = recorder.take();
        // memcached numbers an LRU as its class plus 64 times its segment and reports ids 1 to 255 in that order,
        // classes that do not exist included (checked against memcached 1.6.18's first sysevents lines)
        final List<String> expected = new java.util.ArrayList<>();
        for (int id = 1; id < 256; id++)
        {
            expected.add("crawler " + (id % 64) + " lru=" + (id / 64));
        }
        final List<String> reported = new java.util.ArrayList<>();
        for (final String event : events.subList(0, Math.min(255, events.size())))
        {
            reported.add(event.substring(0, event.indexOf(" low_mark=")));
        }
        assertEquals(expected, reported);
        assertTrue(events.get(254).startsWith("crawler 63 lru=" + ItemEvents.TEMP_LRU + " low_mark=1 next_run=65 "),
            events.get(254));
    }

    @Test
    void shouldSurviveAListenerThatThrows()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(2L << 20));
        cache.admin().itemEvents(new Recorder()
        {
            @Override
            public void fetched(
                final byte[] key, final int keyLength, final int status, final int valueLength, final int slabClass)
            {
                throw new IllegalStateException("listener failure (expected by the test)");
            }

            @Override
            public void evicted(
                final byte[] key, final int keyLength, final boolean fetched, final int ttl, final int idleSeconds,
                final int slabClass, final int valueLength)
            {
                throw new IllegalStateException("listener failure (expected by the test)");
            }
        }, ALL);
        final byte[] value = new byte[10_000];
        for (int i = 0; i < 300; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("k" + i, value, 0, 0));
        }
        assertEquals(10_000, cache.get("k299").length);
        assertTrue(cache.delete("k299"));
    }
}
