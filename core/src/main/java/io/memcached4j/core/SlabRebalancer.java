/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.COLD_LRU;

import org.agrona.concurrent.Agent;

/**
 * The slab rebalancer (memcached's slab rebalance thread and {@code slab_automove.c}): advances page moves, and once a
 * second decides whether a page should move, by memcached's automove algorithm. Over a window of
 * {@code slab_automove_window} seconds it tracks, per class, the age of the COLD tail and whether the class evicted;
 * a class with more than 2.5 pages of free chunks and a quiet window gives a page back to the global pool; otherwise,
 * when the youngest evicting class is younger than {@code slab_automove_ratio} times the oldest class, one page moves
 * from the oldest to the youngest. With {@code slab_automove=2} every eviction asks for a page too.
 * <p>
 * Runs as an Agrona {@link Agent}; its state is confined to the thread that calls {@link #doWork()}.
 */
final class SlabRebalancer implements Agent
{
    private static final int MIN_PAGES_FOR_SOURCE = 2;
    private static final double MIN_PAGES_FOR_RECLAIM = 2.5;

    private final ItemStore store;
    private final SlabAllocator slabs;
    private final PageMover mover;
    private final LruMaintainer maintainer;
    private final Clock clock;
    /** {@code slabs automove ratio}: read on every run. */
    volatile double maxAgeRatio;
    /**
     * The longest window whose history fits in arrays (one cell per class and second); a longer one asked for at
     * run time is kept at this length.
     */
    static final int MAX_WINDOW = Integer.MAX_VALUE / SlabClassTable.MAX_CLASSES - 1;

    /** {@code slabs automove window}: the history is restarted at the next run when this changes. */
    volatile int requestedWindow;
    private int windowSize;

    private long[] windowAge;
    private boolean[] windowDirty;
    private double[] windowEvictedRatio;
    private boolean[] windowEvictedSeen;
    private final long[] evictedBefore = new long[SlabClassTable.MAX_CLASSES];
    private final long[] outOfMemoryBefore = new long[SlabClassTable.MAX_CLASSES];
    private final int[] pagesBefore = new int[SlabClassTable.MAX_CLASSES];
    private final long[] evictedAfter = new long[SlabClassTable.MAX_CLASSES];
    private final long[] outOfMemoryAfter = new long[SlabClassTable.MAX_CLASSES];
    private final int[] pagesAfter = new int[SlabClassTable.MAX_CLASSES];
    private final long[] ageAfter = new long[SlabClassTable.MAX_CLASSES];
    private final int[] freeChunksAfter = new int[SlabClassTable.MAX_CLASSES];
    private long windowCur;
    private int lastRun = Integer.MIN_VALUE;
    private int lastMove = Integer.MIN_VALUE;
    private boolean primed;

    SlabRebalancer(final ItemStore store, final PageMover mover, final LruMaintainer maintainer, final CacheConfig c)
    {
        this.store = store;
        this.slabs = store.slabs;
        this.mover = mover;
        this.maintainer = maintainer;
        this.clock = store.clock;
        this.maxAgeRatio = c.slabAutomoveRatio();
        this.requestedWindow = Math.max(1, c.slabAutomoveWindow());
        startWindow(requestedWindow);
    }

    private void startWindow(final int size)
    {
        windowSize = size;
        final int cells = windowSize * SlabClassTable.MAX_CLASSES;
        windowAge = new long[cells];
        windowDirty = new boolean[cells];
        windowEvictedRatio = new double[cells];
        windowEvictedSeen = new boolean[cells];
        windowCur = 0;
        primed = false;
    }

    public int doWork()
    {
        final int moved = mover.step();
        if (moved > 0)
        {
            return moved;
        }
        final int automove = mover.automove;
        if (automove == 0 || !mover.reassignEnabled)
        {
            return 0;
        }
        if (automove == 2)
        {
            final int cls = mover.takeAggressiveRequest();
            if (cls != 0 && mover.reassign(-1, cls, true) == PageMover.Reassign.OK)
            {
                return 1;
            }
        }
        final int now = store.now();
        if (now == lastRun)
        {
            return 0;
        }
        lastRun = now;
        return runAutomove(now);
    }

