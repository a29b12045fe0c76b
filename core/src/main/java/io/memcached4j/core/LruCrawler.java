/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.ACTIVE;
import static io.memcached4j.core.ItemDescriptor.CFLAGS;
import static io.memcached4j.core.ItemDescriptor.CHUNKED;
import static io.memcached4j.core.ItemDescriptor.CRAWLER;
import static io.memcached4j.core.ItemDescriptor.CURSOR_LENGTH;
import static io.memcached4j.core.ItemDescriptor.EXPTIME_OFFSET;
import static io.memcached4j.core.ItemDescriptor.FETCHED;
import static io.memcached4j.core.ItemDescriptor.KEY_BINARY;
import static io.memcached4j.core.ItemDescriptor.LINKED;
import static io.memcached4j.core.ItemDescriptor.LRU_COUNT;
import static io.memcached4j.core.ItemDescriptor.NEXT_OFFSET;
import static io.memcached4j.core.ItemDescriptor.PREV_OFFSET;
import static io.memcached4j.core.ItemDescriptor.STALE;
import static io.memcached4j.core.ItemDescriptor.STATE_OFFSET;
import static io.memcached4j.core.ItemDescriptor.TIME_OFFSET;
import static io.memcached4j.core.ItemDescriptor.TOKEN_SENT;
import static io.memcached4j.core.ItemDescriptor.offset;
import static io.memcached4j.core.ItemDescriptor.refcount;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.agrona.concurrent.Agent;

import io.memcached4j.core.HashIndex.Stripe;

/**
 * The LRU crawler (memcached's crawler.c): walks LRUs from tail to head reclaiming expired items, and serves
 * {@code lru_crawler crawl}, {@code metadump} and {@code mgdump}.
 * <p>
 * A walk is a cursor: a pseudo-item linked into the LRU (it lives in the engine's system page, one per class and
 * segment) that steps one item toward the head at a time under the class lock, so the lock is never held for more
 * than one item and the walk survives concurrent changes to the list. Every other LRU walker skips cursors. Which
 * module the walk runs decides what happens to each item: reclaim if expired (autoexpire, crawl), or report it to a
 * {@link CrawlSink} (metadump, mgdump). A dump of the hash table ({@code metadump hash}) walks the index instead.
 * <p>
 * Runs as an Agrona {@link Agent}; its state is guarded by {@link #lock}. The LRU maintainer schedules autoexpire
 * walks from the histograms of earlier ones, as memcached does.
 */
final class LruCrawler implements Agent
{
    /** What a walk does with each item. */
    enum Module
    {
        AUTOEXPIRE, EXPIRED, METADUMP, MGDUMP
    }

    static final int STARTED_NONE = 0;
    static final int START_BUSY = -1;
    static final int START_ERROR = -2;
    /** memcached's {@code crawls_persleep}. */
    static final int CRAWLS_PER_SLEEP = 1000;
    private static final int IDS = SlabClassTable.MAX_CLASSES * LRU_COUNT;
    /** Bits of memcached's LRU id below the segment: its ids are the class number plus 64 times the segment. */
    private static final int MEMCACHED_LRU_SHIFT = 6;
    /** Our LRU ids (class times 4 plus segment) in the order of memcached's numbers, which its crawler walks in. */
    private static final int[] WALK_ORDER = new int[IDS];
    /** The item flags memcached's {@code it_flags} shares with {@link ItemDescriptor}'s, at the same bits. */
    private static final int MEMCACHED_ITEM_FLAGS =
        LINKED | FETCHED | ACTIVE | CHUNKED | CFLAGS | TOKEN_SENT | STALE | KEY_BINARY;
    /** memcached's {@code ITEM_CAS}: the item has a CAS value, as every item has unless CAS is disabled. */
    private static final int MEMCACHED_ITEM_CAS = 2;

    static
    {
        for (int memcachedId = 0; memcachedId < IDS; memcachedId++)
        {
            WALK_ORDER[memcachedId] = fromMemcachedId(memcachedId);
        }
    }

