/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.CHUNK;
import static io.memcached4j.core.ItemDescriptor.CHUNKED;
import static io.memcached4j.core.ItemDescriptor.CHUNK_DATA_OFFSET;
import static io.memcached4j.core.ItemDescriptor.CLSID_OFFSET;
import static io.memcached4j.core.ItemDescriptor.HEAD_OFFSET;
import static io.memcached4j.core.ItemDescriptor.LINKED;
import static io.memcached4j.core.ItemDescriptor.NEXT_OFFSET;
import static io.memcached4j.core.ItemDescriptor.PREV_OFFSET;
import static io.memcached4j.core.ItemDescriptor.SLABBED;
import static io.memcached4j.core.ItemDescriptor.STATE_OFFSET;
import static io.memcached4j.core.ItemDescriptor.TIME_OFFSET;
import static io.memcached4j.core.ItemDescriptor.USED_OFFSET;
import static io.memcached4j.core.ItemDescriptor.lru;
import static io.memcached4j.core.ItemDescriptor.offset;
import static io.memcached4j.core.ItemDescriptor.page;
import static io.memcached4j.core.ItemDescriptor.refcount;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.memcached4j.core.HashIndex.Stripe;

/**
 * Moves slab pages between classes (memcached's slabs_mover.c): empties one page of a source class, rescuing each
 * live item into another chunk of the same class, then hands the page to the destination class or the global pool.
 * <p>
 * How a page is emptied: under the source class lock the page is marked draining and its free chunks are taken off
 * the free list, so no allocation can return them and a chunk freed later stays off the list. Then each chunk is
 * examined without holding the class lock: a free chunk is done; a linked item is found again through the index
 * under its stripe's write lock (so the ref is known to be live) and rescued or evicted; a chunk of a chained value
 * is handled through its head item; anything else (a store in progress, an unlinked item a reader still holds) is
 * busy and looked at again on the next pass. A page whose chunks are all free leaves the class.
 * <p>
 * Where a rescued item goes, as in memcached 1.6.39: before each item the mover makes sure it holds a spare chunk of
 * the class, taken from the free list (never from the page being drained). When the free list is empty and the move
 * may evict (a {@code slabs reassign} command, an aggressive automove, or any move started while the memory limit is
 * reached and the global pool is empty), it evicts from the class's COLD tail, or pushes HOT items down, up to ten
 * times until a chunk is free: the items lost are the least recently used ones, not whatever the page held. An item
 * that finds no spare chunk stays where it is and is counted in {@code busyNoMemory}; a later pass tries again.
 * <p>
 * One move runs at a time. Requests come from {@code slabs reassign}, from the automove decision of the
 * {@link SlabRebalancer}, and from an allocation in a class that has no page at all: memcached lets such a class
 * take a page beyond the memory limit, this engine takes one from the class with the most pages instead (even with
 * reassignment off, since it replaces memcached's over-allocation), so item memory never exceeds the limit.
 * <p>
 * Counters: {@code rescues}/{@code chunkRescues} count items and value chunks copied out of a draining page;
 * {@code inlineReclaim} the chunks of that page that the mover's own evictions freed;
 * {@code busyNoMemory} counts the times an item waited because no chunk was free to rescue it into (memcached 1.6.18,
 * which dropped such items, counted them in {@code slab_reassign_evictions_nomem}). An item a reader holds is copied
 * all the same, as memcached
 * 1.6.39 does: the copy takes its place and the old chunk is freed when the reader lets go. Only a chained item
 * cannot be copied that way; {@code busyDeletes} counts those still referenced after several passes, unlinked so that
 * the page can be freed once their readers finish. Threadsafe.
 */
final class PageMover
{
    /** Result of a reassign request, as memcached's {@code slabs reassign} reports it. */
    enum Reassign
    {
        OK, BUSY, BADCLASS, NOSPARE, SAME
    }

    private static final int BUSY_PASSES_BEFORE_DELETE = 3;
    private static final int INLINE_PASSES = 4;
    /** Evictions tried for one spare chunk, as memcached's {@code slab_rebalance_prep}. */
    private static final int EVICTION_TRIES = 10;
    /** Pages of the source class {@link #pageToStealLocked} looks at, at most, for one that holds no busy chunk. */
    private static final int STEAL_SCAN_PAGES = 64;

