/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.CHUNK;
import static io.memcached4j.core.ItemDescriptor.CHUNKED;
import static io.memcached4j.core.ItemDescriptor.CHUNK_DATA_OFFSET;
import static io.memcached4j.core.ItemDescriptor.CRAWLER;
import static io.memcached4j.core.ItemDescriptor.HEAD_OFFSET;
import static io.memcached4j.core.ItemDescriptor.LINKED;
import static io.memcached4j.core.ItemDescriptor.LRU_COUNT;
import static io.memcached4j.core.ItemDescriptor.NBYTES_OFFSET;
import static io.memcached4j.core.ItemDescriptor.NEXT_OFFSET;
import static io.memcached4j.core.ItemDescriptor.PREV_OFFSET;
import static io.memcached4j.core.ItemDescriptor.SLABBED;
import static io.memcached4j.core.ItemDescriptor.STATE_OFFSET;
import static io.memcached4j.core.ItemDescriptor.USED_OFFSET;
import static io.memcached4j.core.ItemDescriptor.lru;
import static io.memcached4j.core.ItemDescriptor.offset;
import static io.memcached4j.core.ItemDescriptor.page;
import static io.memcached4j.core.ItemDescriptor.refcount;

import java.util.HashSet;
import java.util.Set;

/**
 * Walks every internal structure of a quiescent cache and checks that they agree: LRU links and counts, index
 * entries and stripe sizes, free lists, page ownership, chunk chains, and that every chunk of every page is
 * accounted for exactly once. Call it when no operation is running.
 */
final class StructureWalker
{
    private final Engine engine;
    private final ItemStore store;
    private final SlabAllocator slabs;

    StructureWalker(final MemcachedCache cache)
    {
        this.engine = (Engine)cache;
        this.store = engine.store;
        this.slabs = engine.slabs;
    }

    /**
     * Apply the queued LRU bumps, then check everything.
     *
     * @return how many items are linked.
     * @throws AssertionError describing the first inconsistency.
     */
    long check()
    {
        // a queued LRU bump holds a reference to its item until it is applied
        engine.drainBumps();
        final Set<Integer> linked = new HashSet<>();
        final Set<Integer> chunks = new HashSet<>();
        long items = 0;
        for (int id = 1; id <= slabs.largest(); id++)
        {
            final SlabClass c = slabs.classes[id];
            synchronized (c)
            {
                for (int l = 0; l < LRU_COUNT; l++)
                {
                    items += walkLru(c, l, linked, chunks);
                }
            }
        }
        final long indexed = walkIndex(linked);
        check(indexed == items, "index holds " + indexed + " entries but LRUs hold " + items + " items");
        long pagesInClasses = 0;
        for (int id = 1; id <= slabs.largest(); id++)
        {
            final SlabClass c = slabs.classes[id];
            synchronized (c)
            {
                pagesInClasses += c.pageCount;
                walkPages(c, linked, chunks);
            }
        }
        final long allocated = slabs.pagesAllocated();
        check(pagesInClasses + slabs.globalPoolSize() == allocated,
            "pages: " + pagesInClasses + " in classes + " + slabs.globalPoolSize() + " pooled != " + allocated);
        check(allocated * ItemDescriptor.PAGE_SIZE <= slabs.memoryLimit() || allocated == 0,
            "pages exceed the memory limit: " + allocated);
        return items;
    }

    /**
     * Count the linked items something holds a reference to, without applying the queued LRU bumps first (each holds
     * one while a maintainer thread is to apply it).
     *
     * @return how many linked items have a non-zero refcount.
     */
    long referenced()
    {
        long held = 0;
        for (int id = 1; id <= slabs.largest(); id++)
        {
            final SlabClass c = slabs.classes[id];
            synchronized (c)
            {
                for (int l = 0; l < LRU_COUNT; l++)
                {
                    for (int ref = c.heads[l]; ref != 0; ref = store.region(ref).getInt(offset(ref) + NEXT_OFFSET))
                    {
                        final int state = store.region(ref).getIntVolatile(offset(ref) + STATE_OFFSET);
                        if ((state & CRAWLER) == 0 && refcount(state) != 0)
                        {
                            held++;
                        }
                    }
                }
            }
        }
        return held;
    }

    private long walkLru(final SlabClass c, final int l, final Set<Integer> linked, final Set<Integer> chunks)
    {
        int ref = c.heads[l];
        int prev = 0;
        long count = 0;
        long bytes = 0;
        int guard = 0;
        while (ref != 0)
        {
            check(++guard < 100_000_000, "LRU cycle in class " + c.id + " lru " + l);
            final Region r = store.region(ref);
            final int o = offset(ref);
            check(r.getInt(o + PREV_OFFSET) == prev, "prev link broken at " + ref + " class " + c.id + " lru " + l);
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            if ((state & CRAWLER) == 0)
            {
                check((state & LINKED) != 0, "unlinked item " + ref + " in LRU of class " + c.id);
                check((state & SLABBED) == 0, "free chunk " + ref + " in LRU of class " + c.id);
                check(lru(state) == l, "item " + ref + " says LRU " + lru(state) + " but is in " + l);
                check(store.lruClassOf(r, o) == c.id, "item " + ref + " says class " + store.lruClassOf(r, o));
                check(refcount(state) == 0, "item " + ref + " still referenced: " + refcount(state));
                check(linked.add(ref), "item " + ref + " linked twice");
                if ((state & CHUNKED) == 0)
                {
                    check(slabs.pageOwner[page(ref)] == c.id, "item " + ref + " in a page of another class");
                }
                else
                {
                    walkChain(ref, r, o, state, chunks);
                }
                count++;
                bytes += store.itemSizeOf(r, o, state);
            }
            prev = ref;
            ref = r.getInt(o + NEXT_OFFSET);
        }
        check(c.tails[l] == prev, "tail of class " + c.id + " lru " + l + " is " + c.tails[l] + " not " + prev);
        check(c.counts[l] == count, "class " + c.id + " lru " + l + " counts " + c.counts[l] + " but has " + count);
        check(c.bytes[l] == bytes, "class " + c.id + " lru " + l + " bytes " + c.bytes[l] + " but has " + bytes);
        return count;
    }

