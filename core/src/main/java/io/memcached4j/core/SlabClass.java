/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.util.Arrays;

/**
 * One slab class: its chunk size, its pages, its free list and its segmented LRU, all guarded by one lock, the
 * object's own monitor ({@code synchronized (slabClass)}). memcached keeps a lock per LRU and a global slab lock; one
 * lock per class keeps a store to one class from contending with stores to another, and lets a store that replaces
 * an item of the same class unlink the old one, link the new one and free the old memory in a single acquisition.
 * A monitor rather than a {@code ReentrantLock}: a thread that waits for a monitor allocates nothing, so contention
 * with the LRU maintainer never allocates on the store path. It is reentrant, which eviction relies on (it unlinks
 * while holding the lock).
 * <p>
 * Threadsafe only under that lock: every mutable field here is guarded by it, except {@link #pageCount} and
 * {@link #freeCount}, which are also read racily for statistics.
 */
final class SlabClass
{
    final int id;
    final int size;
    final int perSlab;

    /* free list, doubly linked through the chunks' prev/next */
    int freeHead;
    volatile int freeCount;

    /* pages owned, in the order they arrived */
    int[] pages = new int[8];
    volatile int pageCount;
    /** A page being emptied by the page mover: its free chunks are kept off the free list. 0 when none. */
    int drainingPage;
    /** Chunks of the draining page freed since the move began (guarded by the class lock). */
    long drainingFreed;

    /* the segmented LRU: heads, tails, item counts and bytes per segment */
    final int[] heads = new int[ItemDescriptor.LRU_COUNT];
    final int[] tails = new int[ItemDescriptor.LRU_COUNT];
    final int[] counts = new int[ItemDescriptor.LRU_COUNT];
    final long[] bytes = new long[ItemDescriptor.LRU_COUNT];

    /* memcached's itemstats_t for this class */
    long evicted;
    long evictedNonzero;
    int evictedTime;
    long reclaimed;
    long outOfMemory;
    long tailRepairs;
    long expiredUnfetched;
    long evictedUnfetched;
    long evictedActive;
    long crawlerReclaimed;
    long crawlerItemsChecked;
    long lrutailReflocked;
    long movesToCold;
    long movesToWarm;
    long movesWithinLru;
    long directReclaims;

    /** The key of an item being evicted, for {@link ItemEvents}: made on first use, guarded by this class's lock. */
    byte[] eventKey;

    SlabClass(final int id, final int size, final int perSlab)
    {
        this.id = id;
        this.size = size;
        this.perSlab = perSlab;
    }

    void addPage(final int page)
    {
        if (pageCount == pages.length)
        {
            pages = Arrays.copyOf(pages, pages.length * 2);
        }
        pages[pageCount] = page;
        pageCount = pageCount + 1;
    }

    void removePage(final int page)
    {
        final int count = pageCount;
        for (int i = 0; i < count; i++)
        {
            if (pages[i] == page)
            {
                System.arraycopy(pages, i + 1, pages, i, count - i - 1);
                pageCount = count - 1;
                return;
            }
        }
        throw new IllegalStateException("page " + page + " is not in class " + id);
    }

    long itemCount()
    {
        long total = 0;
        for (final int count : counts)
        {
            total += count;
        }
        return total;
    }

    long itemBytes()
    {
        long total = 0;
        for (final long b : bytes)
        {
            total += b;
        }
        return total;
    }
}
