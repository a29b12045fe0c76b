/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.util.Arrays;

/**
 * The validated settings of a cache, named after memcached's settings and with memcached 1.6's defaults. Built by a
 * {@link CacheBuilder}; immutable and threadsafe. The LRU and slab tunables that memcached lets a client change at
 * run time ({@code lru tune}, {@code slabs automove}, ...) start from these values and are changed on the cache.
 */
public final class CacheConfig
{
    /** Default {@code -m}: 64 MiB. */
    public static final long DEFAULT_MEMORY_LIMIT = 64L * 1024 * 1024;
    /** Default {@code -I}: 1 MiB. */
    public static final int DEFAULT_ITEM_SIZE_MAX = 1024 * 1024;
    /** Smallest {@code -I}: 1 KiB. */
    public static final int ITEM_SIZE_MAX_LOWER_LIMIT = 1024;
    /** Largest {@code -I}: 1 GiB. */
    public static final int ITEM_SIZE_MAX_UPPER_LIMIT = 1024 * 1024 * 1024;
    /** Default {@code -f}. */
    public static final double DEFAULT_GROWTH_FACTOR = 1.25;
    /** Default {@code -n}. */
    public static final int DEFAULT_MIN_SPACE = 48;
    /** memcached's {@code KEY_MAX_LENGTH}. */
    public static final int KEY_MAX_LENGTH = 250;
    /** Largest relative expiry, 30 days: larger values are Unix times (memcached's {@code REALTIME_MAXDELTA}). */
    public static final int REALTIME_MAXDELTA = 60 * 60 * 24 * 30;

    private final long memoryLimit;
    private final int itemSizeMax;
    private final int slabChunkMax;
    private final int slabPageSize;
    private final double growthFactor;
    private final int minSpace;
    private final int[] slabSizes;
    private final boolean casEnabled;
    private final boolean evictionsEnabled;
    private final boolean preallocate;
    private final int hashPowerInit;
    private final boolean lruSegmented;
    private final boolean lruMaintainer;
    private final boolean lruCrawler;
    private final int lruCrawlerSleep;
    private final int lruCrawlerTocrawl;
    private final int hotLruPct;
    private final int warmLruPct;
    private final double hotMaxFactor;
    private final double warmMaxFactor;
    private final boolean tempLru;
    private final int temporaryTtl;
    private final boolean slabReassign;
    private final int slabAutomove;
    private final double slabAutomoveRatio;
    private final int slabAutomoveWindow;
    private final int tailRepairTime;
    private final boolean trackSizes;
    private final int trackSizesUpTo;
    private final boolean backgroundThreads;
    private final Clock clock;
    private final EngineTrace trace;

    /** The trace of a cache built without one. */
    private static final EngineTrace NO_TRACE = new EngineTrace()
    {
    };

    CacheConfig(final CacheBuilder b)
    {
        this.memoryLimit = b.memoryLimit;
        this.itemSizeMax = b.itemSizeMax;
        this.slabChunkMax = b.effectiveSlabChunkMax();
        this.slabPageSize = ItemDescriptor.PAGE_SIZE;
        this.growthFactor = b.growthFactor;
        this.minSpace = b.minSpace;
        this.slabSizes = b.slabSizes == null ? null : b.slabSizes.clone();
        this.casEnabled = b.casEnabled;
        this.evictionsEnabled = b.evictionsEnabled;
        this.preallocate = b.preallocate;
        this.hashPowerInit = b.hashPowerInit;
        this.lruSegmented = b.effectiveLruSegmented();
        this.lruMaintainer = b.lruMaintainer;
        this.lruCrawler = b.lruCrawler;
        this.lruCrawlerSleep = b.lruCrawlerSleep;
        this.lruCrawlerTocrawl = b.lruCrawlerTocrawl;
        this.hotLruPct = b.hotLruPct;
        this.warmLruPct = b.warmLruPct;
        this.hotMaxFactor = b.hotMaxFactor;
        this.warmMaxFactor = b.warmMaxFactor;
        this.tempLru = b.tempLru;
        this.temporaryTtl = b.temporaryTtl;
        this.slabReassign = b.slabReassign;
        this.slabAutomove = b.slabAutomove;
        this.slabAutomoveRatio = b.slabAutomoveRatio;
        this.slabAutomoveWindow = b.slabAutomoveWindow;
        this.tailRepairTime = b.tailRepairTime;
        this.trackSizes = b.trackSizes;
        this.trackSizesUpTo = b.trackSizesUpTo == 0 ? b.itemSizeMax : b.trackSizesUpTo;
        this.backgroundThreads = b.backgroundThreads;
        this.clock = b.clock != null ? b.clock : new SystemClock();
        this.trace = b.trace != null ? b.trace : NO_TRACE;
    }