    private final ItemStore store;
    private final SlabAllocator slabs;
    private final HashIndex index;
    private final ReentrantLock moveLock = new ReentrantLock();

    /* the move in progress, guarded by moveLock */
    private SlabClass source;
    private int destination;
    private int page;
    private int passes;
    private int currentPass;
    /** Busy chunks the last pass left, or -1 before the first pass of a move. */
    private int lastBusy = -1;
    /** Whether the move in progress may evict from its source class to find room for the items it rescues. */
    private boolean allowEvictions;
    /** A chunk of the source class, allocated and unused, for the next rescue; 0 when none. */
    private int spare;
    private int pickCursor;
    /** Where {@link #pageToStealLocked} starts looking, among the pages of the source class; guarded by moveLock. */
    private int stealCursor;

    volatile int automove;
    volatile boolean reassignEnabled;
    final AtomicLong rescues = new AtomicLong();
    final AtomicLong chunkRescues = new AtomicLong();
    final AtomicLong inlineReclaim = new AtomicLong();
    final AtomicLong busyItems = new AtomicLong();
    final AtomicLong busyDeletes = new AtomicLong();
    final AtomicLong busyNoMemory = new AtomicLong();
    final AtomicLong slabsMoved = new AtomicLong();
    private volatile boolean running;
    private volatile int aggressiveRequest;
    /** Whether the last pass found the page as busy as the one before: the next waits until {@link #restUntil}. */
    private boolean resting;
    private long restUntil;

    PageMover(final ItemStore store, final boolean reassignEnabled, final int automove)
    {
        this.store = store;
        this.slabs = store.slabs;
        this.index = store.index;
        this.reassignEnabled = reassignEnabled;
        this.automove = automove;
    }

    int automove()
    {
        return automove;
    }

    boolean running()
    {
        return running;
    }

    /**
     * With {@code slab_automove=2}: an eviction in a class asks for a page from any other class.
     */
    void requestAggressive(final int cls)
    {
        aggressiveRequest = cls;
    }

    int takeAggressiveRequest()
    {
        final int cls = aggressiveRequest;
        aggressiveRequest = 0;
        return cls;
    }

    /**
     * Start moving a page: memcached's {@code slabs_reassign}.
     *
     * @param src            the source class, or -1 for any class with a spare page.
     * @param dst            the destination class, or 0 for the global pool.
     * @param allowEvictions whether the move may evict from the source class to make room for the items it rescues
     *                       (memcached's {@code SLABS_REASSIGN_ALLOW_EVICTIONS}); a move started while the memory
     *                       limit is reached and the global pool is empty may evict in any case.
     * @return the outcome.
     */
    Reassign reassign(final int src, final int dst, final boolean allowEvictions)
    {
        if (!moveLock.tryLock())
        {
            return Reassign.BUSY;
        }
        try
        {
            // memcached's order of checks, class ids up to its MAX_NUMBER_OF_SLAB_CLASSES; a request that fails them
            // gets its error even while a page moves, as memcached's mostly does
            if (src == dst)
            {
                return Reassign.SAME;
            }
            final int from = src == -1 ? pickAnySource(dst) : src;
            if (from < 0 || from > SlabClassTable.MAX_CLASSES || dst < 0 || dst > SlabClassTable.MAX_CLASSES)
            {
                return Reassign.BADCLASS;
            }
            // the global pool (0) spares pages as a class does: two or more
            final int pages = from == 0 ? slabs.globalPoolSize() : from > slabs.largest() ? 0 :
                slabs.classes[from].pageCount;
            if (pages < 2)
            {
                return Reassign.NOSPARE;
            }
            if (dst > slabs.largest())
            {
                // memcached would hand the page to a class of no size, where nothing can use it
                return Reassign.BADCLASS;
            }
            if (source != null)
            {
                return Reassign.BUSY;
            }
            if (from == 0)
            {
                return fromGlobalPool(dst);
            }
            return start(slabs.classes[from], dst, allowEvictions) ? Reassign.OK : Reassign.BUSY;
        }
        finally
        {
            moveLock.unlock();
        }
    }