    /**
     * memcached's {@code slab_automove_run} followed by the reassign it asks for.
     *
     * @return 1 if a move started.
     */
    int runAutomove(final int now)
    {
        final int window = requestedWindow;
        if (window != windowSize)
        {
            startWindow(window);
        }
        fillStats(now);
        if (!primed)
        {
            primed = true;
            shiftBefore();
            return 0;
        }
        long evictedTotal = 0;
        for (int n = 1; n <= slabs.largest(); n++)
        {
            evictedTotal += evictedAfter[n] - evictedBefore[n];
        }
        windowCur++;
        int src = -1;
        int dst = -1;
        int oldest = -1;
        long oldestAge = 0;
        int youngest = -1;
        long youngestAge = Long.MAX_VALUE;
        boolean youngestEvicting = false;
        for (int n = 1; n <= slabs.largest(); n++)
        {
            final int base = n * windowSize;
            final int cell = base + (int)(windowCur % windowSize);
            windowAge[cell] = 0;
            windowDirty[cell] = false;
            windowEvictedRatio[cell] = 0;
            windowEvictedSeen[cell] = false;
            final long evictedDelta = evictedAfter[n] - evictedBefore[n];
            if (evictedDelta > 0)
            {
                windowEvictedRatio[cell] = (double)evictedDelta / evictedTotal;
                windowEvictedSeen[cell] = true;
                windowDirty[cell] = true;
            }
            if (outOfMemoryAfter[n] - outOfMemoryBefore[n] > 0 || pagesAfter[n] - pagesBefore[n] > 0)
            {
                windowDirty[cell] = true;
            }
            windowAge[cell] = ageAfter[n];

            long sumAge = 0;
            int dirty = 0;
            double sumRatio = 0;
            int seen = 0;
            for (int x = 0; x < windowSize; x++)
            {
                sumAge += windowAge[base + x];
                dirty += windowDirty[base + x] ? 1 : 0;
                sumRatio += windowEvictedRatio[base + x];
                seen += windowEvictedSeen[base + x] ? 1 : 0;
            }
            final long age = sumAge / windowSize;
            final SlabClass c = slabs.classes[n];
            if (freeChunksAfter[n] > c.perSlab * MIN_PAGES_FOR_RECLAIM && dirty == 0)
            {
                src = n;
                dst = 0;
                youngest = -1;
                oldest = -1;
                break;
            }
            if (age > oldestAge && pagesAfter[n] > MIN_PAGES_FOR_SOURCE)
            {
                oldest = n;
                oldestAge = age;
            }
            if (age < youngestAge && (seen > windowSize / 2 || sumRatio / windowSize > 0.25))
            {
                youngest = n;
                youngestAge = age;
                youngestEvicting = windowEvictedSeen[cell];
            }
        }
        shiftBefore();
        if (youngest != -1 && oldest != -1 && windowCur > windowSize &&
            youngestAge < oldestAge * maxAgeRatio && youngestEvicting)
        {
            src = oldest;
            dst = youngest;
        }
        if (src == -1 || dst == -1)
        {
            return 0;
        }
        if (dst != 0 && lastMove == now)
        {
            return 0;
        }
        final boolean started = mover.reassign(src, dst, false) == PageMover.Reassign.OK;
        if ((store.eventMask() & ItemEvents.SYSEVENTS) != 0)
        {
            store.logSlabMove(src, dst, started);
        }
        if (started)
        {
            if (dst != 0)
            {
                lastMove = now;
            }
            return 1;
        }
        return 0;
    }

    private void fillStats(final int now)
    {
        for (int n = 1; n <= slabs.largest(); n++)
        {
            final SlabClass c = slabs.classes[n];
            synchronized (c)
            {
                evictedAfter[n] = c.evicted;
                outOfMemoryAfter[n] = c.outOfMemory;
                pagesAfter[n] = c.pageCount;
                freeChunksAfter[n] = c.freeCount;
                final int tail = maintainer.lastItem(c, COLD_LRU);
                ageAfter[n] = tail == 0 ? 0 : now - store.region(tail).getInt(
                    ItemDescriptor.offset(tail) + ItemDescriptor.TIME_OFFSET);
            }
        }
    }

    private void shiftBefore()
    {
        System.arraycopy(evictedAfter, 0, evictedBefore, 0, evictedAfter.length);
        System.arraycopy(outOfMemoryAfter, 0, outOfMemoryBefore, 0, outOfMemoryAfter.length);
        System.arraycopy(pagesAfter, 0, pagesBefore, 0, pagesAfter.length);
    }

    public String roleName()
    {
        return "memcached4j-slab-rebalancer";
    }
}