    /**
     * {@code -m}: bytes of item memory ({@code maxbytes}).
     *
     * @return the memory limit in bytes.
     */
    public long memoryLimit()
    {
        return memoryLimit;
    }

    /**
     * {@code -I}: the largest item, header included ({@code item_size_max}).
     *
     * @return the item size limit in bytes.
     */
    public int itemSizeMax()
    {
        return itemSizeMax;
    }

    /**
     * {@code slab_chunk_max}: the largest chunk; larger items are chained.
     *
     * @return the largest chunk size in bytes.
     */
    public int slabChunkMax()
    {
        return slabChunkMax;
    }

    /**
     * {@code slab_page_size}: always 1 MiB.
     *
     * @return the page size in bytes.
     */
    public int slabPageSize()
    {
        return slabPageSize;
    }

    /**
     * {@code -f}: slab class growth factor.
     *
     * @return the growth factor.
     */
    public double growthFactor()
    {
        return growthFactor;
    }

    /**
     * {@code -n}: key, value and flags space of the smallest class ({@code chunk_size}).
     *
     * @return the minimum space in bytes.
     */
    public int minSpace()
    {
        return minSpace;
    }

    /**
     * {@code -o slab_sizes}: explicit chunk sizes, or null.
     *
     * @return a copy of the sizes, or null.
     */
    public int[] slabSizes()
    {
        return slabSizes == null ? null : slabSizes.clone();
    }

    /**
     * Whether items carry a CAS value ({@code -C} turns it off).
     *
     * @return true when CAS is enabled.
     */
    public boolean casEnabled()
    {
        return casEnabled;
    }

    /**
     * Whether a full cache evicts ({@code -M} makes it fail stores instead).
     *
     * @return true when evictions are enabled.
     */
    public boolean evictionsEnabled()
    {
        return evictionsEnabled;
    }

    /**
     * {@code -L}: take all memory at start.
     *
     * @return true when memory is preallocated.
     */
    public boolean preallocate()
    {
        return preallocate;
    }

    /**
     * {@code -o hashpower}: initial index size as a power of two; 0 means the default (16).
     *
     * @return the initial hash power, or 0.
     */
    public int hashPowerInit()
    {
        return hashPowerInit;
    }

    /**
     * Whether the LRU is segmented (HOT/WARM/COLD); false is memcached's flat mode.
     *
     * @return true when segmented.
     */
    public boolean lruSegmented()
    {
        return lruSegmented;
    }

    /**
     * Whether the LRU maintainer runs ({@code -o no_lru_maintainer} turns it off).
     *
     * @return true when the maintainer is enabled.
     */
    public boolean lruMaintainer()
    {
        return lruMaintainer;
    }

    /**
     * Whether the LRU crawler runs ({@code -o no_lru_crawler} turns it off).
     *
     * @return true when the crawler is enabled.
     */
    public boolean lruCrawler()
    {
        return lruCrawler;
    }

    /**
     * {@code lru_crawler_sleep}: microseconds between crawler steps.
     *
     * @return the crawler sleep.
     */
    public int lruCrawlerSleep()
    {
        return lruCrawlerSleep;
    }

