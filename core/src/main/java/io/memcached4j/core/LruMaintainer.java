/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.COLD_LRU;
import static io.memcached4j.core.ItemDescriptor.HOT_LRU;
import static io.memcached4j.core.ItemDescriptor.LRU_COUNT;
import static io.memcached4j.core.ItemDescriptor.TEMP_LRU;
import static io.memcached4j.core.ItemDescriptor.WARM_LRU;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import org.agrona.concurrent.Agent;

/**
 * The LRU maintainer (memcached's {@code lru_maintainer_thread}): keeps each class's HOT and WARM segments within
 * their share of memory and age by moving items down to COLD, moves active items up, reclaims expired items it
 * meets, applies the asynchronous COLD-to-WARM bumps that gets queue, and schedules LRU crawler runs.
 * <p>
 * Each class has its own back-off, as in memcached: a class where nothing moved is looked at less and less often (up
 * to once a second), a busy class every millisecond. Runs as an Agrona {@link Agent}; all state is confined to the
 * thread that calls {@link #doWork()}.
 */
final class LruMaintainer implements Agent
{
    static final long MIN_SLEEP_MICROS = 1000;
    static final long MAX_SLEEP_MICROS = 1_000_000 - 1;
    /** memcached's {@code MAX_MAINTCRAWL_WAIT}: every class is crawled at least once an hour. */
    static final int MAX_CRAWL_WAIT = 60 * 60;
    /**
     * Passes over a class's HOT, WARM and COLD tails per wake-up. memcached allows 500, counting on a core of its
     * own; 100 bounds the maintainer to about a hundred thousand moves a second per class, so that on a small
     * machine it does not take the CPU the application needs. Segments may then run over their share for a while;
     * allocation still pulls HOT items down when COLD has nothing to evict.
     */
    static final int JUGGLE_PASSES = 100;

    private final ItemStore store;
    private final SlabAllocator slabs;
    private final LruCrawler crawler;
    private final Clock clock;
    private final IntSupplier bumpDrainer;
    final AtomicLong juggles = new AtomicLong();
    volatile boolean enabled;

    private final long[] nextJuggles = new long[SlabClassTable.MAX_CLASSES];
    private final long[] backoff = new long[SlabClassTable.MAX_CLASSES];
    private final int[] nextCrawls = new int[SlabClassTable.MAX_CLASSES * LRU_COUNT];
    private final int[] nextCrawlWait = new int[SlabClassTable.MAX_CLASSES * LRU_COUNT];
    private final boolean[] todo = new boolean[SlabClassTable.MAX_CLASSES * LRU_COUNT];
    private long nextWakeNanos;
    private long lastSleepMicros = MIN_SLEEP_MICROS;
    private int lastCrawlerCheck;

    LruMaintainer(
        final ItemStore store, final LruCrawler crawler, final boolean enabled, final IntSupplier bumps)
    {
        this.store = store;
        this.slabs = store.slabs;
        this.crawler = crawler;
        this.clock = store.clock;
        this.enabled = enabled;
        this.bumpDrainer = bumps;
    }

    public int doWork()
    {
        if (!enabled)
        {
            return 0;
        }
        final long now = clock.nanoTime();
        if (now - nextWakeNanos < 0)
        {
            return 0;
        }
        return runOnce(now);
    }

    /**
     * When the next pass is due: read by the background thread that runs the maintainer.
     *
     * @return a {@link Clock#nanoTime()} value.
     */
    long nextWakeNanos()
    {
        return nextWakeNanos;
    }

