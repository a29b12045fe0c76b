/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * memcached's administrative commands for one cache: {@code slabs reassign} and {@code automove}, {@code lru tune},
 * {@code lru mode} and {@code temp_ttl}, the {@code lru_crawler} family, {@code stats cachedump},
 * {@code cache_memlimit} and {@code stats sizes}. Threadsafe.
 * <p>
 * Once the cache is {@link MemcachedCache#close() closed} every method throws {@link IllegalStateException}, except
 * the ones that only stop something: {@link #stopBackgroundWork()} and {@link #itemEvents} with a null listener do
 * nothing then.
 */
public interface CacheAdmin
{
    /**
     * The outcome of {@link #slabsReassign(int, int)}, as memcached reports it.
     */
    enum ReassignResult
    {
        /** Started ({@code OK}). */
        OK,
        /** A move is running ({@code BUSY currently processing reassign request}). */
        BUSY,
        /** A class id is out of range ({@code BADCLASS invalid src or dst class id}). */
        BADCLASS,
        /** The source has fewer than two pages ({@code NOSPARE source class has no spare pages}). */
        NOSPARE,
        /** Source and destination are the same ({@code SAME src and dst class are identical}). */
        SAME,
        /** Reassignment is off ({@code CLIENT_ERROR slab reassignment disabled}). */
        DISABLED
    }

    /**
     * Receives {@code stats cachedump} lines.
     */
    interface CachedumpVisitor
    {
        /**
         * One item.
         *
         * @param key         key bytes (the array is reused).
         * @param keyLength   key length.
         * @param valueLength value length.
         * @param expiresAt   Unix time of expiry, 0 for never.
         */
        void item(byte[] key, int keyLength, int valueLength, long expiresAt);
    }

    /**
     * {@code slabs reassign <src> <dst>}: move one page.
     *
     * @param src source class, or -1 for any class with a spare page.
     * @param dst destination class, or 0 for the global page pool.
     * @return the outcome.
     */
    ReassignResult slabsReassign(int src, int dst);

    /**
     * {@code slabs automove <0|1|2>}.
     *
     * @param mode 0 off, 1 on, 2 aggressive.
     * @throws IllegalArgumentException for another mode.
     */
    void slabsAutomove(int mode);

    /**
     * {@code slabs automove ratio <r>}: the age ratio under which automove takes a page from the oldest class.
     *
     * @param ratio the ratio.
     */
    void slabsAutomoveRatio(double ratio);

    /**
     * {@code slabs automove window <n>}: how many seconds of history automove looks at.
     *
     * @param seconds the window (0 and below are taken as 1; a window longer than the history the engine can hold,
     *                over 33 million seconds, is kept at that length, and reported as given).
     */
    void slabsAutomoveWindow(int seconds);

    /**
     * The cache's clock as its operations read it: memcached's {@code current_time}, seconds since the clock's
     * {@link Clock#processStarted()}. With background threads on a system clock this is the time the background
     * thread last cached, which can trail {@link Clock#currentTime()} by a few milliseconds around a second's turn;
     * an item expires when this reaches its expiry time.
     *
     * @return seconds.
     */
    int currentTime();

    /**
     * Take the next CAS value from the counter without storing anything. memcached's meta set ({@code ms}) takes its
     * CAS value as it parses the request, so a request refused after that (an invalid mode, a value too large, a bad
     * data chunk) still uses one up; a server calls this to keep the same count.
     *
     * @return the value taken, or 0 with CAS disabled.
     */
    long takeCasValue();

    /**
     * The settings that clients change at run time, as they are now (for {@code stats settings}).
     *
     * @return a snapshot.
     */
    Tunables tunables();

    /**
     * A snapshot of the run-time settings, under memcached's {@code stats settings} meanings.
     *
     * @param memoryLimit        {@code maxbytes}.
     * @param oldestLive         {@code oldest}: the engine time before which items are flushed, 0 for none.
     * @param slabAutomove       {@code slab_automove}.
     * @param slabAutomoveRatio  {@code slab_automove_ratio}.
     * @param slabAutomoveWindow {@code slab_automove_window}.
     * @param lruCrawler         {@code lru_crawler}.
     * @param lruCrawlerSleep    {@code lru_crawler_sleep}.
     * @param lruCrawlerTocrawl  {@code lru_crawler_tocrawl}.
     * @param lruSegmented       {@code lru_segmented}.
     * @param hotLruPct          {@code hot_lru_pct}.
     * @param warmLruPct         {@code warm_lru_pct}.
     * @param hotMaxFactor       {@code hot_max_factor}.
     * @param warmMaxFactor      {@code warm_max_factor}.
     * @param tempLru            {@code temp_lru}.
     * @param temporaryTtl       {@code temporary_ttl}.
     */
    record Tunables(
        long memoryLimit,
        int oldestLive,
        int slabAutomove,
        double slabAutomoveRatio,
        int slabAutomoveWindow,
        boolean lruCrawler,
        int lruCrawlerSleep,
        int lruCrawlerTocrawl,
        boolean lruSegmented,
        int hotLruPct,
        int warmLruPct,
        double hotMaxFactor,
        double warmMaxFactor,
        boolean tempLru,
        int temporaryTtl)
    {
    }

    /**
     * {@code lru tune}.
     *
     * @param hotPct        percent of a class's memory for HOT; checked as memcached checks it, as an unsigned
     *                      32-bit number whose sum with {@code warmPct} wraps (so a negative value can pass).
     * @param warmPct       percent for WARM.
     * @param hotMaxFactor  HOT's age limit as a factor of COLD's tail age; as in memcached, only a factor at or below 0
     *                      is refused, so a NaN or an infinity is taken (and makes the age limit 0).
     * @param warmMaxFactor WARM's age limit.
     * @throws IllegalArgumentException with memcached's message ({@code hot and warm pcts must not exceed 80},
     *                                  {@code hot/warm age factors must be greater than 0}).
     */
    void lruTune(int hotPct, int warmPct, double hotMaxFactor, double warmMaxFactor);

    /**
     * {@code lru mode flat|segmented}.
     *
     * @param segmented true for the segmented LRU.
     * @return false when the LRU maintainer is off (memcached then answers {@code ERROR}).
     */
    boolean lruMode(boolean segmented);

    /**
     * {@code lru temp_ttl <ttl>}: a negative value turns the TEMP LRU off.
     *
     * @param ttl the TTL bound in seconds.
     * @return false when the LRU maintainer is off.
     */
    boolean lruTempTtl(int ttl);

    /**
     * {@code lru_crawler enable|disable}.
     *
     * @param enabled whether the crawler runs.
     */
    void lruCrawlerEnabled(boolean enabled);

    /**
     * {@code lru_crawler sleep <us>}.
     *
     * @param micros microseconds between crawler batches, at most one second.
     * @throws IllegalArgumentException above one second.
     */
    void lruCrawlerSleep(int micros);

    /**
     * Stop the LRU crawler and the LRU maintainer, as memcached's graceful stop does before it closes its
     * connections. The cache keeps serving; allocation still evicts. Not undone (the crawler can be enabled again).
     */
    void stopBackgroundWork();

    /**
     * {@code lru_crawler tocrawl <n>}.
     *
     * @param items items per class per crawl, 0 for all.
     */
    void lruCrawlerTocrawl(int items);

    /**
     * {@code lru_crawler crawl <classes>}: reclaim expired items now.
     *
     * @param classIds the classes, or null for all.
     * @return the outcome.
     */
    CrawlResult lruCrawlerCrawl(int[] classIds);

    /**
     * {@code lru_crawler metadump} or {@code mgdump}: report every live item to a sink.
     *
     * @param classIds the classes, or null for all.
     * @param hash     walk the hash table instead of the LRUs ({@code metadump hash}).
     * @param keysOnly true for {@code mgdump}.
     * @param sink     where the items go.
     * @return the outcome.
     */
    CrawlResult lruCrawlerDump(int[] classIds, boolean hash, boolean keysOnly, CrawlSink sink);

    /**
     * Send the engine's item events to a listener (memcached's logger, behind the {@code watch} command), or stop.
     * One listener per cache: a new one replaces the old.
     *
     * @param listener the listener, or null for none.
     * @param streams  the {@link ItemEvents} stream bits it wants; 0 for none.
     */
    void itemEvents(ItemEvents listener, int streams);

    /**
     * {@code stats cachedump <class> <limit>}: items from the head of a class's COLD LRU, skipping binary keys.
     *
     * @param classId the class.
     * @param limit   at most this many items, 0 for no limit.
     * @param visitor receives the items.
     */
    void cachedump(int classId, int limit, CachedumpVisitor visitor);

    /**
     * {@code cache_memlimit}: change the memory limit. Pages already in use are kept until the rebalancer returns
     * them to the pool; only growth stops.
     * <p>
     * A limit that no cache could work with is an illegal argument. A limit this cache cannot honour is refused
     * with false, which a server answers as memcached answers a limit it cannot apply: memory was preallocated
     * (memcached refuses then too), the limit is above what the JVM's {@code -XX:MaxDirectMemorySize} leaves beside
     * the hash index (as {@link CacheBuilder#build()} refuses it), or above the pages an engine can address.
     *
     * @param bytes the new limit.
     * @return true when changed; false when refused as above, the limit unchanged.
     * @throws IllegalArgumentException if {@code bytes} is below one slab page (zero and negative values included).
     */
    boolean adjustMemoryLimit(long bytes);

    /**
     * The slab class table as memcached prints it with {@code -vv}.
     *
     * @return one line per class.
     */
    String slabClassTable();
}
