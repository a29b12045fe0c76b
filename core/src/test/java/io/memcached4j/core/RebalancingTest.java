/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * Slab page rebalancing by memcached's automove algorithm: memory taken by one size moves to another size that
 * needs it.
 */
class RebalancingTest extends CacheTestSupport
{
    @Test
    void shouldMovePagesToTheClassThatNeedsThem()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(64L << 20));
        final ItemEventsTest.Recorder recorder = new ItemEventsTest.Recorder();
        cache.admin().itemEvents(recorder, ItemEvents.SYSEVENTS);
        final byte[] small = new byte[100];
        int filled = 0;
        while (cache.stats().get("evictions") == 0)
        {
            for (int i = 0; i < 10_000; i++)
            {
                cache.set(String.format("small:%010d", filled++), small, 0, 0);
            }
        }
        final int smallClass = cache.stats().slabClasses().get(0).id();
        assertEquals(64, cache.stats().slabClass(smallClass).get("total_pages"));
        clock.advance(100);

        final byte[] large = new byte[10 * 1024];
        final int workingSet = (32 << 20) / (large.length + 64);
        final ByteBuffer dst = ByteBuffer.allocateDirect(large.length);
        for (int round = 0; round < 90; round++)
        {
            for (int i = 0; i < workingSet; i++)
            {
                cache.set(String.format("large:%06d", i), large, 0, 0);
            }
            clock.advance(1);
            background(cache, 20);
        }
        int hits = 0;
        for (int i = 0; i < workingSet; i++)
        {
            dst.clear();
            if (cache.get(ByteBuffer.wrap(b(String.format("large:%06d", i))), dst) == large.length)
            {
                hits++;
            }
        }
        final CacheStats stats = cache.stats();
        final int largeClass = cache.stats().slabClasses().get(cache.stats().slabClasses().size() - 1).id();
        final long largePages = stats.slabClass(largeClass).get("total_pages");
        System.out.println("rebalancing: hits " + hits + " of " + workingSet + ", class " + largeClass + " pages " +
            largePages + ", slabs_moved " + stats.get("slabs_moved") + ", small class pages " +
            stats.slabClass(smallClass).get("total_pages"));
        assertTrue(stats.get("slabs_moved") >= largePages - 1, "pages moved: " + stats.get("slabs_moved"));
        assertTrue(largePages * stats.slabClass(largeClass).get("chunks_per_page") >= workingSet,
            "class " + largeClass + " owns " + largePages + " pages");
        assertTrue(hits >= workingSet * 0.9, "hits " + hits + " of " + workingSet);
        assertTrue(stats.totalMalloced() <= 64L << 20);
        // every page automove moved was announced to the sysevents stream (memcached's type=slab_move)
        final long announced = recorder.events.stream()
            .filter(e -> e.startsWith("slab_move ") && e.endsWith(" true")).count();
        assertTrue(announced >= 1 && announced >= stats.get("slabs_moved") - 1 &&
            announced <= stats.get("slabs_moved") + 1, "announced " + announced + " of " + stats.get("slabs_moved"));
    }
}
