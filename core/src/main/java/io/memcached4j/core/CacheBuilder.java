/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * Builds a {@link MemcachedCache}. Every setting is one of memcached's, with memcached 1.6's default and, when it is
 * invalid, memcached's error message (thrown as an {@link IllegalArgumentException} by {@link #config()} or
 * {@link #build()}). Not threadsafe.
 * <pre>{@code
 * try (MemcachedCache cache = MemcachedCache.builder().memoryLimit(256L << 20).build())
 * {
 *     cache.set("greeting", "hello".getBytes(StandardCharsets.UTF_8), 0, 0);
 * }
 * }</pre>
 */
public final class CacheBuilder
{
    /** The smallest {@code slab_chunk_max} memcached accepts: one kilobyte, as it is given in kilobytes. */
    static final int SLAB_CHUNK_MAX_MIN = 1024;

    long memoryLimit = CacheConfig.DEFAULT_MEMORY_LIMIT;
    int itemSizeMax = CacheConfig.DEFAULT_ITEM_SIZE_MAX;
    int slabChunkMax;
    double growthFactor = CacheConfig.DEFAULT_GROWTH_FACTOR;
    int minSpace = CacheConfig.DEFAULT_MIN_SPACE;
    int[] slabSizes;
    boolean casEnabled = true;
    boolean evictionsEnabled = true;
    boolean preallocate;
    int hashPowerInit;
    /** Null until {@link #lruSegmented(boolean)} is called: the LRU then follows {@link #lruMaintainer}. */
    Boolean lruSegmented;
    boolean lruMaintainer = true;
    boolean lruCrawler = true;
    int lruCrawlerSleep = 100;
    int lruCrawlerTocrawl;
    int hotLruPct = 20;
    int warmLruPct = 40;
    double hotMaxFactor = 0.2;
    double warmMaxFactor = 2.0;
    boolean tempLru;
    int temporaryTtl = 61;
    boolean slabReassign = true;
    int slabAutomove = 1;
    double slabAutomoveRatio = 0.8;
    int slabAutomoveWindow = 10;
    int tailRepairTime;
    boolean trackSizes;
    int trackSizesUpTo;
    boolean backgroundThreads = true;
    Clock clock;
    EngineTrace trace;

    CacheBuilder()
    {
    }

    /**
     * {@code -m}: item memory in bytes. Item memory never exceeds it; the hash index is outside it, as in memcached.
     *
     * @param bytes the limit (default 64 MiB).
     * @return this builder.
     */
    public CacheBuilder memoryLimit(final long bytes)
    {
        this.memoryLimit = bytes;
        return this;
    }

    /**
     * {@code -I}: the largest item, header included (1 KiB to 1 GiB, default 1 MiB).
     *
     * @param bytes the limit.
     * @return this builder.
     */
    public CacheBuilder itemSizeMax(final int bytes)
    {
        this.itemSizeMax = bytes;
        return this;
    }

    /**
     * {@code -o slab_chunk_max}: the largest slab chunk in bytes; larger items are chained. 0 picks memcached's
     * default, half a page. memcached takes it in whole kilobytes, 1 to 1024, so the smallest chunk it allows is
     * 1 KiB; it must divide both the page (1 MiB) and {@code -I}, which leaves the powers of two from 1 KiB to
     * 1 MiB.
     *
     * @param bytes the largest chunk, or 0.
     * @return this builder.
     */
    public CacheBuilder slabChunkMax(final int bytes)
    {
        this.slabChunkMax = bytes;
        return this;
    }

    /**
     * {@code -f}: growth factor between slab classes (default 1.25).
     *
     * @param factor the factor, greater than 1.
     * @return this builder.
     */
    public CacheBuilder growthFactor(final double factor)
    {
        this.growthFactor = factor;
        return this;
    }

    /**
     * {@code -n}: key, value and flags space of the smallest slab class (default 48).
     *
     * @param bytes the space.
     * @return this builder.
     */
    public CacheBuilder minSpace(final int bytes)
    {
        this.minSpace = bytes;
        return this;
    }

    /**
     * {@code -o slab_sizes}: explicit chunk sizes, ascending, instead of the growth factor.
     *
     * @param sizes the sizes, or null for the factor.
     * @return this builder.
     */
    public CacheBuilder slabSizes(final int... sizes)
    {
        this.slabSizes = sizes == null ? null : sizes.clone();
        return this;
    }

    /**
     * {@code -C} when false: items carry no CAS value (and take 8 bytes less).
     *
     * @param enabled whether CAS is on (default true).
     * @return this builder.
     */
    public CacheBuilder casEnabled(final boolean enabled)
    {
        this.casEnabled = enabled;
        return this;
    }

    /**
     * {@code -M} when false: a full cache fails stores with an out-of-memory result instead of evicting.
     *
     * @param enabled whether evictions happen (default true).
     * @return this builder.
     */
    public CacheBuilder evictionsEnabled(final boolean enabled)
    {
        this.evictionsEnabled = enabled;
        return this;
    }

    /**
     * {@code -L}: as memcached, give every slab class one page when the cache is built, so that no class meets an
     * out of memory error without having had a page; the other pages come as classes need them. The memory limit
     * must then hold at least one page for every class: {@link #build()} throws an {@link IllegalStateException}
     * with memcached's message otherwise. The limit cannot be changed later ({@link CacheAdmin#adjustMemoryLimit}).
     *
     * @param preallocate whether to preallocate (default false).
     * @return this builder.
     */
    public CacheBuilder preallocate(final boolean preallocate)
    {
        this.preallocate = preallocate;
        return this;
    }

    /**
     * {@code -o hashpower}: initial index size as a power of two, 12 to 32; 0 for the default (16).
     *
     * @param power the power, or 0.
     * @return this builder.
     */
    public CacheBuilder hashPowerInit(final int power)
    {
        this.hashPowerInit = power;
        return this;
    }

    /**
     * Segmented LRU (HOT/WARM/COLD) or memcached's flat LRU ({@code lru mode flat}). When not called, the LRU is
     * segmented if the LRU maintainer runs and flat if it does not, as memcached's options set it (see
     * {@link #lruMaintainer(boolean)}); when called, this choice stands whatever the maintainer setting and
     * whatever the order of the calls.
     *
     * @param segmented whether the LRU is segmented.
     * @return this builder.
     */
    public CacheBuilder lruSegmented(final boolean segmented)
    {
        this.lruSegmented = segmented;
        return this;
    }

    /**
     * {@code -o no_lru_maintainer} when false, {@code -o lru_maintainer} when true. As memcached's options, these
     * also choose the LRU: without the maintainer, nothing would move items out of HOT and WARM, so memcached's
     * {@code no_lru_maintainer} turns {@code lru_segmented} off and items live in one flat LRU (reported as
     * COLD); {@code lru_maintainer} turns it on. A caller who wants another combination says so with
     * {@link #lruSegmented(boolean)}, which takes precedence in either order; without it, a cache built with the
     * maintainer off behaves and reports as memcached started with {@code -o no_lru_maintainer} does.
     *
     * @param enabled whether the LRU maintainer runs (default true).
     * @return this builder.
     */
    public CacheBuilder lruMaintainer(final boolean enabled)
    {
        this.lruMaintainer = enabled;
        return this;
    }

    /**
     * {@code -o no_lru_crawler} when false.
     *
     * @param enabled whether the LRU crawler runs (default true).
     * @return this builder.
     */
    public CacheBuilder lruCrawler(final boolean enabled)
    {
        this.lruCrawler = enabled;
        return this;
    }

    /**
     * {@code -o lru_crawler_sleep}: microseconds between crawler steps, 0 to 1000000 (default 100).
     *
     * @param micros the sleep.
     * @return this builder.
     */
    public CacheBuilder lruCrawlerSleep(final int micros)
    {
        this.lruCrawlerSleep = micros;
        return this;
    }

    /**
     * {@code -o lru_crawler_tocrawl}: items per class per crawl, 0 for all (default 0).
     *
     * @param items the limit.
     * @return this builder.
     */
    public CacheBuilder lruCrawlerTocrawl(final int items)
    {
        this.lruCrawlerTocrawl = items;
        return this;
    }

    /**
     * {@code -o hot_lru_pct} (default 20).
     *
     * @param pct percent of a class's memory for HOT.
     * @return this builder.
     */
    public CacheBuilder hotLruPct(final int pct)
    {
        this.hotLruPct = pct;
        return this;
    }

    /**
     * {@code -o warm_lru_pct} (default 40).
     *
     * @param pct percent of a class's memory for WARM.
     * @return this builder.
     */
    public CacheBuilder warmLruPct(final int pct)
    {
        this.warmLruPct = pct;
        return this;
    }

    /**
     * {@code -o hot_max_factor} (default 0.2).
     *
     * @param factor HOT's age limit as a factor of COLD's tail age, above 0; as in memcached, a NaN or an infinity
     *               is taken and makes the limit 0.
     * @return this builder.
     */
    public CacheBuilder hotMaxFactor(final double factor)
    {
        this.hotMaxFactor = factor;
        return this;
    }

    /**
     * {@code -o warm_max_factor} (default 2.0).
     *
     * @param factor WARM's age limit as a factor of COLD's tail age, above 0; as in memcached, a NaN or an infinity
     *               is taken and makes the limit 0.
     * @return this builder.
     */
    public CacheBuilder warmMaxFactor(final double factor)
    {
        this.warmMaxFactor = factor;
        return this;
    }

    /**
     * {@code -o temporary_ttl}: items whose TTL is at most this go to the TEMP LRU, which is never bumped or
     * evicted, only reclaimed. Turns the TEMP LRU on.
     *
     * @param seconds the TTL bound (memcached's default value is 61).
     * @return this builder.
     */
    public CacheBuilder temporaryTtl(final int seconds)
    {
        this.tempLru = true;
        this.temporaryTtl = seconds;
        return this;
    }

    /**
     * {@code -o slab_reassign} / {@code no_slab_reassign}.
     *
     * @param enabled whether pages may move between slab classes (default true).
     * @return this builder.
     */
    public CacheBuilder slabReassign(final boolean enabled)
    {
        this.slabReassign = enabled;
        return this;
    }

    /**
     * {@code -o slab_automove}: 0 off, 1 move pages by eviction pressure (default), 2 move on every eviction.
     *
     * @param mode the mode.
     * @return this builder.
     */
    public CacheBuilder slabAutomove(final int mode)
    {
        this.slabAutomove = mode;
        return this;
    }

    /**
     * {@code -o slab_automove_ratio} (default 0.8).
     *
     * @param ratio the tail-age ratio, above 0 and at most 1; as in memcached, a NaN is taken (no age then
     *              compares below it).
     * @return this builder.
     */
    public CacheBuilder slabAutomoveRatio(final double ratio)
    {
        this.slabAutomoveRatio = ratio;
        return this;
    }

    /**
     * {@code -o slab_automove_window} (default 10).
     *
     * @param seconds the window, more than 2.
     * @return this builder.
     */
    public CacheBuilder slabAutomoveWindow(final int seconds)
    {
        this.slabAutomoveWindow = seconds;
        return this;
    }

    /**
     * {@code -o tail_repair_time} (default 0, off).
     *
     * @param seconds the time after which a referenced tail item is forcibly reclaimed.
     * @return this builder.
     */
    public CacheBuilder tailRepairTime(final int seconds)
    {
        this.tailRepairTime = seconds;
        return this;
    }

    /**
     * {@code -o track_sizes}: keep the histogram {@code stats sizes} reports.
     *
     * @param track whether to track sizes (default false).
     * @return this builder.
     */
    public CacheBuilder trackSizes(final boolean track)
    {
        this.trackSizes = track;
        this.trackSizesUpTo = 0;
        return this;
    }

    /**
     * {@code -o track_sizes} as memcached reads it among its options: keep the {@code stats sizes} histogram, with
     * buckets for items of up to {@code largestItemSize} bytes (memcached's item size formula), the {@code -I} in
     * force where memcached reads {@code track_sizes}; larger items are not counted, as in memcached.
     *
     * @param largestItemSize the largest item size counted, at least 1.
     * @return this builder.
     */
    public CacheBuilder trackSizes(final int largestItemSize)
    {
        if (largestItemSize < 1)
        {
            throw new IllegalArgumentException("largest item size must be positive: " + largestItemSize);
        }
        this.trackSizes = true;
        this.trackSizesUpTo = largestItemSize;
        return this;
    }

    /**
     * Whether the cache runs its background agents on threads of its own (default true). When false the embedder
     * drives them through {@link MemcachedCache#backgroundWork()}; allocation still evicts either way.
     *
     * @param enabled whether to start threads.
     * @return this builder.
     */
    public CacheBuilder backgroundThreads(final boolean enabled)
    {
        this.backgroundThreads = enabled;
        return this;
    }

    /**
     * The clock (default a {@link SystemClock}).
     *
     * @param clock the clock.
     * @return this builder.
     */
    public CacheBuilder clock(final Clock clock)
    {
        this.clock = clock;
        return this;
    }

    /**
     * Where the engine reports its background work as memcached's verbose output does (default: nowhere).
     *
     * @param engineTrace the trace, or null.
     * @return this builder.
     */
    public CacheBuilder trace(final EngineTrace engineTrace)
    {
        this.trace = engineTrace;
        return this;
    }

    boolean effectiveLruSegmented()
    {
        return lruSegmented != null ? lruSegmented : lruMaintainer;
    }

    int effectiveSlabChunkMax()
    {
        return slabChunkMax > 0 ? slabChunkMax : ItemDescriptor.PAGE_SIZE / 2;
    }

    /**
     * Validate the settings as memcached does at start.
     *
     * @return the settings.
     * @throws IllegalArgumentException with memcached's message when a setting is invalid.
     */
    public CacheConfig config()
    {
        final int pageSize = ItemDescriptor.PAGE_SIZE;
        if (growthFactor <= 1.0 || Double.isNaN(growthFactor))
        {
            throw new IllegalArgumentException("Factor must be greater than 1");
        }
        if (minSpace <= 0)
        {
            throw new IllegalArgumentException("Chunk size must be greater than 0");
        }
        if (memoryLimit < pageSize)
        {
            throw new IllegalArgumentException("memory limit of " + memoryLimit + " bytes is below one slab page (" +
                pageSize + " bytes)");
        }
        if ((memoryLimit >>> 20) > ItemDescriptor.MAX_PAGES)
        {
            throw new IllegalArgumentException("memory limit of " + (memoryLimit >>> 20) + " MiB is above the " +
                ItemDescriptor.MAX_PAGES + " MiB an engine can address");
        }
        if (itemSizeMax < CacheConfig.ITEM_SIZE_MAX_LOWER_LIMIT)
        {
            throw new IllegalArgumentException("Item max size cannot be less than 1024 bytes.");
        }
        if (itemSizeMax > memoryLimit / 2)
        {
            throw new IllegalArgumentException("Cannot set item size limit higher than 1/2 of memory max.");
        }
        if (itemSizeMax > CacheConfig.ITEM_SIZE_MAX_UPPER_LIMIT)
        {
            throw new IllegalArgumentException("Cannot set item size limit higher than a gigabyte.");
        }
        if (slabChunkMax < 0)
        {
            throw new IllegalArgumentException("slab_chunk_max must be >= 0");
        }
        if (slabChunkMax > 0 && slabChunkMax < SLAB_CHUNK_MAX_MIN)
        {
            // memcached cannot be given less than one kilobyte; smaller chunks cannot hold a chained item's header
            throw new IllegalArgumentException("slab_chunk_max (bytes: " + slabChunkMax + ") must be at least " +
                SLAB_CHUNK_MAX_MIN + " bytes (memcached takes it in kilobytes)");
        }
        final int chunkMax = effectiveSlabChunkMax();
        if (chunkMax > itemSizeMax)
        {
            throw new IllegalArgumentException("slab_chunk_max (bytes: " + chunkMax +
                ") cannot be larger than -I (item_size_max " + itemSizeMax + ")");
        }
        if (itemSizeMax % chunkMax != 0)
        {
            throw new IllegalArgumentException("-I (item_size_max: " + itemSizeMax +
                ") must be evenly divisible by slab_chunk_max (bytes: " + chunkMax + ")");
        }
        if (pageSize % chunkMax != 0)
        {
            throw new IllegalArgumentException("slab_chunk_max (bytes: " + chunkMax +
                ") must divide evenly into " + pageSize + " (slab_page_size)");
        }
        if (slabSizes != null)
        {
            validateSlabSizes(chunkMax);
        }
        if (hashPowerInit != 0 && hashPowerInit < 12)
        {
            throw new IllegalArgumentException("Initial hashtable multiplier of " + hashPowerInit + " is too low");
        }
        if (hashPowerInit > 32)
        {
            throw new IllegalArgumentException("Initial hashtable multiplier of " + hashPowerInit + " is too high");
        }
        if (lruCrawlerSleep < 0 || lruCrawlerSleep > 1_000_000)
        {
            throw new IllegalArgumentException("LRU crawler sleep must be between 0 and 1 second");
        }
        if (lruCrawlerTocrawl < 0)
        {
            throw new IllegalArgumentException("lru_crawler_tocrawl takes a numeric 32bit value");
        }
        if (hotLruPct < 1 || hotLruPct >= 80)
        {
            throw new IllegalArgumentException("hot_lru_pct must be > 1 and < 80");
        }
        if (warmLruPct < 1 || warmLruPct >= 80)
        {
            throw new IllegalArgumentException("warm_lru_pct must be > 1 and < 80");
        }
        if (hotLruPct + warmLruPct > 80)
        {
            throw new IllegalArgumentException("hot_lru_pct + warm_lru_pct cannot be more than 80% combined");
        }
        // memcached's checks, in its form: a NaN passes them (and makes the age limit 0, as in memcached)
        if (hotMaxFactor <= 0)
        {
            throw new IllegalArgumentException("hot_max_factor must be > 0");
        }
        if (warmMaxFactor <= 0)
        {
            throw new IllegalArgumentException("warm_max_factor must be > 0");
        }
        if (tempLru && !lruMaintainer)
        {
            throw new IllegalArgumentException("temporary_ttl requires lru_maintainer to be enabled");
        }
        if (slabAutomove < 0 || slabAutomove > 2)
        {
            throw new IllegalArgumentException("slab_automove must be between 0 and 2");
        }
        if (slabAutomoveRatio <= 0 || slabAutomoveRatio > 1)
        {
            throw new IllegalArgumentException("slab_automove_ratio must be > 0 and < 1");
        }
        if (slabAutomoveWindow <= 2)
        {
            throw new IllegalArgumentException("slab_automove_window must be > 2");
        }
        if (slabAutomoveWindow > SlabRebalancer.MAX_WINDOW)
        {
            // memcached keeps a window of history per class and second; more than this cannot be held
            throw new IllegalArgumentException("slab_automove_window must be at most " + SlabRebalancer.MAX_WINDOW);
        }
        if (tailRepairTime < 0)
        {
            throw new IllegalArgumentException("tail_repair_time must not be negative");
        }
        return new CacheConfig(this);
    }

    private void validateSlabSizes(final int chunkMax)
    {
        long last = 0;
        int count = 0;
        for (final int size : slabSizes)
        {
            if (size < minSpace || size > chunkMax)
            {
                throw new IllegalArgumentException("slab size " + size + " is out of valid range");
            }
            if (last >= size)
            {
                throw new IllegalArgumentException(
                    "slab size " + size + " cannot be lower than or equal to a previous class size");
            }
            if (size <= last + SlabClassTable.CHUNK_ALIGN)
            {
                throw new IllegalArgumentException("slab size " + size + " must be at least " +
                    SlabClassTable.CHUNK_ALIGN + " bytes larger than previous class");
            }
            last = size;
            if (++count >= SlabClassTable.MAX_CLASSES - 1)
            {
                throw new IllegalArgumentException("too many slab classes specified");
            }
        }
    }

    /**
     * Validate the settings and build the cache.
     *
     * @return a new cache; close it to release its memory.
     * @throws IllegalArgumentException when a setting is invalid, or when the JVM cannot give the memory limit as
     *                                  direct memory (the message names {@code -XX:MaxDirectMemorySize}).
     * @throws IllegalStateException    with {@link #preallocate(boolean)}, when the memory limit cannot give every
     *                                  slab class a page (memcached's message).
     */
    public MemcachedCache build()
    {
        return new Engine(config());
    }
}