    /**
     * {@code slabs reassign 0 <dst>}: a page of the global pool goes to a class at once, as memcached's mover hands
     * it over. Caller holds the move lock and has checked the request.
     */
    private Reassign fromGlobalPool(final int dst)
    {
        final SlabClass c = slabs.classes[dst];
        synchronized (c)
        {
            if (!slabs.newPageLocked(c))
            {
                return Reassign.NOSPARE;
            }
        }
        slabsMoved.incrementAndGet();
        return Reassign.OK;
    }

    private int pickAnySource(final int dst)
    {
        for (int tries = slabs.largest(); tries > 0; tries--)
        {
            pickCursor = pickCursor >= slabs.largest() ? 1 : pickCursor + 1;
            if (pickCursor != dst && slabs.classes[pickCursor].pageCount > 1)
            {
                return pickCursor;
            }
        }
        return -1;
    }

    /**
     * Begin draining the first page of a class. Caller holds the move lock.
     */
    private boolean start(final SlabClass c, final int dst, final boolean mayEvict)
    {
        final boolean memoryFull = slabs.limitReached() && slabs.globalPoolSize() == 0;
        synchronized (c)
        {
            if (c.pageCount == 0 || c.drainingPage != 0)
            {
                return false;
            }
            final int p = c.pages[0];
            beginDrainLocked(c, p);
            source = c;
            destination = dst;
            page = p;
            passes = 0;
            lastBusy = -1;
            resting = false;
            allowEvictions = mayEvict || memoryFull;
            running = true;
            return true;
        }
    }

    private void beginDrainLocked(final SlabClass c, final int p)
    {
        c.drainingPage = p;
        final Region r = slabs.pages[p];
        for (int i = 0; i < c.perSlab; i++)
        {
            final int o = i * c.size;
            if ((r.getIntVolatile(o + STATE_OFFSET) & SLABBED) != 0)
            {
                slabs.unlinkFreeLocked(c, ItemDescriptor.ref(p, o), r, o);
            }
        }
    }

    /**
     * Advance the move in progress by one pass over its page.
     *
     * @return work done: 0 when no move is in progress, and also when the pass found as many busy chunks as the one
     *         before (nothing moved; waiting on readers or stores in progress), so that the background thread rests
     *         between such passes instead of going round again at once, as memcached's mover backs off between busy
     *         loops.
     */
    int step()
    {
        if (!moveLock.tryLock())
        {
            return 0;
        }
        try
        {
            if (source == null)
            {
                return 0;
            }
            // memcached's mover backs off between busy loops on a thread of its own; here the background thread may
            // be kept busy by its other agents, so the mover keeps its own rest
            final long nowNanos = store.clock.nanoTime();
            if (resting && nowNanos - restUntil < 0)
            {
                return 0;
            }
            currentPass = passes;
            final int busy = pass(source, page, true);
            passes++;
            if (busy == 0)
            {
                finish(source, page, destination);
                source = null;
                running = false;
                return 1;
            }
            final boolean progress = busy != lastBusy;
            lastBusy = busy;
            resting = !progress;
            restUntil = nowNanos + BackgroundIdle.MOVE_PARK_NANOS;
            return progress ? 1 : 0;
        }
        finally
        {
            moveLock.unlock();
        }
    }

    /**
     * Give a class that owns no page one page from another class, now, without waiting for any lock: the caller may
     * hold a stripe lock. Used by allocation; fails if a move is already running, if every page looked at holds an
     * item a reader holds ({@link #pageToStealLocked}) or if the page stays busy.
     *
     * @return true if the class received a page.
     */
    boolean stealPageFor(final SlabClass dst)
    {
        if (!moveLock.tryLock())
        {
            return false;
        }
        try
        {
            if (source != null || dst.pageCount != 0)
            {
                return dst.pageCount != 0;
            }
            SlabClass from = null;
            for (int id = 1; id <= slabs.largest(); id++)
            {
                final SlabClass c = slabs.classes[id];
                if (c != dst && c.pageCount > 0 && (from == null || c.pageCount > from.pageCount))
                {
                    from = c;
                }
            }
            if (from == null)
            {
                return false;
            }
            final int p;
            synchronized (from)
            {
                if (from.pageCount == 0 || from.drainingPage != 0)
                {
                    return false;
                }
                p = pageToStealLocked(from);
                if (p < 0)
                {
                    return false;
                }
                beginDrainLocked(from, p);
            }
            // this replaces memcached's page beyond the memory limit: the source may evict to make room
            allowEvictions = true;
            for (int i = 0; i < INLINE_PASSES; i++)
            {
                currentPass = 0;
                if (pass(from, p, false) == 0)
                {
                    finish(from, p, dst.id);
                    return true;
                }
            }
            abort(from, p);
            return false;
        }
        finally
        {
            moveLock.unlock();
        }
    }

