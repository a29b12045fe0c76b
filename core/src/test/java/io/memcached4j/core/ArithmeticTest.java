/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/**
 * memcached's {@code incr} and {@code decr}.
 */
class ArithmeticTest extends CacheTestSupport
{
    @Test
    void shouldIncrementAndDecrement()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("5"));
        assertEquals(OptionalLong.of(8), cache.incr("n", 3));
        assertEquals(OptionalLong.of(6), cache.decr("n", 2));
        assertEquals("6", string(cache.get("n")));
    }

    @Test
    void shouldMissOnAbsentKey()
    {
        final MemcachedCache cache = cache();
        assertEquals(OptionalLong.empty(), cache.incr("n", 1));
        assertEquals(OptionalLong.empty(), cache.decr("n", 1));
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("incr_misses"));
        assertEquals(1, stats.get("decr_misses"));
    }

    @Test
    void shouldWrapIncrementAt64Bits()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("18446744073709551615"));
        assertEquals(OptionalLong.of(0), cache.incr("n", 1));
        cache.set("n", b("18446744073709551610"));
        assertEquals(OptionalLong.of(4), cache.incr("n", 10));
    }

    @Test
    void shouldTreatDeltaAsUnsigned()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("0"));
        assertEquals(OptionalLong.of(-1L), cache.incr("n", -1L));
        assertEquals("18446744073709551615", string(cache.get("n")).trim());
    }

    @Test
    void shouldStopDecrementAtZero()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("5"));
        assertEquals(OptionalLong.of(0), cache.decr("n", 10));
        assertEquals(OptionalLong.of(0), cache.decr("n", -1L));
    }

    @Test
    void shouldPadShorterResultsWithSpacesInPlace()
    {
        final MemcachedCache cache = cache();
        cache.set("d", b("10"));
        assertEquals(OptionalLong.of(9), cache.decr("d", 1));
        assertEquals("9 ", string(cache.get("d")));
        cache.set("e", b("1000"));
        assertEquals(OptionalLong.of(1), cache.decr("e", 999));
        assertEquals("1   ", string(cache.get("e")));
    }

    @Test
    void shouldWriteANewItemWhileAQueuedBumpHoldsTheOldOneAsMemcachedDoes()
    {
        // items linked into COLD, then segmented: a second fetch queues a COLD-to-WARM bump, and no maintainer runs
        final MemcachedCache cache = cache(builder().lruSegmented(false));
        // as with a maintainer thread running (the test applies the bumps itself, with background rounds)
        ((Engine)cache).store.holdQueuedBumps = true;
        cache.set("d", b("10"));
        assertTrue(cache.admin().lruMode(true));
        assertEquals("10", string(cache.get("d")));
        assertEquals("10", string(cache.get("d")));
        // memcached's lru_bump_async holds a reference, so do_add_delta cannot write in place: a new item, exact length
        assertEquals(OptionalLong.of(9), cache.decr("d", 1));
        assertEquals("9", string(cache.get("d")));
        cache.set("e", b("10"));
        assertEquals("10", string(cache.get("e")));
        assertEquals("10", string(cache.get("e")));
        backgroundRounds(cache, 3, 1_000_000L);
        // the maintainer applied the bump and dropped the reference: in place again
        assertEquals(OptionalLong.of(9), cache.decr("e", 1));
        assertEquals("9 ", string(cache.get("e")));
    }

    @Test
    void shouldGrowWhenTheResultIsLonger()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("99"), 7, 100);
        assertEquals(OptionalLong.of(100), cache.incr("n", 1));
        final MemcachedCache.Entry entry = cache.getEntry("n");
        assertEquals("100", string(entry.value()));
        assertEquals(7, entry.flags());
        final ItemInfo info = new ItemInfo();
        cache.inspect(bytes("n"), info);
        assertEquals(100, info.ttl());
    }

    @Test
    void shouldParseAsMemcachedDoes()
    {
        final MemcachedCache cache = cache();
        cache.set("a", b(" 12"));
        assertEquals(OptionalLong.of(13), cache.incr("a", 1));
        cache.set("b", b("12 ab"));
        assertEquals(OptionalLong.of(13), cache.incr("b", 1));
        assertEquals("13   ", string(cache.get("b")));
        cache.set("c", b("+7"));
        assertEquals(OptionalLong.of(8), cache.incr("c", 1));
        cache.set("d", b("-0"));
        assertEquals(OptionalLong.of(1), cache.incr("d", 1));
        cache.set("e", b("-18446744073709551615"));
        assertEquals(OptionalLong.of(2), cache.incr("e", 1));
        cache.set("f", b("0000000000000000000000001"));
        assertEquals(OptionalLong.of(2), cache.incr("f", 1));
    }

    @Test
    void shouldRejectNonNumericValues()
    {
        final MemcachedCache cache = cache();
        for (final String value : new String[]{"", "abc", "12abc", "-5", " ", "+", "18446744073709551616", "1.5"})
        {
            cache.set("n", b(value));
            assertThrows(NonNumericValueException.class, () -> cache.incr("n", 1), value);
            assertEquals(value, string(cache.get("n")));
        }
    }

    @Test
    void shouldChangeCasAndCountHits()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("1"));
        final long cas = cache.getEntry("n").cas();
        cache.incr("n", 1);
        cache.decr("n", 1);
        assertTrue(cache.getEntry("n").cas() > cas);
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("incr_hits"));
        assertEquals(1, stats.get("decr_hits"));
    }

    @Test
    void shouldReplaceInsteadOfRewritingWhileAReaderHoldsTheItem()
    {
        final MemcachedCache cache = cache();
        cache.set("n", b("10"));
        try (ItemReader reader = cache.newReader())
        {
            assertEquals(2, reader.open(bytes("n"), new FetchOptions(), null, null));
            assertEquals(OptionalLong.of(9), cache.decr("n", 1));
            final java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocate(2);
            reader.read(dst);
            assertEquals("10", new String(dst.array(), java.nio.charset.StandardCharsets.US_ASCII));
        }
        assertEquals("9", string(cache.get("n")));
    }
}
