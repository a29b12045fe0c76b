/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Page moves of the chunk class (the largest, which holds the value chunks of chained items) while chained items are
 * freed and read.
 */
class ChunkPageMoveTest extends CacheTestSupport
{
    private static final int BIG = 600_000;

    private static byte[] filled(final char c)
    {
        final byte[] value = new byte[BIG];
        Arrays.fill(value, (byte)c);
        return value;
    }

    /**
     * Freeing a chained item takes one class lock per chunk, so other threads run between the chunks. The page mover
     * finds a value chunk's item through the head ref the chunk holds; were the head freed before the chunks, a new
     * chained item could take the head's memory while the old chunks still name it, and the mover would splice an
     * old chunk into the new item's chain: the new item reads the old value, its own chunks leak, and the old item's
     * last chunks are freed while the new item still links them. This stops a thread in the middle of such a free,
     * by holding the lock of the class of the first value chunk, and moves that chunk's page meanwhile.
     */
    @Test
    void shouldNotLetTheMoverTakeAFreedItemsChunkForTheChunkOfANewItem() throws InterruptedException
    {
        final MemcachedCache cache = cache(builder().memoryLimit(64L << 20).slabAutomove(0));
        final Engine engine = (Engine)cache;
        final SlabClass chunkClass = engine.slabs.classes[engine.slabs.largest()];
        // the first page of the chunk class holds the first value chunks of a and b; d to g fill two more pages
        for (final char k : new char[] {'a', 'b', 'd', 'e', 'f', 'g'})
        {
            assertEquals(StoreResult.STORED, cache.set(String.valueOf(k), filled(k)));
        }
        // spare chunks for the mover's copies and for c
        cache.delete("e");
        cache.delete("f");
        cache.delete("g");
        // b stays referenced, so the move of the first page cannot finish while the race is staged
        final ItemReader holdB = cache.newReader();
        assertEquals(BIG, holdB.open(bytes("b"), new FetchOptions(), null, null));
        // a is deleted while a reader holds it: the reader's close frees it, without any stripe lock
        final ItemReader holdA = cache.newReader();
        assertEquals(BIG, holdA.open(bytes("a"), new FetchOptions(), null, null));
        cache.delete("a");
        assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(chunkClass.id, 0));
        final Region draining = engine.slabs.pages[chunkClass.drainingPage];
        assertEquals(ItemDescriptor.CHUNK, draining.getIntVolatile(ItemDescriptor.STATE_OFFSET),
            "the draining page should start with the first value chunk of a");

        final byte[] c = filled('c');
        final Thread closer = new Thread(holdA::close, "closer");
        synchronized (chunkClass)
        {
            closer.start();
            // the closer is freeing a and now waits for the chunk class, to free a chunk of a
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (closer.getState() != Thread.State.BLOCKED)
            {
                assertTrue(closer.isAlive() && System.nanoTime() < deadline, "the closer should wait for the lock");
                Thread.onSpinWait();
            }
            // a new chained item, and a pass of the mover over the page with a's first chunk, meanwhile
            assertEquals(StoreResult.STORED, cache.set("c", c));
            engine.mover.step();
        }
        closer.join();
        assertArrayEquals(c, cache.get("c"), "c should read back its own value");

        holdB.close();
        for (int i = 0; i < 100 && engine.mover.running(); i++)
        {
            engine.mover.step();
        }
        assertFalse(engine.mover.running(), "the move should finish");
        assertArrayEquals(c, cache.get("c"));
        assertArrayEquals(filled('b'), cache.get("b"));
        assertArrayEquals(filled('d'), cache.get("d"));
    }

    /**
     * A class that owns no page takes one from the class with the most pages when memory is full. A reader that holds
     * an item of that class's first page (a client reading a large value slowly, or never) must not make every store
     * of such a class fail: another page of the class is taken.
     */
    @Test
    void shouldGiveAClassWithoutPagesAPageWhileAReaderHoldsAnItemOfTheFirstPageOfTheOthers()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20).slabAutomove(0));
        final Engine engine = (Engine)cache;
        final byte[] value = new byte[400_000];
        // a and b take the first page of their class: two 512 KiB chunks of a 1 MiB page, handed out first
        assertEquals(StoreResult.STORED, cache.set("a", value));
        assertEquals(StoreResult.STORED, cache.set("b", value));
        try (ItemReader holdA = cache.newReader())
        {
            assertEquals(value.length, holdA.open(bytes("a"), new FetchOptions(), null, null));
            // a is replaced while read: its old chunk stays until the reader lets go
            assertEquals(StoreResult.STORED, cache.set("a", value));
            for (int i = 0; i < 40; i++)
            {
                assertEquals(StoreResult.STORED, cache.set("k" + i, value));
            }
            assertTrue(engine.slabs.limitReached() && engine.slabs.globalPoolSize() == 0, "memory should be full");
            assertEquals(StoreResult.STORED, cache.set("small", bytes("x").array()));
            assertArrayEquals(new byte[] {'x'}, cache.get("small"));
        }
    }

    /**
     * When every page of the class with the most pages holds an item a reader holds, a class without pages gets none:
     * the store is refused, and nothing is evicted for it.
     */
    @Test
    void shouldRefuseAStoreInAClassWithoutPagesWithoutEvictingWhenReadersHoldAnItemOfEveryPage()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20).slabAutomove(0));
        final byte[] value = new byte[400_000];
        final java.util.List<ItemReader> held = new java.util.ArrayList<>();
        try
        {
            for (int i = 0; i < 40; i++)
            {
                assertEquals(StoreResult.STORED, cache.set("k" + i, value));
            }
            for (int i = 0; i < 40; i++)
            {
                final ItemReader reader = cache.newReader();
                held.add(reader);
                if (reader.open(bytes("k" + i), new FetchOptions(), null, null) < 0)
                {
                    reader.close();
                    held.remove(reader);
                }
            }
            final long items = cache.stats().get("curr_items");
            final long evictions = cache.stats().get("evictions");
            assertEquals(items, held.size());
            assertEquals(StoreResult.NO_MEMORY, cache.set("small", bytes("x").array()));
            assertEquals(items, cache.stats().get("curr_items"));
            assertEquals(evictions, cache.stats().get("evictions"));
        }
        finally
        {
            held.forEach(ItemReader::close);
        }
        assertEquals(StoreResult.STORED, cache.set("small", bytes("x").array()));
    }

    /**
     * A move that found a busy chunk keeps the free chunks of its page off the free list until its next pass; when
     * the background work stops in between, the structures are walked in that state and must agree.
     */
    @Test
    void shouldStayConsistentWhileAMoveWaitsForAReader()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(64L << 20).slabAutomove(0));
        final Engine engine = (Engine)cache;
        final SlabClass chunkClass = engine.slabs.classes[engine.slabs.largest()];
        for (final char k : new char[] {'a', 'b', 'd'})
        {
            assertEquals(StoreResult.STORED, cache.set(String.valueOf(k), filled(k)));
        }
        cache.delete("b");
        final ItemReader holdA = cache.newReader();
        assertEquals(BIG, holdA.open(bytes("a"), new FetchOptions(), null, null));
        assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(chunkClass.id, 0));
        engine.mover.step();
        assertTrue(engine.mover.running(), "the move should wait for the reader");
        holdA.close();
        new StructureWalker(cache).check();
        for (int i = 0; i < 100 && engine.mover.running(); i++)
        {
            engine.mover.step();
        }
        assertFalse(engine.mover.running(), "the move should finish");
        assertArrayEquals(filled('a'), cache.get("a"));
        assertArrayEquals(filled('d'), cache.get("d"));
    }
}
