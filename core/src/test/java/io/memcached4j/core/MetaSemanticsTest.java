/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * The engine behaviour behind memcached's meta commands: vivify on miss, recache tokens, invalidation, explicit CAS
 * values, empty tombstones, and the pre-bump {@code h}/{@code l} values.
 */
class MetaSemanticsTest extends CacheTestSupport
{
    private final ItemInfo info = new ItemInfo();

    private int mg(final MemcachedCache cache, final String key, final FetchOptions options)
    {
        return cache.fetch(bytes(key), options.meta(true), ByteBuffer.allocate(1024), info);
    }

    @Test
    void shouldVivifyOnMissAndHandTheTokenToTheFirstCallerOnly()
    {
        final MemcachedCache cache = cache();
        assertEquals(0, mg(cache, "nope", new FetchOptions().vivify(30)));
        assertTrue(info.created());
        assertTrue(info.won());
        assertFalse(info.tokenAlreadySent());
        assertEquals(30, info.ttl());
        assertEquals(0, mg(cache, "nope", new FetchOptions().vivify(30)));
        assertFalse(info.created());
        assertFalse(info.won());
        assertTrue(info.tokenAlreadySent());
        assertEquals(1, cache.stats().get("curr_items"));
    }

    @Test
    void shouldHandOutTheTokenForAStaleItem()
    {
        final MemcachedCache cache = cache();
        cache.set("s", b("v"));
        final long cas = cache.getEntry("s").cas();
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("s"), new DeleteOptions().invalidate(true).touch(30),
            info));
        assertEquals(1, mg(cache, "s", new FetchOptions()));
        assertTrue(info.stale());
        assertTrue(info.won());
        assertTrue(info.cas() > cas);
        assertEquals(30, info.ttl());
        assertEquals(1, mg(cache, "s", new FetchOptions()));
        assertTrue(info.stale());
        assertFalse(info.won());
        assertTrue(info.tokenAlreadySent());
        assertEquals(1, cache.stats().get("curr_items"));
    }

    @Test
    void shouldWinTheRecacheTokenWhenTheTtlIsLow()
    {
        final MemcachedCache cache = cache();
        cache.set("r", b("v"), 0, 100);
        assertEquals(1, mg(cache, "r", new FetchOptions().recache(30)));
        assertFalse(info.won());
        clock.advance(80);
        assertEquals(1, mg(cache, "r", new FetchOptions().recache(30)));
        assertTrue(info.won());
        assertEquals(1, mg(cache, "r", new FetchOptions().recache(30)));
        assertFalse(info.won());
        assertTrue(info.tokenAlreadySent());
    }

    @Test
    void shouldCompareTheRecacheTimeWithTheExpiryBeforeOrAfterTheTouch()
    {
        final MemcachedCache cache = cache();
        cache.set("before", b("v"), 0, 100);
        cache.set("after", b("v"), 0, 100);
        // R30 then T10: the old expiry (100 s) is not below 30 s; T10 then R30: the new one is
        assertEquals(1, mg(cache, "before", new FetchOptions().touch(10).recache(30).recacheBeforeTouch(true)));
        assertFalse(info.won());
        assertEquals(10, info.ttl());
        assertEquals(1, mg(cache, "after", new FetchOptions().touch(10).recache(30)));
        assertTrue(info.won());
        cache.set("never", b("v"), 0, 0);
        assertEquals(1, mg(cache, "never", new FetchOptions().touch(-1).recache(30).recacheBeforeTouch(true)));
        assertFalse(info.won());
    }

    @Test
    void shouldStoreAStaleValueWithALowerCasWhenInvalidating()
    {
        final MemcachedCache cache = cache();
        cache.set("other", b("x"));
        cache.set("k", b("new"), 0, 50);
        final long cas = cache.getEntry("k").cas();
        assertTrue(cas > 1);
        final StoreOptions options = new StoreOptions().compareCas(cas - 1).invalidate(true);
        assertEquals(StoreResult.STORED, cache.store(bytes("k"), bytes("older"), 0, 0, options, info));
        assertTrue(info.stale());
        assertEquals(50, info.ttl());
        assertEquals(StoreResult.EXISTS, cache.store(bytes("k"), bytes("x"), 0, 0,
            new StoreOptions().compareCas(Long.MAX_VALUE).invalidate(true), info));
        assertEquals("older", string(cache.get("k")));
    }

    @Test
    void shouldSetAnExplicitCas()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.STORED, cache.store(bytes("k"), bytes("v"), 0, 0, new StoreOptions().casIn(973),
            info));
        assertEquals(973, cache.getEntry("k").cas());
        assertEquals(DeltaResult.NON_NUMERIC, cache.arithmetic(bytes("k"), new ArithmeticOptions().casIn(5), info));
        cache.set("n", b("1"));
        assertEquals(DeltaResult.OK, cache.arithmetic(bytes("n"), new ArithmeticOptions().casIn(1234), info));
        assertEquals(1234, info.cas());
        assertEquals(1234, cache.getEntry("n").cas());
    }

    @Test
    void shouldGiveCasZeroWhenAskedForItExceptOnAStore()
    {
        final MemcachedCache cache = cache();
        cache.set("probe", b("x"));
        final long start = cache.getEntry("probe").cas();
        cache.set("n", b("1"));
        cache.set("k", b("v"));
        // E0 on an invalidation, a vivified fetch and a vivified increment: CAS 0, no unique taken
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("k"), new DeleteOptions().invalidate(true).casIn(0),
            info));
        assertEquals(0, cache.getEntry("k").cas());
        assertEquals(0, mg(cache, "viv", new FetchOptions().vivify(30).casIn(0)));
        assertEquals(0, info.cas());
        assertEquals(DeltaResult.OK, cache.arithmetic(bytes("v2"), new ArithmeticOptions().vivify(5, 0).casIn(0),
            info));
        assertEquals(0, cache.getEntry("v2").cas());
        cache.set("probe", b("x"));
        assertEquals(start + 3, cache.getEntry("probe").cas());
        // an increment in place takes a unique first, as memcached's do_add_delta does, then E0 replaces it
        assertEquals(DeltaResult.OK, cache.arithmetic(bytes("n"), new ArithmeticOptions().casIn(0), info));
        assertEquals(0, cache.getEntry("n").cas());
        // a store treats E0 as no E at all (memcached's ms: c->cas ? c->cas : get_cas_id())
        assertEquals(StoreResult.STORED, cache.store(bytes("s"), bytes("v"), 0, 0, new StoreOptions().casIn(0),
            info));
        assertEquals(start + 5, cache.getEntry("s").cas());
    }

    @Test
    void shouldDeleteOnlyWithTheRightCas()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"));
        final long cas = cache.getEntry("k").cas();
        assertEquals(DeleteResult.EXISTS, cache.delete(bytes("k"), new DeleteOptions().compareCas(cas + 1), info));
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("k"), new DeleteOptions().compareCas(cas), info));
        assertEquals(DeleteResult.NOT_FOUND, cache.delete(bytes("k"), new DeleteOptions(), info));
    }

    @Test
    void shouldCompareACasOfZeroAsGivenAndCountAMetaMismatchAsADeleteMiss()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"));
        assertEquals(DeleteResult.EXISTS, cache.delete(bytes("k"), new DeleteOptions().meta(true).compareCas(0), info));
        assertEquals(DeleteResult.NOT_FOUND, cache.delete(bytes("q"), new DeleteOptions().compareCas(0), info));
        assertEquals(2, cache.stats().get("delete_misses"));
        // the binary protocol's delete answers a mismatch without counting it
        assertEquals(DeleteResult.EXISTS, cache.delete(bytes("k"), new DeleteOptions().compareCas(1), info));
        assertEquals(2, cache.stats().get("delete_misses"));
        // md z I E0: an item of CAS 0, which C0 matches
        cache.set("z", b("v"));
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("z"), new DeleteOptions().invalidate(true).casIn(0),
            info));
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("z"), new DeleteOptions().compareCas(0), info));
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("k"), new DeleteOptions(), info));
        assertEquals(2, cache.stats().get("delete_hits"));
    }

    @Test
    void shouldLeaveAnEmptyItemWhenRemovingOnlyTheValue()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("value"), 3, 0);
        final long cas = cache.getEntry("k").cas();
        assertEquals(DeleteResult.DELETED, cache.delete(bytes("k"),
            new DeleteOptions().removeValue(true).clientFlags(9).touch(40), info));
        final MemcachedCache.Entry entry = cache.getEntry("k");
        assertEquals(0, entry.value().length);
        assertEquals(9, entry.flags());
        assertEquals(cas, entry.cas());
        cache.inspect(bytes("k"), info);
        assertEquals(40, info.ttl());
    }

    @Test
    void shouldCreateCountersOnMiss()
    {
        final MemcachedCache cache = cache();
        assertEquals(DeltaResult.NOT_FOUND, cache.arithmetic(bytes("c"), new ArithmeticOptions(), info));
        assertEquals(DeltaResult.OK, cache.arithmetic(bytes("c"), new ArithmeticOptions().vivify(10, 0), info));
        assertTrue(info.created());
        assertEquals(10, info.numericValue());
        assertEquals(DeltaResult.OK, cache.arithmetic(bytes("c"),
            new ArithmeticOptions().incr(false).delta(3), info));
        assertEquals(7, info.numericValue());
        assertEquals("7 ", string(cache.get("c")));
        assertEquals(DeltaResult.EXISTS, cache.arithmetic(bytes("c"), new ArithmeticOptions().compareCas(1), info));
        assertEquals(DeltaResult.OK, cache.arithmetic(bytes("d"), new ArithmeticOptions().vivify(5, 20), info));
        assertEquals(20, info.ttl());
    }

    @Test
    void shouldReportAccessBeforeTheBump()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"));
        clock.advance(7);
        assertEquals(1, mg(cache, "k", new FetchOptions().bump(false)));
        assertFalse(info.fetchedBefore());
        assertEquals(7, info.secondsSinceAccess());
        assertEquals(1, mg(cache, "k", new FetchOptions()));
        assertFalse(info.fetchedBefore());
        assertEquals(1, mg(cache, "k", new FetchOptions()));
        assertTrue(info.fetchedBefore());
    }

    @Test
    void shouldCountATouchingMetaGetMissAsAGetMissAsMemcached1639Does()
    {
        final MemcachedCache cache = cache();
        // mg nokey T30, gat 10 nokey, mg k T30 on a hit: memcached 1.6.39 counts cmd_get 1, cmd_touch 2
        assertEquals(MemcachedCache.MISS, mg(cache, "nokey", new FetchOptions().touch(30)));
        assertEquals(MemcachedCache.MISS, cache.fetch(bytes("nokey"), new FetchOptions().touch(10), null, info));
        cache.set("k", b("x"));
        assertEquals(1, mg(cache, "k", new FetchOptions().touch(30)));
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("cmd_get"));
        assertEquals(1, stats.get("get_misses"));
        assertEquals(2, stats.get("cmd_touch"));
        assertEquals(1, stats.get("touch_misses"));
        assertEquals(1, stats.get("touch_hits"));
    }

    @Test
    void shouldVivifyAppendsWhenAsked()
    {
        final MemcachedCache cache = cache();
        final StoreOptions append = new StoreOptions().mode(StoreMode.APPEND);
        assertEquals(StoreResult.NOT_STORED, cache.store(bytes("a"), bytes("x"), 0, 0, append, info));
        append.vivify(60);
        assertEquals(StoreResult.STORED, cache.store(bytes("a"), bytes("x"), 0, 0, append, info));
        assertEquals(StoreResult.STORED, cache.store(bytes("a"), bytes("y"), 0, 0, append, info));
        assertEquals("xy", string(cache.get("a")));
        cache.inspect(bytes("a"), info);
        assertEquals(60, info.ttl());
    }

    @Test
    void shouldRemoveTheOldValueOnAFailedMetaSetInAnyMode()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("old"));
        final StoreOptions options = new StoreOptions().mode(StoreMode.APPEND).deleteOnFailure(true);
        assertEquals(StoreResult.TOO_LARGE, cache.store(bytes("k"), ByteBuffer.allocate(2 << 20), 0, 0, options,
            info));
        assertNull(cache.get("k"));
    }

    @Test
    void shouldMarkBinaryKeys()
    {
        final MemcachedCache cache = cache();
        cache.store(bytes("bin"), bytes("v"), 0, 0, new StoreOptions().keyBinary(true), info);
        assertTrue(info.keyBinary());
        cache.inspect(bytes("bin"), info);
        assertTrue(info.keyBinary());
    }
}
