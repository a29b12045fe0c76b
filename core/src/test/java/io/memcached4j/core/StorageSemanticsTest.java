/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * memcached's storage and retrieval rules, one test per rule.
 */
class StorageSemanticsTest extends CacheTestSupport
{
    @Test
    void shouldSetAndGetWithFlags()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.STORED, cache.set("k", b("v1"), 0xFFFF_FFFF, 0));
        final MemcachedCache.Entry entry = cache.getEntry("k");
        assertEquals("v1", string(entry.value()));
        assertEquals(0xFFFF_FFFF, entry.flags());
        assertEquals(StoreResult.STORED, cache.set("k", b("v2"), 7, 0));
        assertEquals(7, cache.getEntry("k").flags());
        assertEquals("v2", string(cache.get("k")));
    }

    @Test
    void shouldStoreEmptyValue()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.STORED, cache.set("k", new byte[0]));
        assertArrayEquals(new byte[0], cache.get("k"));
    }

    @Test
    void shouldAddOnlyWhenAbsent()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.STORED, cache.store(StoreMode.ADD, "k", b("a"), 0, 0, 0));
        assertEquals(StoreResult.NOT_STORED, cache.store(StoreMode.ADD, "k", b("b"), 0, 0, 0));
        assertEquals("a", string(cache.get("k")));
    }

    @Test
    void shouldBumpExistingItemOnFailedAdd()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("a"));
        clock.advance(100);
        final ItemInfo info = new ItemInfo();
        assertTrue(cache.inspect(bytes("k"), info));
        assertEquals(100, info.secondsSinceAccess());
        assertEquals(StoreResult.NOT_STORED, cache.store(StoreMode.ADD, "k", b("b"), 0, 0, 0));
        assertTrue(cache.inspect(bytes("k"), info));
        assertEquals(0, info.secondsSinceAccess());
    }

    @Test
    void shouldReplaceOnlyWhenPresent()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.NOT_STORED, cache.store(StoreMode.REPLACE, "k", b("a"), 0, 0, 0));
        assertNull(cache.get("k"));
        cache.set("k", b("a"));
        assertEquals(StoreResult.STORED, cache.store(StoreMode.REPLACE, "k", b("b"), 3, 0, 0));
        assertEquals("b", string(cache.get("k")));
        assertEquals(3, cache.getEntry("k").flags());
    }

    @Test
    void shouldAppendAndPrependKeepingFlagsAndExpiry()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.NOT_STORED, cache.store(StoreMode.APPEND, "k", b("x"), 0, 0, 0));
        assertEquals(StoreResult.NOT_STORED, cache.store(StoreMode.PREPEND, "k", b("x"), 0, 0, 0));
        cache.set("k", b("mid"), 42, 100);
        final long cas = cache.getEntry("k").cas();
        assertEquals(StoreResult.STORED, cache.store(StoreMode.APPEND, "k", b("-end"), 9, 5, 0));
        assertEquals(StoreResult.STORED, cache.store(StoreMode.PREPEND, "k", b("start-"), 9, 5, 0));
        final MemcachedCache.Entry entry = cache.getEntry("k");
        assertEquals("start-mid-end", string(entry.value()));
        assertEquals(42, entry.flags());
        assertNotEquals(cas, entry.cas());
        final ItemInfo info = new ItemInfo();
        cache.inspect(bytes("k"), info);
        assertEquals(100, info.ttl());
    }

    @Test
    void shouldCompareAndSwap()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.NOT_FOUND, cache.store(StoreMode.CAS, "k", b("a"), 0, 0, 1));
        cache.set("k", b("a"));
        final long cas = cache.getEntry("k").cas();
        assertEquals(StoreResult.EXISTS, cache.store(StoreMode.CAS, "k", b("b"), 0, 0, cas + 1));
        assertEquals(StoreResult.STORED, cache.store(StoreMode.CAS, "k", b("c"), 0, 0, cas));
        assertEquals("c", string(cache.get("k")));
        assertEquals(StoreResult.EXISTS, cache.store(StoreMode.CAS, "k", b("d"), 0, 0, cas));
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("cas_misses"));
        assertEquals(1, stats.get("cas_hits"));
        assertEquals(2, stats.get("cas_badval"));
    }

    @Test
    void shouldTreatCasZeroAsMismatch()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("a"));
        assertEquals(StoreResult.EXISTS, cache.store(StoreMode.CAS, "k", b("b"), 0, 0, 0));
    }

    @Test
    void shouldGiveEveryModificationANewCasButNotTouch()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("1"));
        final long c1 = cache.getEntry("k").cas();
        cache.set("other", b("x"));
        cache.set("k", b("2"));
        final long c2 = cache.getEntry("k").cas();
        assertTrue(c2 > c1);
        assertTrue(cache.touch("k", 100));
        assertEquals(c2, cache.getEntry("k").cas());
        cache.incr("k", 1);
        final long c3 = cache.getEntry("k").cas();
        assertTrue(c3 > c2);
        cache.store(StoreMode.APPEND, "k", b("0"), 0, 0, 0);
        assertTrue(cache.getEntry("k").cas() > c3);
    }

    @Test
    void shouldHaveNoCasWhenDisabled()
    {
        final MemcachedCache cache = cache(builder().casEnabled(false));
        cache.set("k", b("a"));
        assertEquals(0, cache.getEntry("k").cas());
        assertEquals(StoreResult.EXISTS, cache.store(StoreMode.CAS, "k", b("b"), 0, 0, 0));
        final ItemInfo info = new ItemInfo();
        cache.inspect(bytes("k"), info);
        assertEquals(ItemDescriptor.HEADER_LENGTH + 1 + 1, info.itemSize());
        // memcached 1.6.39 -C: a compared append (ms MA C5) finds no CAS to compare and goes ahead
        assertEquals(StoreResult.STORED, cache.store(bytes("k"), bytes("c"), 0, 0,
            new StoreOptions().mode(StoreMode.APPEND).compareCas(5), info));
        assertEquals("ac", string(cache.get("k")));
        assertEquals(StoreResult.EXISTS, cache.store(bytes("k"), bytes("d"), 0, 0,
            new StoreOptions().mode(StoreMode.CAS).compareCas(5), info));
    }

    @Test
    void shouldDelete()
    {
        final MemcachedCache cache = cache();
        assertFalse(cache.delete("k"));
        cache.set("k", b("a"));
        assertTrue(cache.delete("k"));
        assertNull(cache.get("k"));
        assertFalse(cache.delete(bytes("k")));
        final CacheStats stats = cache.stats();
        assertEquals(1, stats.get("delete_hits"));
        assertEquals(2, stats.get("delete_misses"));
    }

    @Test
    void shouldTouch()
    {
        final MemcachedCache cache = cache();
        assertFalse(cache.touch("k", 10));
        cache.set("k", b("a"), 0, 0);
        assertTrue(cache.touch("k", 10));
        clock.advance(9);
        assertEquals("a", string(cache.get("k")));
        clock.advance(1);
        assertNull(cache.get("k"));
        final CacheStats stats = cache.stats();
        assertEquals(2, stats.get("cmd_touch"));
        assertEquals(1, stats.get("touch_hits"));
        assertEquals(1, stats.get("touch_misses"));
    }

    @Test
    void shouldGetAndTouch()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("abc"), 5, 0);
        final ByteBuffer dst = ByteBuffer.allocate(10);
        final ItemInfo info = new ItemInfo();
        final FetchOptions gat = new FetchOptions().touch(30);
        assertEquals(3, cache.fetch(bytes("k"), gat, dst, info));
        assertEquals(5, info.flags());
        assertEquals(30, info.ttl());
        assertEquals(MemcachedCache.MISS, cache.fetch(bytes("nope"), gat, dst, info));
        clock.advance(30);
        assertNull(cache.get("k"));
        final CacheStats stats = cache.stats();
        assertEquals(2, stats.get("cmd_touch"));
        assertEquals(1, stats.get("touch_hits"));
        assertEquals(1, stats.get("touch_misses"));
        assertEquals(1, stats.get("cmd_get"));
        assertEquals(0, stats.get("get_hits"));
    }

    @Test
    void shouldNotCopyValueThatDoesNotFit()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("0123456789"));
        final ByteBuffer small = ByteBuffer.allocate(4);
        assertEquals(10, cache.get(bytes("k"), small));
        assertEquals(0, small.position());
        final ByteBuffer exact = ByteBuffer.allocateDirect(10);
        assertEquals(10, cache.get(bytes("k"), exact));
        assertEquals(10, exact.position());
    }

    @Test
    void shouldAcceptAnyKeyBytes()
    {
        final MemcachedCache cache = cache();
        final byte[] key = {' ', '\n', 0, (byte)0xFF, '\r', '\t'};
        assertEquals(StoreResult.STORED, cache.set(key, b("binary"), 0, 0));
        assertEquals("binary", string(cache.get(key)));
        final byte[] longest = new byte[250];
        java.util.Arrays.fill(longest, (byte)'x');
        assertEquals(StoreResult.STORED, cache.set(longest, b("max"), 0, 0));
        assertEquals("max", string(cache.get(longest)));
    }

    @Test
    void shouldRejectBadKeysWithoutTouchingTheStore()
    {
        final MemcachedCache cache = cache();
        cache.set("k", b("v"));
        assertThrows(InvalidKeyException.class, () -> cache.set(new byte[251], b("v"), 0, 0));
        assertThrows(InvalidKeyException.class, () -> cache.set(new byte[0], b("v"), 0, 0));
        assertThrows(InvalidKeyException.class, () -> cache.get(""));
        assertThrows(InvalidKeyException.class, () -> cache.get(ByteBuffer.allocate(300), ByteBuffer.allocate(8)));
        assertEquals(1, cache.stats().get("curr_items"));
        assertEquals(0, cache.stats().get("cmd_get"));
    }

    @Test
    void shouldEncodeStringKeysAsUtf8()
    {
        final MemcachedCache cache = cache();
        cache.set("clé", b("v"));
        assertEquals("v", string(cache.get("clé".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    @Test
    void shouldStoreAndFetchThroughAgronaBuffers()
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(MemoryPath.selected() == MemoryPath.UNSAFE,
            "Agrona's buffers need jdk.internal.misc exported");
        final MemcachedCache cache = cache();
        final org.agrona.concurrent.UnsafeBuffer key = new org.agrona.concurrent.UnsafeBuffer(b("xxkey1"));
        final org.agrona.concurrent.UnsafeBuffer value = new org.agrona.concurrent.UnsafeBuffer(b("abcd"));
        assertEquals(StoreResult.STORED, cache.store(key, 2, 4, value, 0, 4, 1, 0, new StoreOptions(), null));
        assertEquals("abcd", string(cache.get("key1")));
        final org.agrona.concurrent.UnsafeBuffer out = new org.agrona.concurrent.UnsafeBuffer(new byte[8]);
        final ItemInfo info = new ItemInfo();
        assertEquals(4, cache.fetch(key, 2, 4, new FetchOptions(), out, 2, info));
        assertEquals("abcd", out.getStringWithoutLengthAscii(2, 4));
        assertEquals(1, info.flags());
        assertEquals(DeleteResult.DELETED, cache.delete(key, 2, 4, new DeleteOptions(), null));
    }
}