    /**
     * What autoexpire walks learn about one LRU: memcached's {@code crawlerstats_t}.
     */
    static final class CrawlStats
    {
        long seen;
        long noexp;
        long ttlHourPlus;
        long reclaimed;
        final long[] histo = new long[61];
        int startTime;
        int endTime;
        boolean runComplete;

        void reset(final int now)
        {
            seen = 0;
            noexp = 0;
            ttlHourPlus = 0;
            reclaimed = 0;
            java.util.Arrays.fill(histo, 0);
            startTime = now;
            endTime = 0;
            runComplete = false;
        }
    }

    final ReentrantLock lock = new ReentrantLock();
    private final ItemStore store;
    private final SlabAllocator slabs;
    private final Clock clock;
    final CrawlStats[] crawlStats = new CrawlStats[IDS];
    final AtomicLong starts = new AtomicLong();
    volatile boolean enabled;
    volatile int sleepMicros;
    volatile int tocrawl;
    private volatile boolean running;

    /* guarded by lock */
    private final boolean[] active = new boolean[IDS];
    /** Walks of classes that do not exist: memcached starts them too, and they end at once. */
    private final boolean[] phantom = new boolean[IDS];
    private final long[] remaining = new long[IDS];
    private final long[] reclaimed = new long[IDS];
    private final long[] unfetched = new long[IDS];
    private final long[] checked = new long[IDS];
    private int activeCount;
    private Module module;
    private CrawlSink sink;
    private boolean hashWalk;
    private int hashStripe;
    private int hashSlot;
    private int blockAutoexpireUntil;
    private long nextRunNanos;
    private int crawlsUntilSleep = CRAWLS_PER_SLEEP;
    private final ItemInfo info = new ItemInfo();
    private final byte[] key = new byte[ThreadContext.KEY_CAPACITY];
    private final EngineTrace trace;
    private final int casFlag;

    LruCrawler(final ItemStore store, final boolean enabled, final int sleepMicros, final int tocrawl)
    {
        this.store = store;
        this.slabs = store.slabs;
        this.clock = store.clock;
        this.enabled = enabled;
        this.sleepMicros = sleepMicros;
        this.tocrawl = tocrawl;
        this.trace = store.config.trace();
        this.casFlag = store.config.casEnabled() ? MEMCACHED_ITEM_CAS : 0;
        for (int i = 0; i < IDS; i++)
        {
            crawlStats[i] = new CrawlStats();
        }
        final Region system = slabs.pages[0];
        for (int id = 0; id < IDS; id++)
        {
            final int o = cursorOffset(id);
            system.putInt(o + STATE_OFFSET, CRAWLER);
        }
    }

    /**
     * memcached's number for one of our LRU ids.
     *
     * @param id class times 4 plus segment.
     * @return class plus 64 times segment.
     */
    static int memcachedId(final int id)
    {
        return id / LRU_COUNT | (id % LRU_COUNT) << MEMCACHED_LRU_SHIFT;
    }

    static int fromMemcachedId(final int memcachedId)
    {
        return (memcachedId & (SlabClassTable.MAX_CLASSES - 1)) * LRU_COUNT + (memcachedId >>> MEMCACHED_LRU_SHIFT);
    }

    static int cursorOffset(final int id)
    {
        return CURSOR_LENGTH * (1 + id);
    }

    static int cursorRef(final int id)
    {
        return ItemDescriptor.ref(0, cursorOffset(id));
    }

    boolean running()
    {
        return running;
    }

    /**
     * When the next batch of a running crawl is due: read by the background thread that runs it.
     *
     * @return a {@link Clock#nanoTime()} value.
     */
    long nextRunNanos()
    {
        return nextRunNanos;
    }

