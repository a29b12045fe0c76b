/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The public API's contract at its edges: arguments refused before the cache is touched, calls after close, and a
 * call that throws leaving the cache as it was.
 */
class ApiContractTest extends CacheTestSupport
{
    /**
     * An Agrona buffer of the given capacity that refuses every other call: it shows that the engine checked a range
     * without reading the buffer, and it stands for a buffer that fails while it is copied.
     */
    @SuppressWarnings("unchecked")
    private static <T extends DirectBuffer> T unreadable(final Class<T> type, final int capacity)
    {
        return (T)Proxy.newProxyInstance(ApiContractTest.class.getClassLoader(), new Class<?>[]{type},
            (proxy, method, args) ->
            {
                if (method.getName().equals("capacity"))
                {
                    return capacity;
                }
                if (method.getName().equals("isExpandable"))
                {
                    return false;
                }
                throw new IllegalStateException("unreadable buffer: " + method.getName());
            });
    }

    private static void assumeUnsafePath()
    {
        assumeTrue(MemoryPath.selected() == MemoryPath.UNSAFE, "Agrona's buffers need jdk.internal.misc exported");
    }

    @Test
    void shouldCheckAnAgronaValueRangeBeforeReservingTheItem()
    {
        assumeUnsafePath();
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20).evictionsEnabled(false));
        final UnsafeBuffer key = new UnsafeBuffer(b("k"));
        final UnsafeBuffer value = new UnsafeBuffer(new byte[100_000]);
        // each bad call used to leave a 100 KB item reserved for good: 80 of them took all 8 MiB
        for (int i = 0; i < 80; i++)
        {
            assertThrows(IndexOutOfBoundsException.class,
                () -> cache.store(key, 0, 1, value, 50_000, 100_000, 0, 0, new StoreOptions(), null));
        }
        assertThrows(IndexOutOfBoundsException.class,
            () -> cache.store(key, 0, 1, value, -1, 10, 0, 0, new StoreOptions(), null));
        assertThrows(IllegalArgumentException.class,
            () -> cache.store(key, 0, 1, value, 0, -1, 0, 0, new StoreOptions(), null));
        assertEquals(0, cache.stats().get("curr_items"));
        assertEquals(0, cache.stats().get("cmd_set"));
        assertEquals(StoreResult.STORED, cache.set("other", new byte[100_000]));
        assertEquals(StoreResult.STORED, cache.store(key, 0, 1, value, 0, 100_000, 0, 0, new StoreOptions(), null));
    }

    @Test
    void shouldReleaseTheItemWhenCopyingTheValueInFails()
    {
        assumeUnsafePath();
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20).evictionsEnabled(false));
        final UnsafeBuffer key = new UnsafeBuffer(b("k"));
        final DirectBuffer failing = unreadable(DirectBuffer.class, 100_000);
        for (int i = 0; i < 80; i++)
        {
            assertThrows(IllegalStateException.class,
                () -> cache.store(key, 0, 1, failing, 0, 100_000, 0, 0, new StoreOptions(), null));
        }
        assertEquals(0, cache.stats().get("curr_items"));
        assertEquals(StoreResult.STORED, cache.set("other", new byte[100_000]));
    }

    @Test
    void shouldRefuseOperationsAfterCloseAndIgnoreReleases() throws Exception
    {
        final MemcachedCache cache = builder().build();
        cache.set("big", new byte[200_000]);
        cache.set("k", b("v"));
        final ItemReader reader = cache.newReader();
        assertEquals(200_000, reader.open(bytes("big"), new FetchOptions(), null, null));
        assertTrue(reader.isOpen());
        final ItemWriter writer = cache.newWriter();
        assertTrue(writer.begin(bytes("w"), 0, 0, 100_000, new StoreOptions()));
        final ItemWriter committing = cache.newWriter();
        assertTrue(committing.begin(bytes("c"), 0, 0, 1, new StoreOptions()));
        assertEquals(1, committing.write(new byte[1], 0, 1));
        cache.close();

        assertThrows(IllegalStateException.class, () -> reader.read(ByteBuffer.allocate(16)));
        assertThrows(IllegalStateException.class, () -> writer.write(new byte[100], 0, 100));
        assertThrows(IllegalStateException.class, () -> writer.write(ByteBuffer.allocate(100)));
        assertThrows(IllegalStateException.class, () -> committing.commit(null));
        assertThrows(IllegalStateException.class, committing::discardBadData);
        assertDoesNotThrow(reader::close);
        assertDoesNotThrow(writer::abort);
        assertDoesNotThrow(committing::abort);
        assertFalse(reader.isOpen());
        assertFalse(writer.active());

        assertThrows(IllegalStateException.class, () -> cache.get("k"));
        assertThrows(IllegalStateException.class, () -> cache.get(bytes("k"), ByteBuffer.allocate(8)));
        assertThrows(IllegalStateException.class, () -> cache.set("k", b("v")));
        assertThrows(IllegalStateException.class, cache::flushAll);
        assertThrows(IllegalStateException.class, cache::stats);
        assertThrows(IllegalStateException.class, cache::resetStats);
        assertThrows(IllegalStateException.class, () -> reader.open(bytes("k"), new FetchOptions(), null, null));
        assertThrows(IllegalStateException.class, () -> writer.begin(bytes("k"), 0, 0, 1, new StoreOptions()));
        final CacheAdmin admin = cache.admin();
        assertThrows(IllegalStateException.class, () -> admin.lruCrawlerCrawl(null));
        assertThrows(IllegalStateException.class, () -> admin.lruCrawlerDump(null, false, false, null));
        assertThrows(IllegalStateException.class, () -> admin.cachedump(1, 0, (k, l, n, e) -> { }));
        assertThrows(IllegalStateException.class, () -> admin.slabsReassign(1, 2));
        assertThrows(IllegalStateException.class, () -> admin.adjustMemoryLimit(64L << 20));
        assertThrows(IllegalStateException.class, () -> admin.lruCrawlerEnabled(true));
        assertThrows(IllegalStateException.class, admin::tunables);
        final ItemEvents listener = (ItemEvents)Proxy.newProxyInstance(ApiContractTest.class.getClassLoader(),
            new Class<?>[]{ItemEvents.class}, (proxy, method, args) -> null);
        assertThrows(IllegalStateException.class, () -> admin.itemEvents(listener, ItemEvents.FETCHES));
        assertDoesNotThrow(() -> admin.itemEvents(null, 0));
        assertDoesNotThrow(admin::stopBackgroundWork);
        for (int i = 0; i < 100; i++)
        {
            assertEquals(0, cache.backgroundWork().doWork());
        }
        assertDoesNotThrow(cache::close);
    }

    @Test
    void shouldRefuseReadOnlyDestinationsBeforeTouchingTheStore()
    {
        final MemcachedCache cache = cache();
        cache.set("key", b("hello"), 0, 0);
        cache.set("t", b("v"), 0, 0);
        final byte[] backing = new byte[16];
        for (final ByteBuffer readOnly : new ByteBuffer[]{ByteBuffer.wrap(backing).asReadOnlyBuffer(),
            ByteBuffer.allocateDirect(16).asReadOnlyBuffer()})
        {
            assertThrows(ReadOnlyBufferException.class, () -> cache.get(bytes("key"), readOnly));
            assertThrows(ReadOnlyBufferException.class, () -> cache.get(bytes("key"), readOnly, new ItemInfo()));
            assertThrows(ReadOnlyBufferException.class,
                () -> cache.fetch(bytes("t"), new FetchOptions().touch(300), readOnly, null));
            assertThrows(ReadOnlyBufferException.class,
                () -> cache.fetch(bytes("viv"), new FetchOptions().vivify(100), readOnly, null));
            final ItemReader reader = cache.newReader();
            assertThrows(ReadOnlyBufferException.class,
                () -> reader.open(bytes("t"), new FetchOptions().touch(300), null, readOnly));
            assertFalse(reader.isOpen());
            assertEquals(5, reader.open(bytes("key"), new FetchOptions(), null, null));
            assertThrows(ReadOnlyBufferException.class, () -> reader.read(readOnly));
            assertEquals(5, reader.remaining());
            reader.close();
            assertEquals(0, readOnly.position());
        }
        assertArrayEquals(new byte[16], backing);
        final ItemInfo info = new ItemInfo();
        assertTrue(cache.inspect(bytes("t"), info));
        assertEquals(-1, info.ttl());
        assertFalse(cache.inspect(bytes("viv"), null));
        assertEquals(0, cache.stats().get("cmd_touch"));
        assertEquals(2, cache.stats().get("cmd_get"));
    }

    @Test
    void shouldCheckAnAgronaDestinationOffsetBeforeTouchingTheStore()
    {
        assumeUnsafePath();
        final MemcachedCache cache = cache();
        cache.set("k", b("hello"), 0, 0);
        final UnsafeBuffer key = new UnsafeBuffer(b("kviv"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        assertThrows(IndexOutOfBoundsException.class,
            () -> cache.fetch(key, 0, 1, new FetchOptions().touch(300), dst, -4, new ItemInfo()));
        assertThrows(IndexOutOfBoundsException.class,
            () -> cache.fetch(key, 0, 1, new FetchOptions(), dst, 17, null));
        assertThrows(IndexOutOfBoundsException.class,
            () -> cache.fetch(key, 1, 3, new FetchOptions().vivify(100), dst, -1, null));
        final ItemReader reader = cache.newReader();
        assertThrows(IndexOutOfBoundsException.class,
            () -> reader.open(key, 0, 1, new FetchOptions().touch(300), null, dst, 40));
        final ItemInfo info = new ItemInfo();
        assertTrue(cache.inspect(bytes("k"), info));
        assertEquals(-1, info.ttl());
        assertFalse(cache.inspect(bytes("viv"), null));
        assertEquals(0, cache.stats().get("cmd_touch"));
        assertEquals(0, cache.stats().get("cmd_get"));
        // the end of the buffer is a place to start: nothing fits there
        assertEquals(5, cache.fetch(key, 0, 1, new FetchOptions(), dst, 16, null));
        assertEquals(5, cache.fetch(key, 0, 1, new FetchOptions(), dst, 11, null));
        assertEquals("hello", dst.getStringWithoutLengthAscii(11, 5));
    }

    @Test
    void shouldRefuseStringKeysThatHaveNoUtf8Form()
    {
        final MemcachedCache cache = cache();
        assertThrows(InvalidKeyException.class, () -> cache.set("user:\uD800", b("secret")));
        assertThrows(InvalidKeyException.class, () -> cache.get("user:\uDC00"));
        assertThrows(InvalidKeyException.class, () -> cache.set("\uDC00\uD800", b("x")));
        assertThrows(InvalidKeyException.class, () -> cache.delete("x\uD800"));
        assertNull(cache.get("user:?"));
        assertEquals(0, cache.stats().get("cmd_set"));
        // a pair is one code point, four bytes of UTF-8
        assertEquals(StoreResult.STORED, cache.set("user:\uD83D\uDE00", b("smile")));
        assertEquals("smile", string(cache.get("user:\uD83D\uDE00".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertNull(cache.get("user:?"));
    }

    @Test
    void shouldRefuseNegativeRangesInStreamingCalls()
    {
        final MemcachedCache cache = cache();
        cache.set("big", new byte[5000]);
        final ItemReader reader = cache.newReader();
        reader.open(bytes("big"), new FetchOptions(), null, null);
        final MutableDirectBuffer dst = unreadable(MutableDirectBuffer.class, 16);
        assertThrows(IllegalArgumentException.class, () -> reader.read(dst, 0, -7));
        assertThrows(IndexOutOfBoundsException.class, () -> reader.read(dst, -1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> reader.read(dst, 10, 8));
        assertEquals(5000, reader.remaining());
        reader.close();

        final ItemWriter writer = cache.newWriter();
        assertTrue(writer.begin(bytes("w"), 0, 0, 10, new StoreOptions()));
        assertThrows(IllegalArgumentException.class, () -> writer.write(new byte[10], 0, -3));
        assertThrows(IndexOutOfBoundsException.class, () -> writer.write(new byte[10], -1, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> writer.write(new byte[10], 8, 3));
        final DirectBuffer src = unreadable(DirectBuffer.class, 10);
        assertThrows(IllegalArgumentException.class, () -> writer.write(src, 0, -3));
        assertThrows(IndexOutOfBoundsException.class, () -> writer.write(src, -2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> writer.write(src, 5, 6));
        assertEquals(10, writer.remaining());
        assertEquals(10, writer.write(new byte[12], 1, 11));
        assertEquals(StoreResult.STORED, writer.commit(null));
    }

    @Test
    void shouldRefuseAWriteWhenNoValueIsBeingWritten()
    {
        // a copy loop that did not check begin() would otherwise spin on writes that take nothing
        final MemcachedCache cache = cache();
        final ItemWriter writer = cache.newWriter();
        assertThrows(IllegalStateException.class, () -> writer.write(ByteBuffer.allocate(4)));
        assertFalse(writer.begin(bytes("huge"), 0, 0, 2_000_000, new StoreOptions()));
        assertEquals(StoreResult.TOO_LARGE, writer.failure());
        final ByteBuffer src = ByteBuffer.allocate(4);
        assertThrows(IllegalStateException.class, () -> writer.write(src));
        assertEquals(0, src.position());
        assertThrows(IllegalStateException.class, () -> writer.write(new byte[4], 0, 4));
        assertTrue(writer.begin(bytes("w"), 0, 0, 1, new StoreOptions()));
        assertEquals(1, writer.write(new byte[1], 0, 1));
        assertEquals(StoreResult.STORED, writer.commit(null));
        assertThrows(IllegalStateException.class, () -> writer.write(new byte[1], 0, 1));
    }

    @Test
    void shouldCompareEntriesByTheirBytes()
    {
        final MemcachedCache.Entry a = new MemcachedCache.Entry(new byte[] {1, 2}, -1, 7);
        assertEquals(a, new MemcachedCache.Entry(new byte[] {1, 2}, -1, 7));
        assertEquals(a.hashCode(), new MemcachedCache.Entry(new byte[] {1, 2}, -1, 7).hashCode());
        assertFalse(a.equals(new MemcachedCache.Entry(new byte[] {1, 3}, -1, 7)));
        assertFalse(a.equals(new MemcachedCache.Entry(new byte[] {1, 2}, 0, 7)));
        assertEquals("Entry[value=2 bytes, flags=4294967295, cas=7]", a.toString());
    }

    @Test
    void shouldAcceptANullInfoForInspect()
    {
        final MemcachedCache cache = cache();
        cache.set("live", b("v"), 0, 0);
        cache.set("short", b("v"), 0, 1);
        clock.advance(2);
        assertTrue(cache.inspect(bytes("live"), null));
        assertFalse(cache.inspect(bytes("short"), null));
        assertFalse(cache.inspect(bytes("missing"), null));
    }

    @Test
    void shouldRefuseAMemoryLimitTheCacheCannotHonour()
    {
        final MemcachedCache cache = cache();
        final CacheAdmin admin = cache.admin();
        final long before = admin.tunables().memoryLimit();
        for (final long bad : new long[]{-1, 0, 1000, (1L << 20) - 1})
        {
            assertThrows(IllegalArgumentException.class, () -> admin.adjustMemoryLimit(bad));
        }
        // more than the JVM gives or an engine addresses: refused, as memcached refuses a limit it cannot apply
        assertFalse(admin.adjustMemoryLimit(Long.MAX_VALUE / 2));
        assertFalse(admin.adjustMemoryLimit(1_000_000_000L * 1024 * 1024));
        assertEquals(before, admin.tunables().memoryLimit());
        assertTrue(admin.adjustMemoryLimit(8L << 20));
        assertEquals(8L << 20, admin.tunables().memoryLimit());
        assertEquals(StoreResult.STORED, cache.set("x", new byte[100]));

        final MemcachedCache preallocated = cache(builder().memoryLimit(64L << 20).preallocate(true));
        assertFalse(preallocated.admin().adjustMemoryLimit(16L << 20));
    }

    @Test
    void shouldTurnSegmentationOffWithTheMaintainerAsMemcachedDoes()
    {
        assertFalse(builder().lruMaintainer(false).config().lruSegmented());
        assertTrue(builder().config().lruSegmented());
        assertTrue(builder().lruMaintainer(false).lruSegmented(true).config().lruSegmented());
        assertTrue(builder().lruSegmented(true).lruMaintainer(false).config().lruSegmented());
        assertFalse(builder().lruSegmented(false).lruMaintainer(true).config().lruSegmented());

        final MemcachedCache cache = cache(builder().lruMaintainer(false));
        for (int i = 0; i < 100; i++)
        {
            cache.set("key" + i, new byte[100]);
        }
        final CacheStats.SlabClassStats c = cache.stats().slabClasses().stream()
            .filter(s -> s.get("number") > 0).findFirst().orElseThrow();
        assertEquals(100, c.get("number"));
        assertEquals(100, c.get("number_cold"));
        assertEquals(0, c.get("number_hot"));
        assertFalse(cache.admin().tunables().lruSegmented());
    }
}