    /**
     * One pass of the maintainer loop, whatever the back-off says is due.
     *
     * @return work done.
     */
    int runOnce(final long nowNanos)
    {
        int work = 1;
        long toSleep = MAX_SLEEP_MICROS;
        juggles.incrementAndGet();
        for (int id = 1; id <= slabs.largest(); id++)
        {
            nextJuggles[id] = nextJuggles[id] > lastSleepMicros ? nextJuggles[id] - lastSleepMicros : 0;
            if (nextJuggles[id] > 0)
            {
                toSleep = Math.min(toSleep, nextJuggles[id]);
                continue;
            }
            final int moves = juggle(id);
            work += moves;
            if (moves == 0)
            {
                backoff[id] = backoff[id] != 0 ? backoff[id] + backoff[id] / 8 : MIN_SLEEP_MICROS;
                backoff[id] = Math.min(backoff[id], MAX_SLEEP_MICROS);
            }
            else if (backoff[id] > 0)
            {
                backoff[id] /= 2;
                if (backoff[id] < MIN_SLEEP_MICROS)
                {
                    backoff[id] = 0;
                }
            }
            nextJuggles[id] = backoff[id];
            toSleep = Math.min(toSleep, nextJuggles[id]);
        }
        final int bumps = drainBumps();
        work += bumps;
        if (bumps > 0 && store.lruSegmented)
        {
            toSleep = Math.min(toSleep, MIN_SLEEP_MICROS);
        }
        final int second = store.now();
        if (crawler != null && crawler.enabled && second != lastCrawlerCheck)
        {
            crawlerCheck(second);
            lastCrawlerCheck = second;
        }
        // memcached may loop again at once while a class keeps moving items; pausing at least a millisecond bounds
        // the maintainer to a small share of a core (500 moves per class per pass is still 500k moves a second)
        lastSleepMicros = Math.max(toSleep, MIN_SLEEP_MICROS);
        nextWakeNanos = nowNanos + TimeUnit.MICROSECONDS.toNanos(lastSleepMicros);
        return work;
    }

    private int drainBumps()
    {
        return bumpDrainer == null ? 0 : bumpDrainer.getAsInt();
    }

    /**
     * memcached's {@code lru_maintainer_juggle} for one class.
     *
     * @return how many times something moved.
     */
    int juggle(final int id)
    {
        final SlabClass c = slabs.classes[id];
        int moves = 0;
        if (store.tempLru)
        {
            for (int i = 0; i < 500; i++)
            {
                if (store.pullTail(c, TEMP_LRU, 0, 0, 0) <= 0)
                {
                    break;
                }
                moves++;
            }
        }
        int coldAge = 0;
        long totalBytes = 0;
        if (store.lruSegmented)
        {
            synchronized (c)
            {
                final int tail = lastItem(c, COLD_LRU);
                if (tail != 0)
                {
                    coldAge = store.now() - store.region(tail).getInt(
                        ItemDescriptor.offset(tail) + ItemDescriptor.TIME_OFFSET);
                }
                totalBytes = c.bytes[COLD_LRU] + c.bytes[HOT_LRU] + c.bytes[WARM_LRU];
            }
        }
        final int hotAge = relTime(coldAge * store.hotMaxFactor);
        final int warmAge = relTime(coldAge * store.warmMaxFactor);
        for (int i = 0; i < JUGGLE_PASSES; i++)
        {
            int more = 0;
            if (store.pullTail(c, HOT_LRU, totalBytes, ItemStore.PULL_CRAWL_BLOCKS, hotAge) != 0 ||
                store.pullTail(c, WARM_LRU, totalBytes, ItemStore.PULL_CRAWL_BLOCKS, warmAge) != 0)
            {
                more++;
            }
            if (store.lruSegmented)
            {
                more += store.pullTail(c, COLD_LRU, totalBytes, ItemStore.PULL_CRAWL_BLOCKS, 0);
            }
            if (more == 0)
            {
                break;
            }
            moves++;
        }
        return moves;
    }