    /**
     * memcached's {@code lru_crawler_start}.
     *
     * @param ids       which LRUs (class id times 4 plus segment) to walk, or null to walk the hash table.
     * @param limit     items per LRU to look at, 0 for all.
     * @param type      what to do with each item.
     * @param crawlSink where dumps go, or null.
     * @return how many walks started, or {@link #START_BUSY} / {@link #START_ERROR}.
     */
    int start(final boolean[] ids, final long limit, final Module type, final CrawlSink crawlSink)
    {
        lock.lock();
        try
        {
            final int now = store.now();
            if (!enabled)
            {
                return START_ERROR;
            }
            if (running && !(type == Module.AUTOEXPIRE && module == Module.AUTOEXPIRE))
            {
                blockAutoexpireUntil = now + 60;
                return START_BUSY;
            }
            if (type == Module.AUTOEXPIRE && blockAutoexpireUntil > now)
            {
                return START_BUSY;
            }
            final boolean dump = type == Module.METADUMP || type == Module.MGDUMP;
            if (ids == null && !dump)
            {
                return START_ERROR;
            }
            if (!running)
            {
                if (dump && crawlSink == null)
                {
                    return START_ERROR;
                }
                module = type;
                sink = crawlSink;
            }
            int started = 0;
            if (ids == null)
            {
                hashWalk = true;
                hashStripe = 0;
                hashSlot = 0;
                started = 1;
            }
            else
            {
                for (int memcachedId = 1; memcachedId < IDS; memcachedId++)
                {
                    final int id = WALK_ORDER[memcachedId];
                    if (ids[id] && startOne(id, limit, now))
                    {
                        started++;
                    }
                }
            }
            if (started > 0)
            {
                running = true;
                starts.incrementAndGet();
            }
            else if (!running)
            {
                module = null;
                sink = null;
            }
            return started;
        }
        finally
        {
            lock.unlock();
        }
    }

    private boolean startOne(final int id, final long limit, final int now)
    {
        final int cls = id / LRU_COUNT;
        final int lru = id % LRU_COUNT;
        if (active[id])
        {
            return false;
        }
        // memcached's crawler also walks the LRUs of classes that do not exist, which end at once
        final boolean exists = cls >= 1 && cls <= slabs.largest();
        if (exists)
        {
            linkCursor(slabs.classes[cls], id, lru);
        }
        phantom[id] = !exists;
        active[id] = true;
        remaining[id] = limit > 0 ? limit + 1 : 0;
        reclaimed[id] = 0;
        unfetched[id] = 0;
        checked[id] = 0;
        if (module == Module.AUTOEXPIRE || module == Module.EXPIRED)
        {
            crawlStats[id].reset(now);
        }
        activeCount++;
        traceStarted(memcachedId(id));
        return true;
    }

    private void linkCursor(final SlabClass c, final int id, final int lru)
    {
        synchronized (c)
        {
            final int cursor = cursorRef(id);
            final Region system = slabs.pages[0];
            final int o = cursorOffset(id);
            final int tail = c.tails[lru];
            system.putInt(o + PREV_OFFSET, tail);
            system.putInt(o + NEXT_OFFSET, 0);
            if (tail != 0)
            {
                store.region(tail).putInt(offset(tail) + NEXT_OFFSET, cursor);
            }
            c.tails[lru] = cursor;
            if (c.heads[lru] == 0)
            {
                c.heads[lru] = cursor;
            }
        }
    }

    public int doWork()
    {
        if (!running || clock.nanoTime() < nextRunNanos)
        {
            return 0;
        }
        lock.lock();
        try
        {
            if (!running)
            {
                return 0;
            }
            final int work = hashWalk ? walkHash() : walkLrus();
            if (activeCount == 0 && !hashWalk)
            {
                finishLocked(true);
            }
            return work;
        }
        finally
        {
            lock.unlock();
        }
    }

    private int walkLrus()
    {
        int work = 0;
        for (int memcachedId = 1; memcachedId < IDS && activeCount > 0; memcachedId++)
        {
            final int id = WALK_ORDER[memcachedId];
            if (!active[id])
            {
                continue;
            }
            if (phantom[id])
            {
                classDone(id);
                traceFinished(memcachedId);
                work++;
                continue;
            }
            if (sink != null)
            {
                if (!sink.alive())
                {
                    classDone(id);
                    continue;
                }
                if (!sink.ready())
                {
                    continue;
                }
            }
            work += stepOne(id);
            if (--crawlsUntilSleep <= 0)
            {
                crawlsUntilSleep = CRAWLS_PER_SLEEP;
                final int sleep = sleepMicros;
                if (sleep > 0)
                {
                    nextRunNanos = clock.nanoTime() + TimeUnit.MICROSECONDS.toNanos(sleep);
                    break;
                }
            }
        }
        return work;
    }