    /**
     * {@code lru_crawler_tocrawl}: items to examine per class and run; 0 is unlimited.
     *
     * @return the crawl limit.
     */
    public int lruCrawlerTocrawl()
    {
        return lruCrawlerTocrawl;
    }

    /**
     * {@code hot_lru_pct}.
     *
     * @return percent of a class's memory for HOT.
     */
    public int hotLruPct()
    {
        return hotLruPct;
    }

    /**
     * {@code warm_lru_pct}.
     *
     * @return percent of a class's memory for WARM.
     */
    public int warmLruPct()
    {
        return warmLruPct;
    }

    /**
     * {@code hot_max_factor}.
     *
     * @return HOT's age limit as a factor of COLD's tail age.
     */
    public double hotMaxFactor()
    {
        return hotMaxFactor;
    }

    /**
     * {@code warm_max_factor}.
     *
     * @return WARM's age limit as a factor of COLD's tail age.
     */
    public double warmMaxFactor()
    {
        return warmMaxFactor;
    }

    /**
     * {@code temp_lru}: whether items with short TTLs go to the TEMP LRU.
     *
     * @return true when the TEMP LRU is on.
     */
    public boolean tempLru()
    {
        return tempLru;
    }

    /**
     * {@code temporary_ttl}: TTLs up to this go to TEMP when it is on.
     *
     * @return the TTL bound in seconds.
     */
    public int temporaryTtl()
    {
        return temporaryTtl;
    }

    /**
     * {@code slab_reassign}: whether pages may move between classes.
     *
     * @return true when reassignment is allowed.
     */
    public boolean slabReassign()
    {
        return slabReassign;
    }

    /**
     * {@code slab_automove}: 0 off, 1 on, 2 aggressive.
     *
     * @return the automove mode.
     */
    public int slabAutomove()
    {
        return slabAutomove;
    }

    /**
     * {@code slab_automove_ratio}.
     *
     * @return the age ratio that triggers a move.
     */
    public double slabAutomoveRatio()
    {
        return slabAutomoveRatio;
    }

    /**
     * {@code slab_automove_window}: seconds of history automove looks at.
     *
     * @return the window in seconds.
     */
    public int slabAutomoveWindow()
    {
        return slabAutomoveWindow;
    }

    /**
     * {@code tail_repair_time}: 0, as memcached recommends.
     *
     * @return the tail repair time in seconds.
     */
    public int tailRepairTime()
    {
        return tailRepairTime;
    }

    /**
     * {@code -o track_sizes}: keep the {@code stats sizes} histogram.
     *
     * @return true when sizes are tracked.
     */
    public boolean trackSizes()
    {
        return trackSizes;
    }

    /**
     * The largest item size the {@code stats sizes} histogram counts: {@code -I}, or the size given to
     * {@link CacheBuilder#trackSizes(int)}.
     *
     * @return bytes.
     */
    public int trackSizesUpTo()
    {
        return trackSizesUpTo;
    }

    /**
     * Whether the cache runs its LRU maintainer, crawler and rebalancer on threads of its own; when false the
     * embedder drives them through {@link MemcachedCache#backgroundWork()}.
     *
     * @return true when the cache starts its own threads.
     */
    public boolean backgroundThreads()
    {
        return backgroundThreads;
    }

    /**
     * The clock.
     *
     * @return the clock items are timed with.
     */
    public Clock clock()
    {
        return clock;
    }

    /**
     * Where the engine reports its background work.
     *
     * @return the trace; one that does nothing when none was given.
     */
    public EngineTrace trace()
    {
        return trace;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "CacheConfig{" +
            "memoryLimit=" + memoryLimit +
            ", itemSizeMax=" + itemSizeMax +
            ", slabChunkMax=" + slabChunkMax +
            ", growthFactor=" + growthFactor +
            ", minSpace=" + minSpace +
            ", slabSizes=" + Arrays.toString(slabSizes) +
            ", casEnabled=" + casEnabled +
            ", evictionsEnabled=" + evictionsEnabled +
            ", lruSegmented=" + lruSegmented +
            ", slabAutomove=" + slabAutomove +
            '}';
    }
}