    private void walkChain(final int head, final Region r, final int o, final int state, final Set<Integer> chunks)
    {
        int chunk = r.getInt(o + store.keyOffset(state) + store.nkeyOf(r, o));
        int prev = 0;
        long total = 0;
        while (chunk != 0)
        {
            final Region cr = store.region(chunk);
            final int co = offset(chunk);
            check(cr.getIntVolatile(co + STATE_OFFSET) == CHUNK, "chunk " + chunk + " of " + head + " has state " +
                Integer.toHexString(cr.getIntVolatile(co + STATE_OFFSET)));
            check(cr.getInt(co + HEAD_OFFSET) == head, "chunk " + chunk + " points to head " +
                cr.getInt(co + HEAD_OFFSET) + " not " + head);
            check(cr.getInt(co + PREV_OFFSET) == prev, "chunk chain prev broken at " + chunk);
            final int used = cr.getInt(co + USED_OFFSET);
            final SlabClass owner = slabs.classes[slabs.pageOwner[page(chunk)]];
            check(used > 0 && used <= owner.size - CHUNK_DATA_OFFSET, "chunk " + chunk + " uses " + used);
            check(chunks.add(chunk), "chunk " + chunk + " in two chains");
            total += used;
            prev = chunk;
            chunk = cr.getInt(co + NEXT_OFFSET);
        }
        check(total == r.getInt(o + NBYTES_OFFSET), "chain of " + head + " holds " + total + " bytes, not " +
            r.getInt(o + NBYTES_OFFSET));
    }

    private long walkIndex(final Set<Integer> linked)
    {
        long total = 0;
        for (final HashIndex.Stripe stripe : store.index.stripes)
        {
            final long stamp = stripe.lock.readLock();
            try
            {
                int size = 0;
                for (int slot = 0; slot < stripe.capacity(); slot++)
                {
                    final long e = stripe.table.getLong(slot * Long.BYTES);
                    if (e == 0)
                    {
                        continue;
                    }
                    size++;
                    final int ref = HashIndex.entryRef(e);
                    check(linked.contains(ref), "index entry for " + ref + " which is in no LRU");
                    final Region r = store.region(ref);
                    final int o = offset(ref);
                    final long hash = store.hashOfItem(r, o, r.getIntVolatile(o + STATE_OFFSET));
                    check((int)hash == HashIndex.entryHash(e), "index entry hash mismatch for " + ref);
                    check(store.index.stripe(hash) == stripe, "item " + ref + " indexed in the wrong stripe");
                    int probe = HashIndex.slot(hash, stripe.capacity());
                    while (probe != slot)
                    {
                        check(stripe.table.getLong(probe * Long.BYTES) != 0,
                            "empty slot between the home and the entry of " + ref);
                        probe = HashIndex.next(probe, stripe.capacity());
                    }
                }
                check(size == stripe.size, "stripe size " + stripe.size + " but " + size + " entries");
                total += size;
            }
            finally
            {
                stripe.lock.unlockRead(stamp);
            }
        }
        return total;
    }

    private void walkPages(final SlabClass c, final Set<Integer> linked, final Set<Integer> chunks)
    {
        final Set<Integer> free = new HashSet<>();
        final int spare = engine.mover.spareChunk();
        int ref = c.freeHead;
        int prev = 0;
        while (ref != 0)
        {
            final Region r = store.region(ref);
            final int o = offset(ref);
            check(r.getIntVolatile(o + STATE_OFFSET) == SLABBED, "free list of " + c.id + " holds a used chunk");
            check(slabs.pageOwner[page(ref)] == c.id, "free chunk " + ref + " in a page of another class");
            check(page(ref) != c.drainingPage, "free list of " + c.id + " holds a chunk of the draining page");
            check(r.getInt(o + PREV_OFFSET) == prev, "free list prev broken at " + ref);
            check(free.add(ref), "free list cycle at " + ref);
            prev = ref;
            ref = r.getInt(o + NEXT_OFFSET);
        }
        check(free.size() == c.freeCount, "class " + c.id + " counts " + c.freeCount + " free, list has " +
            free.size());
        for (int i = 0; i < c.pageCount; i++)
        {
            final int p = c.pages[i];
            check(slabs.pageOwner[p] == c.id, "page " + p + " listed in class " + c.id + " but owned by " +
                slabs.pageOwner[p]);
            for (int k = 0; k < c.perSlab; k++)
            {
                final int chunk = ItemDescriptor.ref(p, k * c.size);
                // a page move waiting for a busy chunk keeps the page's free chunks off the free list
                final boolean isFree = free.contains(chunk) || (p == c.drainingPage &&
                    store.region(chunk).getIntVolatile(offset(chunk) + STATE_OFFSET) == SLABBED);
                final boolean isItem = linked.contains(chunk);
                final boolean isChunk = chunks.contains(chunk);
                // or the page mover holds it, allocated, for its next rescue
                final boolean isSpare = chunk == spare;
                check((isFree ? 1 : 0) + (isItem ? 1 : 0) + (isChunk ? 1 : 0) + (isSpare ? 1 : 0) == 1,
                    "chunk " + chunk + " of class " + c.id + " is free=" + isFree + " item=" + isItem +
                    " chunk=" + isChunk + " spare=" + isSpare);
            }
        }
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new AssertionError(message);
        }
    }
}