    /**
     * The page {@link #stealPageFor} drains: the first one, from {@link #stealCursor} on, whose chunks all look free
     * now or soon (no item a reader holds, no store in progress). A client that reads a large value slowly, or never,
     * holds its item as long; had the steal always taken the class's first page, a reader stuck on one item of that
     * page would make every store in a class without pages fail, and each try would first evict the page's other items.
     * At most {@link #STEAL_SCAN_PAGES} pages are looked at; the cursor moves on, so that the next steal looks at the
     * next ones. Caller holds the move lock and the class lock.
     *
     * @return the page, or -1 when every page looked at holds a busy chunk.
     */
    private int pageToStealLocked(final SlabClass c)
    {
        final int scan = Math.min(c.pageCount, STEAL_SCAN_PAGES);
        final int first = stealCursor % c.pageCount;
        for (int i = 0; i < scan; i++)
        {
            final int p = c.pages[(first + i) % c.pageCount];
            if (!holdsBusyChunk(c, p))
            {
                stealCursor = (first + i) % c.pageCount;
                return p;
            }
        }
        stealCursor = (first + scan) % c.pageCount;
        return -1;
    }

    /**
     * Whether a page holds a chunk that a pass could not free at once: an item or chained value a reader holds (a
     * held item is copied, but its chunk stays until the reader lets go), an unlinked item, a store in progress. Read
     * without locks: a hint, which the pass itself does not rely on.
     */
    private boolean holdsBusyChunk(final SlabClass c, final int p)
    {
        final Region r = slabs.pages[p];
        for (int i = 0; i < c.perSlab; i++)
        {
            final int o = i * c.size;
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            if ((state & SLABBED) != 0)
            {
                continue;
            }
            if ((state & CHUNK) != 0)
            {
                final int head = r.getInt(o + HEAD_OFFSET);
                final int headPage = page(head);
                if (head == 0 || headPage <= 0 || headPage >= slabs.pages.length || slabs.pages[headPage] == null)
                {
                    return true;
                }
                final int headState = store.region(head).getIntVolatile(offset(head) + STATE_OFFSET);
                if ((headState & LINKED) == 0 || refcount(headState) != 0)
                {
                    return true;
                }
            }
            else if ((state & LINKED) == 0 || refcount(state) != 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * One pass over every chunk of a draining page.
     *
     * @param blocking whether stripe locks may be waited for (false when the caller may hold one).
     * @return how many chunks are still busy.
     */
    private int pass(final SlabClass c, final int p, final boolean blocking)
    {
        final Region r = slabs.pages[p];
        int busy = 0;
        // from the last chunk down: a fresh page hands out its chunks from the first, so the newest items come first,
        // as in memcached, whose free list hands out a fresh page from its last chunk and whose mover starts at the
        // first; the oldest items, at the LRU tail, are then evicted in place to make room, not copied first
        for (int i = c.perSlab - 1; i >= 0; i--)
        {
            final int o = i * c.size;
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            if ((state & SLABBED) != 0)
            {
                continue;
            }
            final int ref = ItemDescriptor.ref(p, o);
            final boolean done;
            if ((state & CHUNK) != 0)
            {
                prepareSpare(c);
                done = moveValueChunk(c, ref, blocking);
            }
            else if ((state & LINKED) != 0)
            {
                prepareSpare(c);
                done = moveItem(c, ref, state, blocking);
            }
            else
            {
                done = false;
            }
            if (!done)
            {
                busy++;
            }
        }
        if (busy > 0)
        {
            busyItems.addAndGet(busy);
        }
        return busy;
    }

    private long lockStripe(final Stripe stripe, final boolean blocking)
    {
        return blocking ? stripe.lock.writeLock() : stripe.lock.tryWriteLock();
    }

    /**
     * Rescue or evict a linked item (or the head of a chained item) found in a draining page.
     *
     * @return true when the chunk is free.
     */
    private boolean moveItem(final SlabClass c, final int ref, final int state, final boolean blocking)
    {
        final Region r = store.region(ref);
        final int o = offset(ref);
        final long hash = store.hashOfItem(r, o, state);
        final Stripe stripe = index.stripe(hash);
        final long stamp = lockStripe(stripe, blocking);
        if (stamp == 0)
        {
            return false;
        }
        try
        {
            final int current = r.getIntVolatile(o + STATE_OFFSET);
            if ((current & SLABBED) != 0)
            {
                return true;
            }
            if ((current & LINKED) == 0 || !index.containsLocked(stripe, hash, ref))
            {
                return false;
            }
            if (store.expiredOrFlushed(r, o, store.now()))
            {
                // not worth saving; a reader that still holds it frees it later
                store.unlinkLocked(stripe, hash, ref);
                return refcount(current) == 0;
            }
            if (spare == 0)
            {
                // no room to rescue it into: wait for a later pass, as memcached 1.6.39 does
                busyNoMemory.incrementAndGet();
                return false;
            }
            if (refcount(current) == 0)
            {
                rescueItemLocked(c, ref, takeSpare(), current, stripe, hash);
                rescues.incrementAndGet();
                return true;
            }
            // a reader holds it: as memcached 1.6.39 does, put a copy in its place for everyone else, and let the
            // chunk free itself when the last reader lets go (a chained item cannot be copied that way)
            if ((current & CHUNKED) == 0)
            {
                rescueItemLocked(c, ref, takeSpare(), current, stripe, hash);
                rescues.incrementAndGet();
            }
            else if (currentPass >= BUSY_PASSES_BEFORE_DELETE)
            {
                if ((store.eventMask() & ItemEvents.EVICTIONS) != 0)
                {
                    store.logEviction(null, r, o, current, store.now());
                }
                store.unlinkLocked(stripe, hash, ref);
                busyDeletes.incrementAndGet();
            }
            return false;
        }
        finally
        {
            stripe.lock.unlockWrite(stamp);
        }
    }

    /**
     * Make sure a spare chunk of the source class is ready for the next rescue (memcached's
     * {@code slab_rebalance_prep}): from the free list, else, when the move may evict, by evicting from the class's
     * COLD tail (or pushing HOT items down) up to ten times. Called holding no stripe lock.
     */
    private void prepareSpare(final SlabClass c)
    {
        if (spare != 0)
        {
            return;
        }
        spare = allocSpare(c);
        if (spare != 0 || !allowEvictions)
        {
            return;
        }
        final long freedBefore = drainingFreed(c);
        for (int i = 0; i < EVICTION_TRIES && spare == 0; i++)
        {
            if (store.pullTail(c, ItemDescriptor.COLD_LRU, 0, ItemStore.PULL_EVICT, 0) <= 0 && store.lruSegmented)
            {
                store.pullTail(c, ItemDescriptor.HOT_LRU, 0, 0, 0);
            }
            spare = allocSpare(c);
        }
        // chunks of the page itself that these evictions freed: memcached's mover finds them on the free list
        // (slab_reassign_inline_reclaim)
        final long freed = drainingFreed(c) - freedBefore;
        if (freed > 0)
        {
            inlineReclaim.addAndGet(freed);
        }
    }

    private static long drainingFreed(final SlabClass c)
    {
        synchronized (c)
        {
            return c.drainingFreed;
        }
    }

    private int allocSpare(final SlabClass c)
    {
        synchronized (c)
        {
            return slabs.allocNoGrowLocked(c);
        }
    }

    /**
     * Take the spare chunk for a rescue.
     *
     * @return the chunk, or 0 when there is none.
     */
    private int takeSpare()
    {
        final int copy = spare;
        spare = 0;
        return copy;
    }

    /**
     * The chunk held for the next rescue, for checks of the structures.
     *
     * @return the chunk ref, or 0.
     */
    int spareChunk()
    {
        moveLock.lock();
        try
        {
            return spare;
        }
        finally
        {
            moveLock.unlock();
        }
    }

    private void releaseSpareLocked(final SlabClass c)
    {
        if (spare != 0)
        {
            slabs.freeLocked(c, spare);
            spare = 0;
        }
    }

    /**
     * Copy an item into a new chunk and put the copy where the item was, in the index and in its LRU. Caller holds
     * the stripe's write lock.
     */
    private void rescueItemLocked(
        final SlabClass memoryClass, final int ref, final int copy, final int state, final Stripe stripe,
        final long hash)
    {
        final Region r = store.region(ref);
        final int o = offset(ref);
        final Region cr = store.region(copy);
        final int co = offset(copy);
        final int length = (state & CHUNKED) != 0 ?
            store.keyOffset(state) + store.nkeyOf(r, o) + ItemDescriptor.CHUNK_REF_LENGTH :
            store.itemSizeOf(r, o, state);
        final SlabClass lruClass = slabs.classes[store.lruClassOf(r, o)];
        synchronized (lruClass)
        {
            r.copyTo(0 + o, cr, co, Math.min(length, memoryClass.size));
            // as memcached's do_item_replace links the copy: at the head of the same LRU, its time now (and
            // total_items counts it, see Engine)
            final int lru = lru(state);
            final int prev = r.getInt(o + PREV_OFFSET);
            final int next = r.getInt(o + NEXT_OFFSET);
            if (prev != 0)
            {
                store.region(prev).putInt(offset(prev) + NEXT_OFFSET, next);
            }
            else
            {
                lruClass.heads[lru] = next;
            }
            if (next != 0)
            {
                store.region(next).putInt(offset(next) + PREV_OFFSET, prev);
            }
            else
            {
                lruClass.tails[lru] = prev;
            }
            final int head = lruClass.heads[lru];
            cr.putInt(co + PREV_OFFSET, 0);
            cr.putInt(co + NEXT_OFFSET, head);
            if (head != 0)
            {
                store.region(head).putInt(offset(head) + PREV_OFFSET, copy);
            }
            else
            {
                lruClass.tails[lru] = copy;
            }
            lruClass.heads[lru] = copy;
            cr.putInt(co + TIME_OFFSET, store.now());
            cr.putIntRelease(co + STATE_OFFSET, state & ItemDescriptor.FLAGS_MASK);
            index.replaceLocked(stripe, hash, ref, copy);
            if ((state & CHUNKED) != 0)
            {
                int chunk = cr.getInt(co + store.keyOffset(state) + store.nkeyOf(cr, co));
                int guard = store.maxChunks;
                while (chunk != 0 && guard-- > 0)
                {
                    final Region chr = store.region(chunk);
                    chr.putInt(offset(chunk) + HEAD_OFFSET, copy);
                    chunk = chr.getInt(offset(chunk) + NEXT_OFFSET);
                }
            }
            if (refcount(state) == 0)
            {
                synchronized (memoryClass)
                {
                    slabs.freeLocked(memoryClass, ref);
                }
            }
            else
            {
                releaseUnlinked(ref, r, o);
            }
        }
    }

    /**
     * Mark an item whose copy took its place unlinked; its last reader frees it, or this call if that reader is
     * already gone. Caller holds the stripe's write lock, so nobody can take a new reference meanwhile.
     */
    private void releaseUnlinked(final int ref, final Region r, final int o)
    {
        int state;
        int next;
        do
        {
            state = r.getIntVolatile(o + STATE_OFFSET);
            next = state & ~LINKED;
        }
        while (!r.compareAndSetInt(o + STATE_OFFSET, state, next));
        if (refcount(next) == 0)
        {
            store.freeItemMemory(ref, next);
        }
    }

    /**
     * Rescue a value chunk of a chained item, or evict the item.
     *
     * @return true when the chunk is free.
     */
    private boolean moveValueChunk(final SlabClass c, final int ref, final boolean blocking)
    {
        final Region r = store.region(ref);
        final int o = offset(ref);
        final int head = r.getInt(o + HEAD_OFFSET);
        final int headPage = page(head);
        if (head == 0 || headPage <= 0 || headPage >= slabs.pages.length || slabs.pages[headPage] == null)
        {
            return false;
        }
        final Region hr = store.region(head);
        final int ho = offset(head);
        final int headState = hr.getIntVolatile(ho + STATE_OFFSET);
        if ((headState & (LINKED | CHUNKED)) != (LINKED | CHUNKED))
        {
            return false;
        }
        final long hash = store.hashOfItem(hr, ho, headState);
        final Stripe stripe = index.stripe(hash);
        final long stamp = lockStripe(stripe, blocking);
        if (stamp == 0)
        {
            return false;
        }
        try
        {
            if ((r.getIntVolatile(o + STATE_OFFSET) & SLABBED) != 0)
            {
                return true;
            }
            if (!index.containsLocked(stripe, hash, head) || r.getInt(o + HEAD_OFFSET) != head)
            {
                return false;
            }
            final int current = hr.getIntVolatile(ho + STATE_OFFSET);
            if (refcount(current) != 0)
            {
                if (currentPass >= BUSY_PASSES_BEFORE_DELETE)
                {
                    if ((store.eventMask() & ItemEvents.EVICTIONS) != 0)
                    {
                        // memcached 1.6.39 logs this as an eviction
                        store.logEviction(null, hr, ho, current, store.now());
                    }
                    store.unlinkLocked(stripe, hash, head);
                    busyDeletes.incrementAndGet();
                }
                return false;
            }
            if (spare == 0)
            {
                busyNoMemory.incrementAndGet();
                return false;
            }
            final int copy = takeSpare();
            final Region cr = store.region(copy);
            final int co = offset(copy);
            final int used = r.getInt(o + USED_OFFSET);
            r.copyTo(o, cr, co, CHUNK_DATA_OFFSET + used);
            cr.putByte(co + CLSID_OFFSET, (byte)c.id);
            final int prev = r.getInt(o + PREV_OFFSET);
            final int next = r.getInt(o + NEXT_OFFSET);
            if (prev == 0)
            {
                hr.putInt(ho + store.keyOffset(current) + store.nkeyOf(hr, ho), copy);
            }
            else
            {
                store.region(prev).putInt(offset(prev) + NEXT_OFFSET, copy);
            }
            if (next != 0)
            {
                store.region(next).putInt(offset(next) + PREV_OFFSET, copy);
            }
            cr.putIntRelease(co + STATE_OFFSET, CHUNK);
            synchronized (c)
            {
                slabs.freeLocked(c, ref);
            }
            chunkRescues.incrementAndGet();
            return true;
        }
        finally
        {
            stripe.lock.unlockWrite(stamp);
        }
    }

    /**
     * The page is empty: take it from its class and give it to the destination (0 = the global pool).
     */
    private void finish(final SlabClass c, final int p, final int dst)
    {
        synchronized (c)
        {
            releaseSpareLocked(c);
            c.drainingPage = 0;
            c.removePage(p);
        }
        if (dst == 0)
        {
            synchronized (slabs.pageLock)
            {
                slabs.pushGlobalPoolLocked(p);
            }
        }
        else
        {
            final SlabClass d = slabs.classes[dst];
            synchronized (d)
            {
                synchronized (slabs.pageLock)
                {
                    slabs.pageOwner[p] = d.id;
                }
                slabs.splitPageLocked(d, p);
                d.addPage(p);
            }
        }
        slabsMoved.incrementAndGet();
    }

    /**
     * Give up on a page: its free chunks go back on the free list.
     */
    private void abort(final SlabClass c, final int p)
    {
        synchronized (c)
        {
            releaseSpareLocked(c);
            c.drainingPage = 0;
            final Region r = slabs.pages[p];
            for (int i = 0; i < c.perSlab; i++)
            {
                final int o = i * c.size;
                if ((r.getIntVolatile(o + STATE_OFFSET) & SLABBED) != 0)
                {
                    slabs.freeLocked(c, ItemDescriptor.ref(p, o));
                }
            }
        }
    }
}