    /**
     * Move one LRU's cursor one item toward the head and evaluate that item.
     */
    private int stepOne(final int id)
    {
        final SlabClass c = slabs.classes[id / LRU_COUNT];
        final int lru = id % LRU_COUNT;
        synchronized (c)
        {
            final int item = crawlStepLocked(c, lru, cursorRef(id));
            if (item == 0 || (remaining[id] != 0 && --remaining[id] < 1))
            {
                classDoneLocked(c, id);
                traceFinished(memcachedId(id));
                return 1;
            }
            final Region r = store.region(item);
            final int o = offset(item);
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            if ((state & CRAWLER) != 0)
            {
                return 1;
            }
            final long hash = store.hashOfItem(r, o, state);
            final Stripe stripe = store.index.stripe(hash);
            final long stamp = stripe.lock.tryWriteLock();
            if (stamp == 0)
            {
                return 1;
            }
            try
            {
                if (refcount(state) != 0)
                {
                    return 1;
                }
                checked[id]++;
                evaluateLocked(id, item, r, o, state, stripe, hash);
            }
            finally
            {
                stripe.lock.unlockWrite(stamp);
            }
            return 1;
        }
    }

    private void evaluateLocked(
        final int id, final int item, final Region r, final int o, final int state, final Stripe stripe,
        final long hash)
    {
        final int now = store.now();
        final int exptime = r.getInt(o + EXPTIME_OFFSET);
        final boolean flushed = store.flushed(r.getInt(o + TIME_OFFSET), store.flushCas(r, o), now);
        final boolean expired = (exptime != 0 && exptime < now) || flushed;
        if (module == Module.METADUMP || module == Module.MGDUMP)
        {
            if (!expired)
            {
                report(r, o, state, now);
            }
            return;
        }
        final CrawlStats s = crawlStats[id];
        if (expired)
        {
            reclaimed[id]++;
            s.reclaimed++;
            final int keyLength = store.nkeyOf(r, o);
            r.getBytes(o + store.keyOffset(state), key, 0, keyLength);
            traceExpired((state & MEMCACHED_ITEM_FLAGS) | casFlag, memcachedId(id), keyLength);
            if ((state & FETCHED) == 0 && !flushed)
            {
                unfetched[id]++;
            }
            store.unlinkLocked(stripe, hash, item);
        }
        else
        {
            s.seen++;
            if (exptime == 0)
            {
                s.noexp++;
            }
            else if (exptime - now > 3599)
            {
                s.ttlHourPlus++;
            }
            else
            {
                final int bucket = (exptime - now) / 60;
                if (bucket <= 60)
                {
                    s.histo[bucket]++;
                }
            }
        }
    }

    private void report(final Region r, final int o, final int state, final int now)
    {
        store.fillInfo(info, r, o, state, now);
        final int keyLength = store.nkeyOf(r, o);
        r.getBytes(o + store.keyOffset(state), key, 0, keyLength);
        sink.item(key, keyLength, info);
    }

    /**
     * memcached's {@code do_item_crawl_q}: swap the cursor with the item before it. Caller holds the class lock.
     *
     * @return the item the cursor stepped over, or 0 at the head.
     */
    int crawlStepLocked(final SlabClass c, final int lru, final int cursor)
    {
        final Region system = slabs.pages[0];
        final int co = offset(cursor);
        final int prev = system.getInt(co + PREV_OFFSET);
        if (prev == 0)
        {
            return 0;
        }
        store.unlinkLinksLocked(c, cursor, lru);
        final Region pr = store.region(prev);
        final int po = offset(prev);
        final int before = pr.getInt(po + PREV_OFFSET);
        system.putInt(co + NEXT_OFFSET, prev);
        system.putInt(co + PREV_OFFSET, before);
        if (before != 0)
        {
            store.region(before).putInt(offset(before) + NEXT_OFFSET, cursor);
        }
        else
        {
            c.heads[lru] = cursor;
        }
        pr.putInt(po + PREV_OFFSET, cursor);
        if (c.tails[lru] == 0)
        {
            c.tails[lru] = prev;
        }
        return prev;
    }