    /**
     * The last item of a segment, skipping a crawler cursor at the tail. Caller holds the class lock.
     */
    int lastItem(final SlabClass c, final int lru)
    {
        int ref = c.tails[lru];
        while (ref != 0)
        {
            final Region r = store.region(ref);
            final int o = ItemDescriptor.offset(ref);
            if ((r.getIntVolatile(o + ItemDescriptor.STATE_OFFSET) & ItemDescriptor.CRAWLER) == 0)
            {
                return ref;
            }
            ref = r.getInt(o + ItemDescriptor.PREV_OFFSET);
        }
        return 0;
    }

    /**
     * memcached's {@code lru_maintainer_crawler_check}: decide from the last autoexpire runs which LRUs are worth
     * crawling again, and start those that are due.
     */
    void crawlerCheck(final int now)
    {
        boolean doRun = false;
        long tocrawlLimit = 0;
        java.util.Arrays.fill(todo, false);
        crawler.lock.lock();
        try
        {
            // memcached's order: segment by segment, every class number in each (its LRU ids are the class number
            // plus the segment times 64), which also reports the classes that do not exist, as memcached does
            for (int memcachedId = 1; memcachedId < SlabClassTable.MAX_CLASSES * LRU_COUNT; memcachedId++)
            {
                final int cls = memcachedId % SlabClassTable.MAX_CLASSES;
                final int id = cls * LRU_COUNT + memcachedId / SlabClassTable.MAX_CLASSES;
                final LruCrawler.CrawlStats s = crawler.crawlStats[id];
                if (s.runComplete)
                {
                    final long possible = s.seen - s.noexp;
                    final long lowWatermark = possible / 100 + 1;
                    long available = 0;
                    for (int x = 0; x < 60; x++)
                    {
                        available += s.histo[x];
                        if (available > lowWatermark)
                        {
                            if (nextCrawlWait[id] < x * 60)
                            {
                                nextCrawlWait[id] += 60;
                            }
                            else if (nextCrawlWait[id] >= 60)
                            {
                                nextCrawlWait[id] -= 60;
                            }
                            break;
                        }
                    }
                    if (available == 0)
                    {
                        nextCrawlWait[id] += 60;
                    }
                    nextCrawlWait[id] = Math.min(nextCrawlWait[id], MAX_CRAWL_WAIT);
                    nextCrawls[id] = now + nextCrawlWait[id] + 5;
                    if ((store.eventMask() & ItemEvents.SYSEVENTS) != 0)
                    {
                        store.logCrawlerStatus(id / LRU_COUNT, id % LRU_COUNT, lowWatermark, available,
                            now - s.endTime, nextCrawls[id] - now, s.endTime - s.startTime, s.seen, s.reclaimed);
                    }
                    s.runComplete = false;
                }
                if (now > nextCrawls[id])
                {
                    if (cls >= 1 && cls <= slabs.largest())
                    {
                        tocrawlLimit = Math.max(tocrawlLimit, slabs.classes[cls].counts[id % LRU_COUNT]);
                    }
                    todo[id] = true;
                    doRun = true;
                    nextCrawls[id] = now + 5;
                }
            }
        }
        finally
        {
            crawler.lock.unlock();
        }
        if (doRun)
        {
            final int limit = crawler.tocrawl;
            if (limit != 0 && limit < tocrawlLimit)
            {
                tocrawlLimit = limit;
            }
            crawler.start(todo, tocrawlLimit, LruCrawler.Module.AUTOEXPIRE, null);
        }
    }

    public String roleName()
    {
        return "memcached4j-lru-maintainer";
    }

    /**
     * A double converted to memcached's {@code rel_time_t} (32-bit unsigned) as its compiler does it on x86-64: the
     * value truncated to 64 bits, of which the low 32 are kept; a NaN, an infinity or a value beyond 64 bits gives
     * the "integer indefinite" value, whose low 32 bits are 0.
     *
     * @param value the age in seconds.
     * @return the age's 32 bits, compared unsigned.
     */
    static int relTime(final double value)
    {
        return Double.isNaN(value) || Math.abs(value) >= 0x1p63 ? 0 : (int)(long)value;
    }
}