    private void classDone(final int id)
    {
        if (phantom[id])
        {
            phantom[id] = false;
            active[id] = false;
            activeCount--;
            if (module == Module.AUTOEXPIRE || module == Module.EXPIRED)
            {
                crawlStats[id].endTime = store.now();
                crawlStats[id].runComplete = true;
            }
            return;
        }
        final SlabClass c = slabs.classes[id / LRU_COUNT];
        synchronized (c)
        {
            classDoneLocked(c, id);
        }
    }

    private void classDoneLocked(final SlabClass c, final int id)
    {
        active[id] = false;
        activeCount--;
        store.unlinkLinksLocked(c, cursorRef(id), id % LRU_COUNT);
        c.crawlerReclaimed += reclaimed[id];
        c.expiredUnfetched += unfetched[id];
        c.crawlerItemsChecked += checked[id];
        if (module == Module.AUTOEXPIRE || module == Module.EXPIRED)
        {
            crawlStats[id].endTime = store.now();
            crawlStats[id].runComplete = true;
        }
    }

    private int walkHash()
    {
        final HashIndex index = store.index;
        int work = 0;
        if (!sink.alive())
        {
            hashWalk = false;
            return 1;
        }
        while (hashStripe < index.stripes.length)
        {
            final Stripe stripe = index.stripes[hashStripe];
            final long stamp = stripe.lock.readLock();
            try
            {
                final int capacity = stripe.capacity();
                final int now = store.now();
                while (hashSlot < capacity)
                {
                    if (!sink.ready())
                    {
                        return work;
                    }
                    final long e = stripe.table.getLong(hashSlot * Long.BYTES);
                    hashSlot++;
                    if (e == 0)
                    {
                        continue;
                    }
                    final int ref = HashIndex.entryRef(e);
                    final Region r = store.region(ref);
                    final int o = offset(ref);
                    work++;
                    if (!store.expiredOrFlushed(r, o, now))
                    {
                        report(r, o, r.getIntVolatile(o + STATE_OFFSET), now);
                    }
                }
            }
            finally
            {
                stripe.lock.unlockRead(stamp);
            }
            hashStripe++;
            hashSlot = 0;
        }
        hashWalk = false;
        return work + 1;
    }

    private void finishLocked(final boolean report)
    {
        if (sink != null)
        {
            sink.finished();
        }
        sink = null;
        module = null;
        running = false;
        if (report)
        {
            try
            {
                trace.crawlerIdle();
            }
            catch (final RuntimeException ex)
            {
                Engine.reportError(ex);
            }
        }
    }

    private void traceStarted(final int memcachedId)
    {
        try
        {
            trace.crawlStarted(memcachedId);
        }
        catch (final RuntimeException ex)
        {
            Engine.reportError(ex);
        }
    }

    private void traceFinished(final int memcachedId)
    {
        try
        {
            trace.crawlFinished(memcachedId);
        }
        catch (final RuntimeException ex)
        {
            Engine.reportError(ex);
        }
    }

    private void traceExpired(final int itemFlags, final int memcachedId, final int keyLength)
    {
        try
        {
            trace.expiredReclaimed(itemFlags, memcachedId, key, keyLength);
        }
        catch (final RuntimeException ex)
        {
            Engine.reportError(ex);
        }
    }

    /**
     * Stop every walk now (used when the crawler is disabled and on close).
     *
     * @param report whether the end of a running walk goes to the trace.
     * @return true when a walk was running.
     */
    boolean stopAll(final boolean report)
    {
        lock.lock();
        try
        {
            for (int id = 1; id < IDS; id++)
            {
                if (active[id])
                {
                    classDone(id);
                }
            }
            hashWalk = false;
            if (running)
            {
                finishLocked(report);
                return true;
            }
            return false;
        }
        finally
        {
            lock.unlock();
        }
    }

    Module module()
    {
        lock.lock();
        try
        {
            return module;
        }
        finally
        {
            lock.unlock();
        }
    }

    public String roleName()
    {
        return "memcached4j-lru-crawler";
    }
}
