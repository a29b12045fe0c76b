/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.ACTIVE;
import static io.memcached4j.core.ItemDescriptor.CAS_GIVEN;
import static io.memcached4j.core.ItemDescriptor.CAS_OFFSET;
import static io.memcached4j.core.ItemDescriptor.CFLAGS;
import static io.memcached4j.core.ItemDescriptor.CHUNK;
import static io.memcached4j.core.ItemDescriptor.CHUNKED;
import static io.memcached4j.core.ItemDescriptor.CHUNK_DATA_OFFSET;
import static io.memcached4j.core.ItemDescriptor.CLIENT_FLAGS_LENGTH;
import static io.memcached4j.core.ItemDescriptor.CLSID_OFFSET;
import static io.memcached4j.core.ItemDescriptor.COLD_LRU;
import static io.memcached4j.core.ItemDescriptor.EXPTIME_OFFSET;
import static io.memcached4j.core.ItemDescriptor.FETCHED;
import static io.memcached4j.core.ItemDescriptor.HEADER_LENGTH;
import static io.memcached4j.core.ItemDescriptor.HEAD_OFFSET;
import static io.memcached4j.core.ItemDescriptor.HOT_LRU;
import static io.memcached4j.core.ItemDescriptor.KEY_BINARY;
import static io.memcached4j.core.ItemDescriptor.LINKED;
import static io.memcached4j.core.ItemDescriptor.NBYTES_OFFSET;
import static io.memcached4j.core.ItemDescriptor.NEXT_OFFSET;
import static io.memcached4j.core.ItemDescriptor.NKEY_OFFSET;
import static io.memcached4j.core.ItemDescriptor.PREV_OFFSET;
import static io.memcached4j.core.ItemDescriptor.REFCOUNT_MAX;
import static io.memcached4j.core.ItemDescriptor.REFCOUNT_ONE;
import static io.memcached4j.core.ItemDescriptor.STALE;
import static io.memcached4j.core.ItemDescriptor.STATE_OFFSET;
import static io.memcached4j.core.ItemDescriptor.TEMP_LRU;
import static io.memcached4j.core.ItemDescriptor.TIME_OFFSET;
import static io.memcached4j.core.ItemDescriptor.TOKEN_SENT;
import static io.memcached4j.core.ItemDescriptor.USED_OFFSET;
import static io.memcached4j.core.ItemDescriptor.WARM_LRU;
import static io.memcached4j.core.ItemDescriptor.lru;
import static io.memcached4j.core.ItemDescriptor.offset;
import static io.memcached4j.core.ItemDescriptor.page;
import static io.memcached4j.core.ItemDescriptor.refcount;
import static io.memcached4j.core.ItemDescriptor.withLru;

import java.lang.ref.Reference;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import io.memcached4j.core.HashIndex.Stripe;
import io.memcached4j.core.ValueAdapters.ValueSink;
import io.memcached4j.core.ValueAdapters.ValueSource;

/**
 * The item layer: memcached's items.c with the storage, delta and delete logic of memcached.c, over the
 * {@link SlabAllocator}, the {@link HashIndex} and a segmented LRU kept in each {@link SlabClass}.
 * <p>
 * <b>Concurrency story.</b> The lock order is: hash stripe, then slab class, then the allocator's page lock.
 * <ul>
 *     <li>Every operation on a key holds its stripe's lock: optimistic for plain gets (validated, retried, and never
 *     writing), shared for gets that mark an item fetched or active, exclusive for everything that links, unlinks or
 *     rewrites an item.</li>
 *     <li>LRU links, free lists and page lists of a class are guarded by its class lock. An item's LRU class is
 *     the class of its size; a chunked item is linked into the largest class's LRU while its head chunk lives in a
 *     small class, so when an item's memory is freed under an LRU lock, the only nesting of class locks is from the
 *     largest class to another one.</li>
 *     <li>Work that finds items from the LRU side (eviction, the maintainer, the crawler, the page mover) holds a
 *     class lock first, so it only ever tries a stripe lock and skips the item if that fails, as memcached's
 *     {@code item_trylock} does.</li>
 *     <li>Allocation may run while its caller holds one stripe's write lock (append, incr, vivify); it evicts
 *     through those try-locks, so it never waits for a stripe.</li>
 *     <li>An item is never freed while referenced: a streaming reader's reference is a count in the state word, and
 *     memory is freed by whoever makes the item both unlinked and unreferenced (see {@link ItemDescriptor}).</li>
 * </ul>
 * Methods whose names end in {@code Locked} need the caller to hold the lock their javadoc names.
 */
final class ItemStore
{
    static final int MISS = -1;
    /** {@link #getPlain} left the get to {@link #fetch}. */
    static final int FALLBACK = Integer.MIN_VALUE;
    static final int ALLOC_TOO_LARGE = -1;
    static final int ALLOC_NO_MEMORY = -2;
    static final int PULL_EVICT = 1;
    static final int PULL_CRAWL_BLOCKS = 2;
    /** memcached's {@code ITEM_UPDATE_INTERVAL}: flat-mode LRU bumps happen at most once a minute. */
    static final int ITEM_UPDATE_INTERVAL = 60;
    private static final int OPTIMISTIC_ATTEMPTS = 4;
    private static final long RETRY = Long.MIN_VALUE;
    private static final long NEED_LOCK = Long.MIN_VALUE + 1;
    /** An optimistic hit that only needs its LRU marks set: bit 62 flags it, the low bits hold the length. */
    private static final long NEED_BUMP = 1L << 62;
    private static final long MISS_RESULT = -1;

    final CacheConfig config;
    final Clock clock;
    final SlabClassTable table;
    final SlabAllocator slabs;
    final HashIndex index;
    final boolean casEnabled;
    final int casLength;
    /** Where the key starts in an item without client flags. */
    private final int plainKeyOffset;
    final int itemSizeMax;
    final int slabChunkMax;
    final int maxChunks;
    /** The last CAS value handed out; memcached 1.6.39 starts its counter at 1, so the first item gets 2. */
    final AtomicLong casId = new AtomicLong(1);
    final AtomicIntegerArray sizes;
    PageMover mover;

    /* run-time tunables: lru tune / lru mode / lru temp_ttl */
    volatile boolean lruSegmented;
    volatile int hotLruPct;
    volatile int warmLruPct;
    volatile double hotMaxFactor;
    volatile double warmMaxFactor;
    volatile boolean tempLru;
    volatile int temporaryTtl;
    volatile boolean evictionsEnabled;

    volatile boolean cachedClock;
    private volatile int cachedNow;

    /** What {@code flush_all} set: read as one snapshot so the two values always agree. */
    private volatile FlushState flush = FlushState.NONE;

    /**
     * The {@link ItemEvents} streams wanted, 0 when nobody listens: the one field an operation reads for the events,
     * once. Written after {@link #events}, so a thread that sees a stream bit sees the listener.
     */
    private volatile int eventMask;
    private ItemEvents events;
    private volatile boolean listenerFailureReported;

    ItemStore(final CacheConfig config, final SlabAllocator slabs, final HashIndex index)
    {
        this.config = config;
        this.clock = config.clock();
        this.table = slabs.table;
        this.slabs = slabs;
        this.index = index;
        this.casEnabled = config.casEnabled();
        this.casLength = casEnabled ? ItemDescriptor.CAS_LENGTH : 0;
        this.plainKeyOffset = HEADER_LENGTH + casLength;
        this.itemSizeMax = config.itemSizeMax();
        this.slabChunkMax = table.size(table.largest());
        this.maxChunks = itemSizeMax / Math.max(1, table.size(1) - CHUNK_DATA_OFFSET) + 2;
        this.sizes = config.trackSizes() ? new AtomicIntegerArray(config.trackSizesUpTo() / 32 + 1) : null;
        this.lruSegmented = config.lruSegmented();
        this.hotLruPct = config.hotLruPct();
        this.warmLruPct = config.warmLruPct();
        this.hotMaxFactor = config.hotMaxFactor();
        this.warmMaxFactor = config.warmMaxFactor();
        this.tempLru = config.tempLru();
        this.temporaryTtl = config.temporaryTtl();
        this.evictionsEnabled = config.evictionsEnabled();
    }

    /**
     * Whether a queued LRU bump holds a reference to its item until the maintainer applies it. Only while a maintainer
     * thread runs: a cache whose background work nobody runs would hold its items for good. Set once before the
     * maintainer starts; cleared for good by {@code Engine.releaseQueuedBumpsLocked}, which then applies every queue.
     */
    volatile boolean holdQueuedBumps;

    /**
     * The state of the last {@code flush_all}.
     */
    static final class FlushState
    {
        static final FlushState NONE = new FlushState(0, 0);
        final int oldestLive;
        final long oldestCas;

        FlushState(final int oldestLive, final long oldestCas)
        {
            this.oldestLive = oldestLive;
            this.oldestCas = oldestCas;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Field access
    // ------------------------------------------------------------------------------------------------------------

    Region region(final int ref)
    {
        return slabs.pages[page(ref)];
    }

    int keyOffset(final int state)
    {
        return ItemDescriptor.keyOffset(casLength, state);
    }

    long casOf(final Region r, final int o)
    {
        return casLength == 0 ? 0 : r.getLong(o + CAS_OFFSET);
    }

    int clientFlagsOf(final Region r, final int o, final int state)
    {
        return (state & CFLAGS) != 0 ? r.getInt(o + HEADER_LENGTH + casLength) : 0;
    }

    int nkeyOf(final Region r, final int o)
    {
        return r.getByte(o + NKEY_OFFSET) & 0xFF;
    }

    int lruClassOf(final Region r, final int o)
    {
        return r.getByte(o + CLSID_OFFSET) & 0xFF;
    }

    /**
     * Bytes the item accounts for (memcached's {@code ITEM_ntotal}, for this layout).
     */
    int itemSizeOf(final Region r, final int o, final int state)
    {
        return (int)(HEADER_LENGTH + casLength + ((state & CFLAGS) != 0 ? 4 : 0) + nkeyOf(r, o) +
            (long)r.getInt(o + NBYTES_OFFSET));
    }

    long hashOfItem(final Region r, final int o, final int state)
    {
        return Hashing.hash(r, o + keyOffset(state), nkeyOf(r, o));
    }

    /**
     * Set and clear flag bits of the state word.
     *
     * @return the new state.
     */
    static int updateFlags(final Region r, final int o, final int set, final int clear)
    {
        while (true)
        {
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            final int next = (state & ~clear) | set;
            if (state == next || r.compareAndSetInt(o + STATE_OFFSET, state, next))
            {
                return next;
            }
        }
    }

    static int updateLru(final Region r, final int o, final int lru)
    {
        while (true)
        {
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            final int next = withLru(state, lru);
            if (state == next || r.compareAndSetInt(o + STATE_OFFSET, state, next))
            {
                return next;
            }
        }
    }

    /**
     * memcached's {@code current_time}. When the cache runs its own background thread with the system clock, that
     * thread refreshes {@link #cachedNow} at least every millisecond and operations read it instead of the clock;
     * otherwise they read the clock.
     */
    int now()
    {
        return cachedClock ? cachedNow : clock.currentTime();
    }

    /**
     * Refresh the cached time (the background thread calls this on every pass).
     */
    void tick()
    {
        cachedNow = clock.currentTime();
    }

    long nextCas()
    {
        return casEnabled ? casId.incrementAndGet() : 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Time
    // ------------------------------------------------------------------------------------------------------------

    /**
     * memcached's {@code realtime(EXPTIME_TO_POSITIVE_TIME(exptime))}: 0 never, up to 30 days relative, larger values
     * a Unix time (at or before the clock's origin means already expired), negative already expired.
     */
    int realtime(final int exptime)
    {
        long value = exptime;
        if (value < 0)
        {
            value = CacheConfig.REALTIME_MAXDELTA + 1;
        }
        if (value == 0)
        {
            return 0;
        }
        if (value > CacheConfig.REALTIME_MAXDELTA)
        {
            final long started = clock.processStarted();
            if (value <= started)
            {
                return 1;
            }
            return (int)(value - started);
        }
        return (int)(value + now());
    }

    static boolean expired(final int exptime, final int now)
    {
        return exptime != 0 && exptime <= now;
    }

    /**
     * Whether an item was flushed: memcached 1.6.39's {@code item_is_flushed} (last updated at or before the flush's
     * {@code oldest_live}, once that moment has come), and, with CAS on, an item of the flush's own second whose CAS
     * the counter gave before the flush. memcached unlinks those by walking each LRU from its head, and misses the
     * ones behind an older item (an item fetched in that second, whose time the fetch moved, for one); here they are
     * invisible all the same. An item whose CAS the client gave ({@code ms E}) is judged by its time alone.
     *
     * @param time the item's last update.
     * @param cas  its CAS value, or 0 when the CAS boundary does not apply to it ({@link #flushCas}).
     * @param now  the current time.
     */
    boolean flushed(final int time, final long cas, final int now)
    {
        final FlushState f = flush;
        final int oldestLive = f.oldestLive;
        if (oldestLive == 0 || oldestLive > now)
        {
            return false;
        }
        if (time <= oldestLive)
        {
            return true;
        }
        return f.oldestCas != 0 && cas != 0 && cas < f.oldestCas && time == oldestLive + 1;
    }

    /**
     * The CAS value a flush's boundary is compared with: 0 (none) for an item whose CAS the client gave.
     */
    long flushCas(final Region r, final int o)
    {
        return (r.getIntVolatile(o + STATE_OFFSET) & CAS_GIVEN) != 0 ? 0 : casOf(r, o);
    }

    private static void markCasGiven(final Region r, final int o, final boolean given)
    {
        updateFlags(r, o, given ? CAS_GIVEN : 0, given ? 0 : CAS_GIVEN);
    }

    /**
     * Mark an item not yet linked as having a CAS the client gave, when it has.
     */
    private void markCasGiven(final int ref, final boolean given)
    {
        if (given)
        {
            markCasGiven(region(ref), offset(ref), true);
        }
    }

    boolean expiredOrFlushed(final Region r, final int o, final int now)
    {
        return expired(r.getInt(o + EXPTIME_OFFSET), now) ||
            (flush.oldestLive != 0 && flushed(r.getInt(o + TIME_OFFSET), flushCas(r, o), now));
    }

    int oldestLive()
    {
        return flush.oldestLive;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Lookup
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Find the item for a key. Caller holds the stripe's lock, or an optimistic stamp it validates afterwards (and
     * then must expect exceptions from torn reads).
     *
     * @return the item's ref, or 0.
     */
    int find(final Stripe stripe, final long hash, final Region key, final int keyOffset, final int keyLength)
    {
        // one read of the table: its capacity comes with it (HashIndex), and it stays reachable till the probe ends
        final Region tableRegion = stripe.table;
        try
        {
            return probe(tableRegion, HashIndex.slots(tableRegion), hash, key, keyOffset, keyLength);
        }
        finally
        {
            Reference.reachabilityFence(tableRegion);
        }
    }

    private int probe(
        final Region tableRegion, final int capacity, final long hash, final Region key, final int keyOffset,
        final int keyLength)
    {
        final int h32 = (int)hash;
        int slot = HashIndex.slot(hash, capacity);
        for (int probes = 0; probes < capacity; probes++)
        {
            final long e = tableRegion.getLong(slot * Long.BYTES);
            if (e == 0)
            {
                return 0;
            }
            if ((int)(e >>> 32) == h32)
            {
                final int ref = (int)e;
                final Region r = slabs.pages[page(ref)];
                final int o = offset(ref);
                // Compare where the key is when the item has no client flags before reading the header: the key's
                // address then depends on the ref alone, so its load does not wait for the header's.
                final int plain = o + plainKeyOffset;
                final boolean plainMatch = plain + keyLength <= r.capacity() &&
                    r.rangeEquals(plain, key, keyOffset, keyLength);
                if ((r.getByte(o + NKEY_OFFSET) & 0xFF) == keyLength)
                {
                    final int state = r.getInt(o + STATE_OFFSET);
                    if ((state & CFLAGS) == 0)
                    {
                        if (plainMatch)
                        {
                            return ref;
                        }
                    }
                    else if (r.rangeEquals(plain + CLIENT_FLAGS_LENGTH, key, keyOffset, keyLength))
                    {
                        return ref;
                    }
                }
            }
            slot = HashIndex.next(slot, capacity);
        }
        return 0;
    }

    /**
     * Find a live item under the stripe's write lock, unlinking it if it is expired or flushed (memcached's
     * {@code do_item_get}, which counts those in {@code get_expired} and {@code get_flushed}). What it found is left in
     * {@code ctx.lookupStatus} for the {@link ItemEvents#fetched} event.
     *
     * @return the item's ref, or 0.
     */
    int findLiveLocked(
        final ThreadContext ctx, final Stripe stripe, final long hash, final Region key, final int keyOffset,
        final int keyLength, final int now)
    {
        ctx.lookupStatus = ItemEvents.NOT_FOUND;
        final int ref = find(stripe, hash, key, keyOffset, keyLength);
        if (ref == 0)
        {
            return 0;
        }
        final Region r = region(ref);
        final int o = offset(ref);
        if (flushed(r.getInt(o + TIME_OFFSET), flushCas(r, o), now))
        {
            unlinkLocked(stripe, hash, ref);
            ctx.increment(Counters.GET_FLUSHED);
            ctx.lookupStatus = ItemEvents.FLUSHED;
            return 0;
        }
        if (expired(r.getInt(o + EXPTIME_OFFSET), now))
        {
            unlinkLocked(stripe, hash, ref);
            ctx.increment(Counters.GET_EXPIRED);
            ctx.lookupStatus = ItemEvents.EXPIRED;
            return 0;
        }
        return ref;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Allocation
    // ------------------------------------------------------------------------------------------------------------

    /**
     * memcached's {@code do_item_alloc_pull}: take a chunk of a class, evicting from its COLD tail (or pushing HOT
     * items down) when it has none, up to ten times. A class without any page gets one from another class.
     *
     * @return a chunk ref with refcount 1, or 0.
     */
    int allocChunk(final SlabClass c)
    {
        int ref = 0;
        int i;
        for (i = 0; i < 10; i++)
        {
            if (!lruSegmented)
            {
                pullTail(c, COLD_LRU, 0, 0, 0);
            }
            synchronized (c)
            {
                ref = slabs.allocLocked(c);
            }
            if (ref != 0)
            {
                break;
            }
            if (c.pageCount == 0)
            {
                if (mover != null && evictionsEnabled && mover.stealPageFor(c))
                {
                    continue;
                }
                break;
            }
            if (pullTail(c, COLD_LRU, 0, PULL_EVICT, 0) <= 0)
            {
                if (lruSegmented)
                {
                    pullTail(c, HOT_LRU, 0, 0, 0);
                }
                else
                {
                    break;
                }
            }
        }
        if (i > 0)
        {
            synchronized (c)
            {
                c.directReclaims += i;
            }
        }
        return ref;
    }

    /**
     * Whether memcached accepts an item of these dimensions (its item-size formula against {@code -I}).
     */
    boolean sizeOk(final int clientFlags, final int keyLength, final long valueLength)
    {
        return ItemDescriptor.memcachedItemSize(casEnabled, clientFlags, keyLength, valueLength) <= itemSizeMax;
    }

    /**
     * memcached's {@code do_item_alloc}: an unlinked item with its header and key written and room for the value.
     *
     * @param exptime relative expiry (already through {@link #realtime(int)}).
     * @return the item's ref (refcount 1), {@link #ALLOC_TOO_LARGE} or {@link #ALLOC_NO_MEMORY}.
     */
    int allocItem(
        final Region key, final int keyOffset, final int keyLength, final int clientFlags, final int exptime,
        final int valueLength, final int extraFlags)
    {
        if (!sizeOk(clientFlags, keyLength, valueLength))
        {
            return ALLOC_TOO_LARGE;
        }
        final long total = ItemDescriptor.itemSize(casLength, clientFlags, keyLength, valueLength);
        final int now = now();
        if (total <= slabChunkMax)
        {
            final int cls = table.classFor(total);
            final int ref = allocChunk(slabs.classes[cls]);
            if (ref == 0)
            {
                countOutOfMemory(cls);
                return ALLOC_NO_MEMORY;
            }
            initHeader(ref, cls, key, keyOffset, keyLength, clientFlags, exptime, valueLength, extraFlags, now);
            return ref;
        }

        final int largest = table.largest();
        final int headClass = table.classFor(ItemDescriptor.chunkedHeadSize(casLength, clientFlags, keyLength));
        final int head = allocChunk(slabs.classes[headClass]);
        if (head == 0)
        {
            countOutOfMemory(largest);
            return ALLOC_NO_MEMORY;
        }
        final int state = initHeader(
            head, largest, key, keyOffset, keyLength, clientFlags, exptime, valueLength, extraFlags | CHUNKED, now);
        final Region hr = region(head);
        final int chunkRefIndex = offset(head) + keyOffset(state) + keyLength;
        hr.putInt(chunkRefIndex, 0);
        long remaining = valueLength;
        int prev = 0;
        while (remaining > 0)
        {
            int cls = table.classFor(Math.min(remaining + CHUNK_DATA_OFFSET, slabChunkMax));
            int chunk = allocChunk(slabs.classes[cls]);
            if (chunk == 0 && cls != largest)
            {
                cls = largest;
                chunk = allocChunk(slabs.classes[cls]);
            }
            if (chunk == 0)
            {
                release(head);
                countOutOfMemory(largest);
                return ALLOC_NO_MEMORY;
            }
            final int used = (int)Math.min(remaining, table.size(cls) - CHUNK_DATA_OFFSET);
            final Region cr = region(chunk);
            final int co = offset(chunk);
            cr.putInt(co + PREV_OFFSET, prev);
            cr.putInt(co + NEXT_OFFSET, 0);
            cr.putInt(co + HEAD_OFFSET, head);
            cr.putInt(co + USED_OFFSET, used);
            cr.putByte(co + CLSID_OFFSET, (byte)cls);
            cr.putIntRelease(co + STATE_OFFSET, CHUNK);
            if (prev == 0)
            {
                hr.putInt(chunkRefIndex, chunk);
            }
            else
            {
                region(prev).putInt(offset(prev) + NEXT_OFFSET, chunk);
            }
            prev = chunk;
            remaining -= used;
        }
        return head;
    }

    private int initHeader(
        final int ref, final int lruClass, final Region key, final int keyOffset, final int keyLength,
        final int clientFlags, final int exptime, final int valueLength, final int extraFlags, final int now)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        r.putInt(o + PREV_OFFSET, 0);
        r.putInt(o + NEXT_OFFSET, 0);
        r.putInt(o + TIME_OFFSET, now);
        r.putInt(o + EXPTIME_OFFSET, exptime);
        r.putInt(o + NBYTES_OFFSET, valueLength);
        r.putByte(o + NKEY_OFFSET, (byte)keyLength);
        r.putByte(o + CLSID_OFFSET, (byte)lruClass);
        if (casLength != 0)
        {
            r.putLong(o + CAS_OFFSET, 0);
        }
        final int state = REFCOUNT_ONE | (clientFlags != 0 ? CFLAGS : 0) | extraFlags;
        if (clientFlags != 0)
        {
            r.putInt(o + HEADER_LENGTH + casLength, clientFlags);
        }
        key.copyTo(keyOffset, r, o + keyOffset(state), keyLength);
        r.putIntRelease(o + STATE_OFFSET, state);
        return state;
    }

    private void countOutOfMemory(final int cls)
    {
        final SlabClass c = slabs.classes[cls];
        synchronized (c)
        {
            c.outOfMemory++;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Values
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Copy {@code length} bytes of an item's value, from byte {@code from}, into a sink at {@code sinkOffset}.
     */
    void copyOut(
        final Region r, final int o, final int state, final int from, final int length, final ValueSink sink,
        final int sinkOffset)
    {
        final int valueIndex = o + keyOffset(state) + nkeyOf(r, o);
        if ((state & CHUNKED) == 0)
        {
            sink.copyFrom(r, valueIndex + from, sinkOffset, length);
            return;
        }
        int chunk = r.getInt(valueIndex);
        int skip = from;
        int done = 0;
        int guard = maxChunks;
        while (done < length)
        {
            if (chunk == 0 || guard-- == 0)
            {
                throw new IllegalStateException("chunk chain ends early");
            }
            final Region cr = region(chunk);
            final int co = offset(chunk);
            final int used = cr.getInt(co + USED_OFFSET);
            if (skip >= used)
            {
                skip -= used;
            }
            else
            {
                final int n = Math.min(used - skip, length - done);
                sink.copyFrom(cr, co + CHUNK_DATA_OFFSET + skip, sinkOffset + done, n);
                done += n;
                skip = 0;
            }
            chunk = cr.getInt(co + NEXT_OFFSET);
        }
    }

    /**
     * Copy {@code length} bytes from a source (starting {@code sourceOffset} into it) into an item's value at byte
     * {@code to}.
     */
    void copyIn(
        final Region r, final int o, final int state, final int to, final int length, final ValueSource source,
        final int sourceOffset)
    {
        final int valueIndex = o + keyOffset(state) + nkeyOf(r, o);
        if ((state & CHUNKED) == 0)
        {
            source.copyTo(sourceOffset, r, valueIndex + to, length);
            return;
        }
        int chunk = r.getInt(valueIndex);
        int skip = to;
        int done = 0;
        int guard = maxChunks;
        while (done < length)
        {
            if (chunk == 0 || guard-- == 0)
            {
                throw new IllegalStateException("chunk chain ends early");
            }
            final Region cr = region(chunk);
            final int co = offset(chunk);
            final int used = cr.getInt(co + USED_OFFSET);
            if (skip >= used)
            {
                skip -= used;
            }
            else
            {
                final int n = Math.min(used - skip, length - done);
                source.copyTo(sourceOffset + done, cr, co + CHUNK_DATA_OFFSET + skip, n);
                done += n;
                skip = 0;
            }
            chunk = cr.getInt(co + NEXT_OFFSET);
        }
    }

    /**
     * Copy a whole value from one item into another at byte {@code to}.
     */
    void copyValue(final ThreadContext ctx, final int srcRef, final int dstRef, final int to)
    {
        final Region sr = region(srcRef);
        final int so = offset(srcRef);
        final int sstate = sr.getIntVolatile(so + STATE_OFFSET);
        final int length = sr.getInt(so + NBYTES_OFFSET);
        final Region dr = region(dstRef);
        final int dof = offset(dstRef);
        final int dstate = dr.getIntVolatile(dof + STATE_OFFSET);
        final int srcValue = so + keyOffset(sstate) + nkeyOf(sr, so);
        if ((sstate & CHUNKED) == 0)
        {
            copyIn(dr, dof, dstate, to, length, ctx.adapters.regionSource.wrap(sr, srcValue, length), 0);
            return;
        }
        int chunk = sr.getInt(srcValue);
        int done = 0;
        int guard = maxChunks;
        while (done < length && chunk != 0 && guard-- > 0)
        {
            final Region cr = region(chunk);
            final int co = offset(chunk);
            final int used = cr.getInt(co + USED_OFFSET);
            copyIn(dr, dof, dstate, to + done, used,
                ctx.adapters.regionSource.wrap(cr, co + CHUNK_DATA_OFFSET, used), 0);
            done += used;
            chunk = cr.getInt(co + NEXT_OFFSET);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Link, unlink, free
    // ------------------------------------------------------------------------------------------------------------

    /**
     * memcached's {@code do_item_link}: set the access time and CAS, insert into the index and the LRU, and drop
     * the allocating caller's reference. Caller holds the stripe's write lock.
     */
    void linkLocked(final ThreadContext ctx, final Stripe stripe, final long hash, final int ref, final long cas)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        final int lru = prepareLink(r, o, cas);
        while (!index.makeRoomLocked(stripe))
        {
            evictForIndexLocked(stripe, hash);
        }
        index.insertLocked(stripe, hash, ref);
        final SlabClass c = slabs.classes[lruClassOf(r, o)];
        synchronized (c)
        {
            linkIntoLruLocked(c, ref, r, o, lru);
        }
        if (ctx != null)
        {
            ctx.increment(Counters.TOTAL_ITEMS);
        }
        trackSize(r, o, 1);
    }

    /**
     * Whether a new key may be linked in a stripe. One that is full and cannot grow (the JVM refused direct memory
     * for a bigger table) makes room by evicting, which a cache without evictions ({@code -M}) refuses instead, as
     * it refuses an item it has no memory for. Caller holds the stripe's write lock.
     */
    private boolean roomForNewKeyLocked(final Stripe stripe)
    {
        return evictionsEnabled || index.makeRoomLocked(stripe);
    }

    /**
     * Make room in a stripe that is full and cannot grow (the JVM refused direct memory for a bigger table): evict
     * the item of the first entry at or after the new key's home slot, counted as an eviction of its class, as
     * memcached evicts at its memory limit. Caller holds the stripe's write lock.
     */
    private void evictForIndexLocked(final Stripe stripe, final long hash)
    {
        final Region table = stripe.table;
        final int capacity = HashIndex.slots(table);
        int slot = HashIndex.slot(hash, capacity);
        long e = table.getLong(slot * Long.BYTES);
        while (e == 0)
        {
            slot = HashIndex.next(slot, capacity);
            e = table.getLong(slot * Long.BYTES);
        }
        final int ref = HashIndex.entryRef(e);
        final Region r = region(ref);
        final int o = offset(ref);
        final SlabClass c = slabs.classes[lruClassOf(r, o)];
        synchronized (c)
        {
            c.evicted++;
        }
        // the index keys its entries by the low 32 bits of the hash, which is all the entry holds
        unlinkLocked(stripe, HashIndex.entryHash(e) & 0xFFFF_FFFFL, ref);
    }

    /**
     * Stamp the access time and CAS of an item about to be linked.
     *
     * @return the LRU segment it goes to.
     */
    private int prepareLink(final Region r, final int o, final long cas)
    {
        final int now = now();
        r.putInt(o + TIME_OFFSET, now);
        if (casLength != 0)
        {
            r.putLong(o + CAS_OFFSET, cas);
        }
        final int exptime = r.getInt(o + EXPTIME_OFFSET);
        if (tempLru && Integer.compareUnsigned(exptime - now, temporaryTtl) <= 0)
        {
            return TEMP_LRU;
        }
        return lruSegmented ? HOT_LRU : COLD_LRU;
    }

    /**
     * Mark an item linked (dropping the allocator's reference) and put it at the head of its segment. Caller holds
     * the stripe's write lock and the class lock.
     */
    private void linkIntoLruLocked(final SlabClass c, final int ref, final Region r, final int o, final int lru)
    {
        int state;
        int next;
        do
        {
            state = r.getIntVolatile(o + STATE_OFFSET);
            next = withLru(state | LINKED, lru) - REFCOUNT_ONE;
        }
        while (!r.compareAndSetInt(o + STATE_OFFSET, state, next));
        linkQLocked(c, ref, lru, itemSizeOf(r, o, next));
    }

    /**
     * memcached's {@code do_item_unlink}: remove from the index and the LRU; free the memory unless a reader holds
     * a reference. Caller holds the stripe's write lock.
     */
    void unlinkLocked(final Stripe stripe, final long hash, final int ref)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        index.removeLocked(stripe, hash, ref);
        final SlabClass c = slabs.classes[lruClassOf(r, o)];
        trackSize(r, o, -1);
        synchronized (c)
        {
            unlinkFromLruLocked(c, ref, r, o);
        }
    }

    /**
     * Take an item out of its segment and mark it unlinked; free it if nobody holds a reference. Caller holds the
     * stripe's write lock and the class lock.
     */
    private void unlinkFromLruLocked(final SlabClass c, final int ref, final Region r, final int o)
    {
        int state;
        int next;
        do
        {
            state = r.getIntVolatile(o + STATE_OFFSET);
            next = state & ~LINKED;
        }
        while (!r.compareAndSetInt(o + STATE_OFFSET, state, next));
        unlinkQLocked(c, ref, lru(state), itemSizeOf(r, o, state));
        if (refcount(next) == 0)
        {
            freeItemMemory(ref, next);
        }
    }

    /**
     * memcached's {@code do_item_replace}. When both items belong to the same LRU class (an overwrite of a value of
     * similar size) the index entry is rewritten in place and both LRU changes and the free happen under one
     * acquisition of the class lock. Caller holds the stripe's write lock.
     */
    void replaceLocked(
        final ThreadContext ctx, final Stripe stripe, final long hash, final int oldRef, final int newRef,
        final long cas)
    {
        final Region or = region(oldRef);
        final int oo = offset(oldRef);
        final Region nr = region(newRef);
        final int no = offset(newRef);
        final int cls = lruClassOf(or, oo);
        if (cls != lruClassOf(nr, no) || !index.replaceLocked(stripe, hash, oldRef, newRef))
        {
            unlinkLocked(stripe, hash, oldRef);
            linkLocked(ctx, stripe, hash, newRef, cas);
            return;
        }
        trackSize(or, oo, -1);
        final int lru = prepareLink(nr, no, cas);
        final SlabClass c = slabs.classes[cls];
        synchronized (c)
        {
            unlinkFromLruLocked(c, oldRef, or, oo);
            linkIntoLruLocked(c, newRef, nr, no, lru);
        }
        if (ctx != null)
        {
            ctx.increment(Counters.TOTAL_ITEMS);
        }
        trackSize(nr, no, 1);
    }

    /**
     * Take a reference on a linked item so it outlives an unlink. Caller holds the stripe's lock.
     *
     * @return false if the reference count is at its limit.
     */
    static boolean acquire(final Region r, final int o)
    {
        while (true)
        {
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            if (refcount(state) >= REFCOUNT_MAX)
            {
                return false;
            }
            if (r.compareAndSetInt(o + STATE_OFFSET, state, state + REFCOUNT_ONE))
            {
                return true;
            }
        }
    }

    /**
     * Drop a reference; the last reference to an unlinked item frees it.
     */
    void release(final int ref)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        int state;
        int next;
        do
        {
            state = r.getIntVolatile(o + STATE_OFFSET);
            next = state - REFCOUNT_ONE;
        }
        while (!r.compareAndSetInt(o + STATE_OFFSET, state, next));
        if (refcount(next) == 0 && (next & LINKED) == 0)
        {
            freeItemMemory(ref, next);
        }
    }

    /**
     * Return an item's chunks to their classes. The item is unlinked and unreferenced, so nobody else can reach it
     * through the index or an LRU.
     * <p>
     * The value chunks go first and the head last. Each chunk is freed under its own class lock, so other threads
     * run in between, and the page mover reaches a value chunk through the head ref the chunk holds: while the head
     * is not free it cannot be allocated again, so a chunk that names a head which the index holds is that item's
     * own. Were the head freed first, a new chained item could take its memory before the old chunks are freed, and
     * the mover would splice an old chunk into the new item's chain.
     */
    void freeItemMemory(final int ref, final int state)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        int chunk = (state & CHUNKED) != 0 ? r.getInt(o + keyOffset(state) + nkeyOf(r, o)) : 0;
        int guard = maxChunks;
        while (chunk != 0 && guard-- > 0)
        {
            final int next = region(chunk).getInt(offset(chunk) + NEXT_OFFSET);
            freeChunk(chunk);
            chunk = next;
        }
        freeChunk(ref);
    }

    private void freeChunk(final int ref)
    {
        final SlabClass c = slabs.classes[slabs.pageOwner[page(ref)]];
        synchronized (c)
        {
            slabs.freeLocked(c, ref);
        }
    }

    private void trackSize(final Region r, final int o, final int delta)
    {
        if (sizes != null)
        {
            // memcached's ITEM_ntotal, not this layout's size: stats sizes lists the buckets memcached lists
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            final long size = ItemDescriptor.memcachedItemSize(
                casEnabled, (state & CFLAGS) != 0 ? 1 : 0, nkeyOf(r, o), r.getInt(o + NBYTES_OFFSET));
            final int bucket = (int)((size + 31) / 32);
            if (bucket < sizes.length())
            {
                sizes.addAndGet(bucket, delta);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // LRU
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Put an item at the head of a segment. Caller holds the class lock.
     */
    void linkQLocked(final SlabClass c, final int ref, final int lru, final int size)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        final int head = c.heads[lru];
        r.putInt(o + PREV_OFFSET, 0);
        r.putInt(o + NEXT_OFFSET, head);
        if (head != 0)
        {
            region(head).putInt(offset(head) + PREV_OFFSET, ref);
        }
        c.heads[lru] = ref;
        if (c.tails[lru] == 0)
        {
            c.tails[lru] = ref;
        }
        c.counts[lru]++;
        c.bytes[lru] += size;
    }

    /**
     * Take an item out of a segment. Caller holds the class lock.
     */
    void unlinkQLocked(final SlabClass c, final int ref, final int lru, final int size)
    {
        unlinkLinksLocked(c, ref, lru);
        c.counts[lru]--;
        c.bytes[lru] -= size;
    }

    /**
     * Take an item or crawler cursor out of a segment's links, without counting. Caller holds the class lock.
     */
    void unlinkLinksLocked(final SlabClass c, final int ref, final int lru)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        final int prev = r.getInt(o + PREV_OFFSET);
        final int next = r.getInt(o + NEXT_OFFSET);
        if (c.heads[lru] == ref)
        {
            c.heads[lru] = next;
        }
        if (c.tails[lru] == ref)
        {
            c.tails[lru] = prev;
        }
        if (next != 0)
        {
            region(next).putInt(offset(next) + PREV_OFFSET, prev);
        }
        if (prev != 0)
        {
            region(prev).putInt(offset(prev) + NEXT_OFFSET, next);
        }
        r.putInt(o + PREV_OFFSET, 0);
        r.putInt(o + NEXT_OFFSET, 0);
    }

    /**
     * Move a linked item to the head of another segment of its class. Caller holds the class lock.
     */
    void moveLocked(final SlabClass c, final int ref, final int from, final int to)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        final int size = itemSizeOf(r, o, r.getIntVolatile(o + STATE_OFFSET));
        unlinkQLocked(c, ref, from, size);
        updateLru(r, o, to);
        linkQLocked(c, ref, to, size);
    }

    /**
     * memcached's {@code do_item_update}: count an access for the LRU. Caller holds the stripe's lock.
     */
    void itemUpdate(final int ref, final int now)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        final int state = r.getIntVolatile(o + STATE_OFFSET);
        if ((state & LINKED) == 0)
        {
            return;
        }
        if (lruSegmented)
        {
            if (lru(state) == COLD_LRU && (state & ACTIVE) != 0)
            {
                r.putInt(o + TIME_OFFSET, now);
                final SlabClass c = slabs.classes[lruClassOf(r, o)];
                synchronized (c)
                {
                    final int current = r.getIntVolatile(o + STATE_OFFSET);
                    if ((current & LINKED) != 0 && lru(current) == COLD_LRU)
                    {
                        moveLocked(c, ref, COLD_LRU, WARM_LRU);
                        updateFlags(r, o, 0, ACTIVE);
                        c.movesToWarm++;
                    }
                }
            }
            else
            {
                r.putInt(o + TIME_OFFSET, now);
            }
        }
        else if (r.getInt(o + TIME_OFFSET) < now - ITEM_UPDATE_INTERVAL)
        {
            r.putInt(o + TIME_OFFSET, now);
            final SlabClass c = slabs.classes[lruClassOf(r, o)];
            synchronized (c)
            {
                final int current = r.getIntVolatile(o + STATE_OFFSET);
                if ((current & LINKED) != 0)
                {
                    final int lru = lru(current);
                    final int size = itemSizeOf(r, o, current);
                    unlinkQLocked(c, ref, lru, size);
                    linkQLocked(c, ref, lru, size);
                }
            }
        }
    }

    /**
     * memcached's {@code do_item_bump}: a fetch marks an item FETCHED, a second one ACTIVE; an active COLD item is
     * moved to WARM asynchronously by the maintainer. Caller holds the stripe's lock (shared is enough).
     */
    void bump(final ThreadContext ctx, final int ref, final long hash, final int now)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        if (lruSegmented)
        {
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            if ((state & ACTIVE) != 0)
            {
                return;
            }
            if ((state & FETCHED) == 0)
            {
                updateFlags(r, o, FETCHED, 0);
                return;
            }
            final int next = updateFlags(r, o, ACTIVE, 0);
            if (lru(next) != COLD_LRU)
            {
                r.putInt(o + TIME_OFFSET, now);
            }
            else if (!offerAsyncBump(ctx, r, o, ref, hash))
            {
                updateFlags(r, o, 0, ACTIVE);
                ctx.increment(Counters.LRU_BUMPS_DROPPED);
            }
        }
        else
        {
            updateFlags(r, o, FETCHED, 0);
            itemUpdate(ref, now);
        }
    }

    /**
     * Whether a fetch of an item in this state changes it (and so needs the stripe's lock).
     */
    boolean bumpNeeded(final int state, final int time, final int now)
    {
        if (lruSegmented)
        {
            return (state & ACTIVE) == 0;
        }
        return (state & FETCHED) == 0 || time < now - ITEM_UPDATE_INTERVAL;
    }

    /**
     * memcached's {@code lru_bump_async}: queue a COLD item's bump for the maintainer, holding a reference to the item
     * until the bump is applied, as memcached does, when a maintainer thread runs to apply it
     * ({@link #holdQueuedBumps}). Meanwhile an {@code incr} writes a new item instead of changing
     * the value in place, and the item is neither evicted nor moved. Caller holds the stripe's lock, so the queue is
     * never applied here, and the engine waits for this method to return before it applies the queues for the last
     * time.
     *
     * @return false when the queue is full (nothing is held then).
     */
    private boolean offerAsyncBump(
        final ThreadContext ctx, final Region r, final int o, final int ref, final long hash)
    {
        // Whoever clears holdQueuedBumps (Engine.releaseQueuedBumpsLocked) applies the queues for the last time only
        // after this thread has left this method, so no bump queued here with a reference outlives the thread that
        // would apply it: see ThreadContext.enterOffer.
        ctx.enterOffer();
        try
        {
            if (!holdQueuedBumps)
            {
                return ctx.offerBump(ref, hash, false);
            }
            if (!acquire(r, o))
            {
                return false;
            }
            if (ctx.offerBump(ref, hash, true))
            {
                return true;
            }
            release(ref);
            return false;
        }
        finally
        {
            ctx.exitOffer();
        }
    }

    /**
     * A queued COLD-to-WARM bump, applied by the maintainer, which then drops the reference the queue held. It is
     * applied only if the index still maps the hash to the ref under the stripe's lock: the item's access time is
     * refreshed, and it moves to WARM if it is still an active COLD item (memcached's {@code do_item_update}).
     */
    void applyAsyncBump(final int ref, final long hash, final boolean held)
    {
        try
        {
            applyHeldAsyncBump(ref, hash);
        }
        finally
        {
            if (held)
            {
                release(ref);
            }
        }
    }

    private void applyHeldAsyncBump(final int ref, final long hash)
    {
        final Stripe stripe = index.stripe(hash);
        final long stamp = stripe.lock.readLock();
        try
        {
            if (!index.containsLocked(stripe, hash, ref))
            {
                return;
            }
            final Region r = region(ref);
            final int o = offset(ref);
            final SlabClass c = slabs.classes[lruClassOf(r, o)];
            synchronized (c)
            {
                final int state = r.getIntVolatile(o + STATE_OFFSET);
                final int now = now();
                if ((state & LINKED) == 0 || expiredOrFlushed(r, o, now))
                {
                    // refreshing the access time of a flushed item would make it visible again
                    return;
                }
                // memcached's do_item_update: the access time in any case, and an active COLD item moves to WARM
                r.putInt(o + TIME_OFFSET, now);
                if ((state & ACTIVE) == 0 || lru(state) != COLD_LRU)
                {
                    return;
                }
                moveLocked(c, ref, COLD_LRU, WARM_LRU);
                updateFlags(r, o, 0, ACTIVE);
                c.movesToWarm++;
            }
        }
        finally
        {
            stripe.lock.unlockRead(stamp);
        }
    }

    /**
     * memcached's {@code lru_pull_tail}: look at up to five items from the tail of a segment; reclaim expired ones,
     * move HOT and WARM items down (or active ones up), and with {@link #PULL_EVICT} evict from COLD.
     *
     * @return how many items were removed or moved.
     */
    int pullTail(final SlabClass c, final int lru, final long totalBytes, final int flags, final int maxAge)
    {
        int removed = 0;
        final int now = now();
        synchronized (c)
        {
            int search = c.tails[lru];
            int moveTo = -1;
            int it = 0;
            for (int tries = 5; tries > 0 && search != 0; tries--)
            {
                final Region r = region(search);
                final int o = offset(search);
                final int next = r.getInt(o + PREV_OFFSET);
                final int state = r.getIntVolatile(o + STATE_OFFSET);
                if ((state & ItemDescriptor.CRAWLER) != 0)
                {
                    if ((flags & PULL_CRAWL_BLOCKS) != 0)
                    {
                        return 0;
                    }
                    tries++;
                    search = next;
                    continue;
                }
                final long hash = hashOfItem(r, o, state);
                final Stripe stripe = index.stripe(hash);
                final long stamp = stripe.lock.tryWriteLock();
                if (stamp == 0)
                {
                    search = next;
                    continue;
                }
                try
                {
                    if (refcount(state) != 0)
                    {
                        c.lrutailReflocked++;
                        final int repair = config.tailRepairTime();
                        if (repair != 0 && r.getInt(o + TIME_OFFSET) + repair < now)
                        {
                            c.tailRepairs++;
                            unlinkLocked(stripe, hash, search);
                            search = next;
                            continue;
                        }
                    }
                    if (expiredForReclaim(r, o, now))
                    {
                        c.reclaimed++;
                        if ((state & FETCHED) == 0)
                        {
                            c.expiredUnfetched++;
                        }
                        unlinkLocked(stripe, hash, search);
                        removed++;
                        search = next;
                        continue;
                    }
                    switch (lru)
                    {
                        case HOT_LRU:
                        case WARM_LRU:
                        {
                            final long limit = totalBytes * (lru == HOT_LRU ? hotLruPct : warmLruPct) / 100;
                            final boolean shed = c.bytes[lru] > limit ||
                                Integer.compareUnsigned(now - r.getInt(o + TIME_OFFSET), maxAge) > 0;
                            if (!shed)
                            {
                                // memcached rescues active tail items even when the segment is within its share
                                // and age; this engine reorders a segment only when it has to shed items, which
                                // keeps the maintainer from churning the LRU (and the caches) under steady reads
                                it = search;
                            }
                            else if ((state & ACTIVE) != 0)
                            {
                                updateFlags(r, o, 0, ACTIVE);
                                removed++;
                                if (lru == WARM_LRU)
                                {
                                    c.movesWithinLru++;
                                    final int size = itemSizeOf(r, o, state);
                                    unlinkQLocked(c, search, lru, size);
                                    linkQLocked(c, search, lru, size);
                                }
                                else
                                {
                                    c.movesToWarm++;
                                    moveTo = WARM_LRU;
                                    it = search;
                                }
                            }
                            else
                            {
                                c.movesToCold++;
                                moveTo = COLD_LRU;
                                it = search;
                                removed++;
                            }
                            break;
                        }
                        case COLD_LRU:
                            it = search;
                            if ((flags & PULL_EVICT) != 0)
                            {
                                if (!evictionsEnabled)
                                {
                                    break;
                                }
                                c.evicted++;
                                c.evictedTime = now - r.getInt(o + TIME_OFFSET);
                                if (r.getInt(o + EXPTIME_OFFSET) != 0)
                                {
                                    c.evictedNonzero++;
                                }
                                if ((state & FETCHED) == 0)
                                {
                                    c.evictedUnfetched++;
                                }
                                if ((state & ACTIVE) != 0)
                                {
                                    c.evictedActive++;
                                }
                                if ((eventMask & ItemEvents.EVICTIONS) != 0)
                                {
                                    if (c.eventKey == null)
                                    {
                                        c.eventKey = new byte[ThreadContext.KEY_CAPACITY];
                                    }
                                    logEviction(c.eventKey, r, o, state, now);
                                }
                                unlinkLocked(stripe, hash, search);
                                removed++;
                                if (mover != null && mover.automove() == 2)
                                {
                                    mover.requestAggressive(c.id);
                                }
                            }
                            else if ((state & ACTIVE) != 0 && lruSegmented)
                            {
                                c.movesToWarm++;
                                updateFlags(r, o, 0, ACTIVE);
                                moveTo = WARM_LRU;
                                removed++;
                            }
                            break;
                        default:
                            it = search;
                            break;
                    }
                    if (it != 0)
                    {
                        if (moveTo >= 0)
                        {
                            moveLocked(c, it, lru, moveTo);
                        }
                        break;
                    }
                }
                finally
                {
                    stripe.lock.unlockWrite(stamp);
                }
                search = next;
            }
        }
        return removed;
    }

    private boolean expiredForReclaim(final Region r, final int o, final int now)
    {
        final int exptime = r.getInt(o + EXPTIME_OFFSET);
        return (exptime != 0 && exptime < now) || flushed(r.getInt(o + TIME_OFFSET), flushCas(r, o), now);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Fetch: get, gets, gat, gats, touch, mg
    // ------------------------------------------------------------------------------------------------------------

    /**
     * A plain {@code get}'s common case in one method small enough for the JIT to inline into the caller: the probe,
     * the key compare and the copy of the value, read under the stripe's optimistic stamp. The key and the value of
     * an item without client flags sit at addresses known from the ref and the key's length alone, so their loads
     * are issued together with the header's instead of after it; on a large cache, where each of these loads misses
     * the CPU's caches, that is what the time of a get is made of. Anything else (client flags, a chunked or expiring
     * item, a flush pending, a watcher, a value larger than the sink, a concurrent write) is left to
     * {@link #fetch}, which gives the same answer.
     *
     * @return the value length on a hit, {@link #MISS}, or {@link #FALLBACK} when {@link #fetch} must decide.
     */
    int getPlain(final ThreadContext ctx, final ValueSink sink)
    {
        final long hash = ctx.hash;
        final Stripe stripe = index.stripe(hash);
        final long stamp = stripe.lock.tryOptimisticRead();
        if (stamp == 0 || !lruSegmented || (eventMask & ItemEvents.FETCHES) != 0 || flush.oldestLive != 0)
        {
            return FALLBACK;
        }
        try
        {
            // one read of the table: its capacity comes with it (HashIndex), so the probe stays inside it
            final Region table = stripe.table;
            final int capacity = HashIndex.slots(table);
            long e = 0;
            int slot = HashIndex.slot(hash, capacity);
            for (int probes = 0; probes < capacity; probes++)
            {
                e = table.getLong(slot * Long.BYTES);
                if (e == 0 || (int)(e >>> 32) == (int)hash)
                {
                    break;
                }
                slot = HashIndex.next(slot, capacity);
            }
            // an outgrown table is returned by the garbage collector: keep it reachable while it is probed
            Reference.reachabilityFence(table);
            if (e == 0)
            {
                return stripe.lock.validate(stamp) ? plainMiss(ctx) : FALLBACK;
            }
            if ((int)(e >>> 32) == (int)hash)
            {
                return plainHit(ctx, sink, stripe, stamp, (int)e);
            }
        }
        catch (final RuntimeException ex)
        {
            // a torn read under the optimistic stamp: the general path reads again under the lock
        }
        return FALLBACK;
    }

    private int plainHit(
        final ThreadContext ctx, final ValueSink sink, final Stripe stripe, final long stamp, final int ref)
    {
        final Region r = slabs.pages[page(ref)];
        final int o = offset(ref);
        final int k = o + plainKeyOffset;
        final int keyLength = ctx.keyLength;
        if (k + keyLength > r.capacity() || !r.rangeEquals(k, ctx.key, 0, keyLength))
        {
            return FALLBACK;
        }
        final int state = r.getInt(o + STATE_OFFSET);
        final int length = r.getInt(o + NBYTES_OFFSET);
        if ((state & (LINKED | CFLAGS | CHUNKED)) != LINKED || (r.getByte(o + NKEY_OFFSET) & 0xFF) != keyLength ||
            r.getInt(o + EXPTIME_OFFSET) != 0 || length > sink.capacity)
        {
            return FALLBACK;
        }
        sink.copyFrom(r, k + keyLength, 0, length);
        final int clsid = r.getByte(o + CLSID_OFFSET) & 0xFF;
        if (!stripe.lock.validate(stamp) ||
            ((state & ACTIVE) == 0 && !bumpOptimistic(ctx, stripe, stamp, ref, ctx.hash)))
        {
            return FALLBACK;
        }
        ctx.hitClass = clsid;
        ctx.hitLru = lru(state);
        ctx.increment(Counters.GET_CMDS);
        ctx.increment(Counters.lruHits(clsid, lru(state)));
        sink.complete(length);
        return length;
    }

    private static int plainMiss(final ThreadContext ctx)
    {
        ctx.increment(Counters.GET_CMDS);
        ctx.increment(Counters.GET_MISSES);
        return MISS;
    }

    /**
     * Mark a hit read under an optimistic stamp fetched or active (memcached's {@code do_item_bump}), holding the
     * stripe's read lock meanwhile, as {@link #fetch} does.
     *
     * @return false if a write came first: the caller starts again.
     */
    private boolean bumpOptimistic(
        final ThreadContext ctx, final Stripe stripe, final long stamp, final int ref, final long hash)
    {
        final long read = stripe.lock.tryConvertToReadLock(stamp);
        if (read == 0)
        {
            return false;
        }
        try
        {
            bump(ctx, ref, hash, now());
        }
        finally
        {
            stripe.lock.unlockRead(read);
        }
        return true;
    }

    /**
     * Fetch an item. Plain gets read under an optimistic stamp and never write; gets that must mark the item take
     * the stripe's read lock, and touches, vivification and recache tokens its write lock.
     *
     * @param sink where the value goes when it fits, or null.
     * @param pin  a reader that takes a reference on the item when the value does not fit in the sink, or null.
     * @return the value length on a hit, or {@link #MISS}.
     */
    int fetch(
        final ThreadContext ctx, final FetchOptions options, final ValueSink sink, final ItemInfo info,
        final ItemReaderImpl pin)
    {
        final long hash = ctx.hash;
        final Stripe stripe = index.stripe(hash);
        boolean exclusive = options.needsExclusive();
        if (!exclusive && pin == null)
        {
            for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++)
            {
                final long stamp = stripe.lock.tryOptimisticRead();
                if (stamp == 0)
                {
                    break;
                }
                long result;
                try
                {
                    result = readOptimistic(ctx, stripe, hash, options, sink, info);
                }
                catch (final RuntimeException ex)
                {
                    result = RETRY;
                }
                if (!stripe.lock.validate(stamp) || result == RETRY)
                {
                    continue;
                }
                if (result == MISS_RESULT)
                {
                    countMiss(ctx, options);
                    if ((eventMask & ItemEvents.FETCHES) != 0)
                    {
                        logFetch(ctx, ctx.key, 0, ctx.keyLength, ItemEvents.NOT_FOUND, 0, 0);
                    }
                    return MISS;
                }
                if (result == NEED_LOCK)
                {
                    break;
                }
                // the hit is good; marking it fetched or active needs the item to stay put meanwhile
                if ((result & NEED_BUMP) != 0 && !bumpOptimistic(ctx, stripe, stamp, ctx.bumpRef, hash))
                {
                    continue;
                }
                final int length = (int)result;
                countHit(ctx, options);
                if ((eventMask & ItemEvents.FETCHES) != 0)
                {
                    logFetch(ctx, ctx.key, 0, ctx.keyLength, ItemEvents.FOUND, length, ctx.hitClass);
                }
                if (sink != null && length <= sink.capacity)
                {
                    sink.complete(length);
                }
                return length;
            }
        }
        final ItemInfo full = info != null ? info : ctx.scratchInfo;
        while (true)
        {
            final long stamp = exclusive ? stripe.lock.writeLock() : stripe.lock.readLock();
            try
            {
                final long result = fetchLocked(ctx, stripe, hash, options, sink, full, pin, exclusive);
                if (result == NEED_LOCK)
                {
                    exclusive = true;
                    continue;
                }
                if (result == MISS_RESULT)
                {
                    countMiss(ctx, options);
                    if ((eventMask & ItemEvents.FETCHES) != 0)
                    {
                        logFetch(ctx, ctx.key, 0, ctx.keyLength, ctx.lookupStatus, 0, 0);
                    }
                    return MISS;
                }
                ctx.hitClass = full.slabClass;
                ctx.hitLru = full.lru;
                countHit(ctx, options);
                final int length = (int)result;
                if ((eventMask & ItemEvents.FETCHES) != 0)
                {
                    // a vivified item was a miss for the lookup, as memcached logs it before creating the item
                    if (full.created)
                    {
                        logFetch(ctx, ctx.key, 0, ctx.keyLength, ctx.lookupStatus, 0, 0);
                    }
                    else
                    {
                        logFetch(ctx, ctx.key, 0, ctx.keyLength, ItemEvents.FOUND, length, full.slabClass);
                    }
                }
                if (sink != null && length <= sink.capacity)
                {
                    sink.complete(length);
                }
                return length;
            }
            finally
            {
                stripe.lock.unlock(stamp);
            }
        }
    }

    private long readOptimistic(
        final ThreadContext ctx, final Stripe stripe, final long hash, final FetchOptions options,
        final ValueSink sink, final ItemInfo info)
    {
        final int ref = find(stripe, hash, ctx.key, 0, ctx.keyLength);
        if (ref == 0)
        {
            return MISS_RESULT;
        }
        final Region r = region(ref);
        final int o = offset(ref);
        final int state = r.getInt(o + STATE_OFFSET);
        if ((state & LINKED) == 0)
        {
            return NEED_LOCK;
        }
        final int exptime = r.getInt(o + EXPTIME_OFFSET);
        int now = 0;
        if (exptime != 0 || flush.oldestLive != 0 || !lruSegmented || info != null)
        {
            now = now();
            if (expiredOrFlushed(r, o, now))
            {
                return NEED_LOCK;
            }
        }
        if (options.meta && (state & STALE) != 0 && (state & TOKEN_SENT) == 0)
        {
            return NEED_LOCK;
        }
        final boolean bump = options.bump && bumpNeeded(state, lruSegmented ? 0 : r.getInt(o + TIME_OFFSET), now);
        if (bump && !lruSegmented)
        {
            return NEED_LOCK;
        }
        final int length = r.getInt(o + NBYTES_OFFSET);
        if (info != null)
        {
            fillInfo(info, r, o, state, now);
        }
        ctx.hitClass = lruClassOf(r, o);
        ctx.hitLru = lru(state);
        if (sink != null && length <= sink.capacity)
        {
            if ((state & (CFLAGS | CHUNKED)) == 0)
            {
                // find matched the key, so the value follows it at an address known without the header
                sink.copyFrom(r, o + plainKeyOffset + ctx.keyLength, 0, length);
            }
            else
            {
                copyOut(r, o, state, 0, length, sink, 0);
            }
        }
        if (bump)
        {
            ctx.bumpRef = ref;
            return NEED_BUMP | length;
        }
        return length;
    }

    private long fetchLocked(
        final ThreadContext ctx, final Stripe stripe, final long hash, final FetchOptions options,
        final ValueSink sink, final ItemInfo info, final ItemReaderImpl pin, final boolean exclusive)
    {
        final int now = now();
        ctx.lookupStatus = ItemEvents.NOT_FOUND;
        int ref = find(stripe, hash, ctx.key, 0, ctx.keyLength);
        if (ref != 0)
        {
            final Region r = region(ref);
            final int o = offset(ref);
            if (expiredOrFlushed(r, o, now))
            {
                if (!exclusive)
                {
                    return NEED_LOCK;
                }
                ref = findLiveLocked(ctx, stripe, hash, ctx.key, 0, ctx.keyLength, now);
            }
        }
        boolean created = false;
        if (ref == 0)
        {
            if (!options.vivify || !roomForNewKeyLocked(stripe))
            {
                return MISS_RESULT;
            }
            final int made = allocItem(
                ctx.key, 0, ctx.keyLength, 0, 0, 0, options.keyBinary ? KEY_BINARY : 0);
            if (made < 0)
            {
                return MISS_RESULT;
            }
            markCasGiven(made, options.casGiven);
            linkLocked(ctx, stripe, hash, made, options.casGiven ? options.casIn : nextCas());
            ref = made;
            created = true;
        }
        final Region r = region(ref);
        final int o = offset(ref);
        int state = r.getIntVolatile(o + STATE_OFFSET);
        if (!exclusive && options.meta && (state & STALE) != 0 && (state & TOKEN_SENT) == 0)
        {
            return NEED_LOCK;
        }
        fillInfo(info, r, o, state, now);
        boolean won = false;
        if (created)
        {
            r.putInt(o + EXPTIME_OFFSET, realtime(options.vivifyExptime));
            won = true;
        }
        final int exptimeBeforeTouch = options.recacheBeforeTouch ? r.getInt(o + EXPTIME_OFFSET) : 0;
        if (options.touch && !(created && options.vivifyAfterTouch))
        {
            r.putInt(o + EXPTIME_OFFSET, realtime(options.touchExptime));
        }
        if (options.recache)
        {
            final int exptime = options.recacheBeforeTouch ? exptimeBeforeTouch : r.getInt(o + EXPTIME_OFFSET);
            if ((state & TOKEN_SENT) == 0 && !created && exptime != 0 &&
                Integer.compareUnsigned(exptime, realtime(options.recacheExptime)) < 0)
            {
                won = true;
            }
        }
        if ((options.meta || options.vivify || options.recache) && info.stale && !info.tokenAlreadySent)
        {
            won = true;
        }
        if (won)
        {
            state = updateFlags(r, o, TOKEN_SENT, 0);
        }
        info.won = won;
        info.created = created;
        final int exptime = r.getInt(o + EXPTIME_OFFSET);
        info.ttl = exptime == 0 ? -1 : exptime - now;
        info.expiresAt = exptime == 0 ? 0 : clock.processStarted() + exptime;
        if (options.bump)
        {
            bump(ctx, ref, hash, now);
        }
        final int length = r.getInt(o + NBYTES_OFFSET);
        if (sink != null && length <= sink.capacity)
        {
            copyOut(r, o, state, 0, length, sink, 0);
        }
        else if (pin != null)
        {
            if (!acquire(r, o))
            {
                return MISS_RESULT;
            }
            pin.pinned(ref, r.getIntVolatile(o + STATE_OFFSET), length);
        }
        return length;
    }

    void fillInfo(final ItemInfo info, final Region r, final int o, final int state, final int now)
    {
        final int exptime = r.getInt(o + EXPTIME_OFFSET);
        final int time = r.getInt(o + TIME_OFFSET);
        info.flags = clientFlagsOf(r, o, state);
        info.cas = casOf(r, o);
        info.ttl = exptime == 0 ? -1 : exptime - now;
        info.expiresAt = exptime == 0 ? 0 : clock.processStarted() + exptime;
        info.secondsSinceAccess = now - time;
        info.lastAccessAt = clock.processStarted() + time;
        info.fetchedBefore = (state & FETCHED) != 0;
        info.valueLength = r.getInt(o + NBYTES_OFFSET);
        info.slabClass = lruClassOf(r, o);
        info.itemSize = itemSizeOf(r, o, state);
        info.keyBinary = (state & KEY_BINARY) != 0;
        info.lru = lru(state);
        info.stale = (state & STALE) != 0;
        info.tokenAlreadySent = (state & TOKEN_SENT) != 0;
        info.won = false;
        info.created = false;
    }

    private static void countHit(final ThreadContext ctx, final FetchOptions options)
    {
        if (!options.counted)
        {
            return;
        }
        if (options.touch)
        {
            ctx.increment(Counters.TOUCH_CMDS);
            ctx.increment(Counters.classCounter(ctx.hitClass, Counters.TOUCH_HITS));
        }
        else
        {
            ctx.increment(Counters.GET_CMDS);
            ctx.increment(Counters.lruHits(ctx.hitClass, ctx.hitLru));
        }
    }

    private static void countMiss(final ThreadContext ctx, final FetchOptions options)
    {
        if (!options.counted)
        {
            return;
        }
        // memcached's mg counts a touch only once it has an item to set the expiry of: a miss is a get miss
        if (options.touch && !options.meta)
        {
            ctx.increment(Counters.TOUCH_CMDS);
            ctx.increment(Counters.TOUCH_MISSES);
        }
        else
        {
            ctx.increment(Counters.GET_CMDS);
            ctx.increment(Counters.GET_MISSES);
        }
    }

    /**
     * Look at an item without counting or bumping it (meta {@code me}); an expired item is reclaimed.
     *
     * @return true if found.
     */
    boolean inspect(final ThreadContext ctx, final ItemInfo info)
    {
        final long hash = ctx.hash;
        final Stripe stripe = index.stripe(hash);
        final long stamp = stripe.lock.writeLock();
        try
        {
            final int now = now();
            final int ref = findLiveLocked(ctx, stripe, hash, ctx.key, 0, ctx.keyLength, now);
            if (ref == 0)
            {
                info.lookup = ctx.lookupStatus;
                return false;
            }
            final Region r = region(ref);
            final int o = offset(ref);
            fillInfo(info, r, o, r.getIntVolatile(o + STATE_OFFSET), now);
            info.lookup = ItemEvents.FOUND;
            return true;
        }
        finally
        {
            stripe.lock.unlockWrite(stamp);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Store: set, add, replace, append, prepend, cas, ms
    // ------------------------------------------------------------------------------------------------------------

    private static final int CAS_NONE = 0;
    private static final int CAS_MATCH = 1;
    private static final int CAS_BADVAL = 2;
    private static final int CAS_STALE = 3;

    /**
     * memcached's {@code do_store_item}, for an allocated item whose value has been written. The item's allocation
     * reference is consumed whatever the outcome.
     */
    StoreResult store(
        final ThreadContext ctx, final int ref, final long hash, final StoreOptions options, final ItemInfo info)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        ctx.increment(Counters.classCounter(lruClassOf(r, o), Counters.SET_CMDS));
        final long casIn = casEnabled ? (options.casIn != 0 ? options.casIn : casId.incrementAndGet()) : 0;
        StoreMode mode = options.mode;
        final long compareCas = options.compareCas;
        if (compareCas != 0 && (mode == StoreMode.SET || mode == StoreMode.REPLACE))
        {
            mode = StoreMode.CAS;
        }
        final Stripe stripe = index.stripe(hash);
        final int now = now();
        final int events = eventMask;
        StoreResult result = StoreResult.NOT_STORED;
        int stored = 0;
        boolean badval = false;
        long badvalCas = 0;
        final long stamp = stripe.lock.writeLock();
        try
        {
            final int newState = r.getIntVolatile(o + STATE_OFFSET);
            final int keyIndex = o + keyOffset(newState);
            final int keyLength = nkeyOf(r, o);
            final int old = findLiveLocked(ctx, stripe, hash, r, keyIndex, keyLength, now);
            if ((events & ItemEvents.FETCHES) != 0)
            {
                logLookup(ctx, r, keyIndex, keyLength, old);
            }
            if (old != 0)
            {
                final Region or = region(old);
                final int oo = offset(old);
                final long oldCas = casOf(or, oo);
                final int casResult;
                if (compareCas == 0 || !casEnabled)
                {
                    // memcached compares the CAS it set on the new item, which without CAS (-C) is no CAS at all: a
                    // cas then fails (EXISTS), an append or prepend goes ahead
                    casResult = CAS_NONE;
                }
                else if (compareCas == oldCas)
                {
                    casResult = CAS_MATCH;
                }
                else if (options.invalidate && Long.compareUnsigned(compareCas, oldCas) < 0)
                {
                    casResult = CAS_STALE;
                }
                else
                {
                    casResult = CAS_BADVAL;
                }
                final int oldClass = lruClassOf(or, oo);
                switch (mode)
                {
                    case ADD:
                        itemUpdate(old, now);
                        break;
                    case CAS:
                        if (casResult == CAS_MATCH)
                        {
                            ctx.increment(Counters.classCounter(oldClass, Counters.CAS_HITS));
                            stored = ref;
                        }
                        else if (casResult == CAS_STALE)
                        {
                            r.putInt(o + EXPTIME_OFFSET, or.getInt(oo + EXPTIME_OFFSET));
                            final int oldState = or.getIntVolatile(oo + STATE_OFFSET);
                            updateFlags(r, o, STALE | (oldState & TOKEN_SENT), 0);
                            ctx.increment(Counters.classCounter(oldClass, Counters.CAS_HITS));
                            stored = ref;
                        }
                        else
                        {
                            ctx.increment(Counters.classCounter(oldClass, Counters.CAS_BADVAL));
                            result = StoreResult.EXISTS;
                            badval = true;
                            badvalCas = oldCas;
                        }
                        break;
                    case APPEND:
                    case PREPEND:
                        if (casResult != CAS_NONE && casResult != CAS_MATCH)
                        {
                            result = StoreResult.EXISTS;
                            break;
                        }
                        stored = concatenate(ctx, old, ref, mode == StoreMode.APPEND);
                        break;
                    default:
                        stored = ref;
                        break;
                }
                if (stored != 0)
                {
                    markCasGiven(stored, options.casIn != 0);
                    replaceLocked(ctx, stripe, hash, old, stored, casIn);
                    result = StoreResult.STORED;
                }
            }
            else
            {
                switch (mode)
                {
                    case ADD:
                    case SET:
                        stored = ref;
                        break;
                    case APPEND:
                    case PREPEND:
                        if (options.vivify)
                        {
                            stored = ref;
                        }
                        break;
                    case CAS:
                        result = StoreResult.NOT_FOUND;
                        ctx.increment(Counters.CAS_MISSES);
                        break;
                    default:
                        break;
                }
                if (stored != 0 && !roomForNewKeyLocked(stripe))
                {
                    stored = 0;
                    result = StoreResult.NO_MEMORY;
                    if (options.countFailure)
                    {
                        ctx.increment(Counters.STORE_NO_MEMORY);
                    }
                }
                if (stored != 0)
                {
                    markCasGiven(stored, options.casIn != 0);
                    linkLocked(ctx, stripe, hash, stored, casIn);
                    result = StoreResult.STORED;
                }
            }
            if (result == StoreResult.STORED && info != null)
            {
                final Region sr = region(stored);
                final int so = offset(stored);
                fillInfo(info, sr, so, sr.getIntVolatile(so + STATE_OFFSET), now);
            }
            else if (badval && info != null)
            {
                // a compare-and-swap that found another CAS: the caller may report the one it found
                info.cas = badvalCas;
            }
            if ((events & ItemEvents.MUTATIONS) != 0)
            {
                // memcached logs the item it ends with: the combined one of an append, else the one offered
                final int it = stored != 0 ? stored : ref;
                final Region ir = region(it);
                final int io = offset(it);
                logStore(ctx, r, keyIndex, keyLength, result, mode, ir.getInt(io + NBYTES_OFFSET),
                    ttl(ir.getInt(io + EXPTIME_OFFSET), now), lruClassOf(ir, io));
            }
        }
        finally
        {
            stripe.lock.unlockWrite(stamp);
        }
        if (stored != ref)
        {
            release(ref);
        }
        return result;
    }

    /**
     * Build the appended or prepended item: the old item's flags and expiry, the new item's key. Caller holds the
     * stripe's write lock.
     *
     * @return the combined item (refcount 1), or 0 if it could not be allocated.
     */
    private int concatenate(final ThreadContext ctx, final int old, final int added, final boolean append)
    {
        final Region or = region(old);
        final int oo = offset(old);
        final int oldState = or.getIntVolatile(oo + STATE_OFFSET);
        final Region ar = region(added);
        final int ao = offset(added);
        final int addedState = ar.getIntVolatile(ao + STATE_OFFSET);
        final int oldLength = or.getInt(oo + NBYTES_OFFSET);
        final int addedLength = ar.getInt(ao + NBYTES_OFFSET);
        final long total = (long)oldLength + addedLength;
        if (total > Integer.MAX_VALUE - 2)
        {
            return 0;
        }
        final int keyLength = nkeyOf(ar, ao);
        final int combined = allocItem(ar, ao + keyOffset(addedState), keyLength, clientFlagsOf(or, oo, oldState),
            or.getInt(oo + EXPTIME_OFFSET), (int)total, 0); // memcached's new item has no binary-key mark
        if (combined < 0)
        {
            return 0;
        }
        if (append)
        {
            copyValue(ctx, old, combined, 0);
            copyValue(ctx, added, combined, oldLength);
        }
        else
        {
            copyValue(ctx, added, combined, 0);
            copyValue(ctx, old, combined, addedLength);
        }
        return combined;
    }

    /**
     * After a failed allocation: memcached removes the old value of a {@code set} (and of any meta set) so that a
     * stale value is not served.
     */
    void removeAfterFailedStore(final ThreadContext ctx)
    {
        final long hash = ctx.hash;
        final Stripe stripe = index.stripe(hash);
        final long stamp = stripe.lock.writeLock();
        try
        {
            final int ref = findLiveLocked(ctx, stripe, hash, ctx.key, 0, ctx.keyLength, now());
            if ((eventMask & ItemEvents.FETCHES) != 0)
            {
                logLookup(ctx, ctx.key, 0, ctx.keyLength, ref);
            }
            if (ref != 0)
            {
                unlinkLocked(stripe, hash, ref);
            }
        }
        finally
        {
            stripe.lock.unlockWrite(stamp);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Delete: delete, md
    // ------------------------------------------------------------------------------------------------------------

    DeleteResult delete(final ThreadContext ctx, final DeleteOptions options, final ItemInfo info)
    {
        final long hash = ctx.hash;
        final Stripe stripe = index.stripe(hash);
        final int events = eventMask;
        final long stamp = stripe.lock.writeLock();
        try
        {
            final int now = now();
            int ref = findLiveLocked(ctx, stripe, hash, ctx.key, 0, ctx.keyLength, now);
            if ((events & ItemEvents.FETCHES) != 0)
            {
                logLookup(ctx, ctx.key, 0, ctx.keyLength, ref);
            }
            if (ref == 0)
            {
                ctx.increment(Counters.DELETE_MISSES);
                return DeleteResult.NOT_FOUND;
            }
            Region r = region(ref);
            int o = offset(ref);
            final long cas = casOf(r, o);
            if (options.compareGiven && cas != options.compareCas)
            {
                if (options.meta)
                {
                    // md counts a CAS mismatch as a miss; the binary protocol's delete does not
                    ctx.increment(Counters.DELETE_MISSES);
                }
                return DeleteResult.EXISTS;
            }
            if (options.removeValue)
            {
                final int state = r.getIntVolatile(o + STATE_OFFSET);
                final int empty = allocItem(r, o + keyOffset(state), nkeyOf(r, o), options.clientFlags,
                    options.touch ? realtime(options.touchExptime) : 0, 0, 0); // memcached: no binary-key mark
                if (empty < 0)
                {
                    return DeleteResult.NO_MEMORY;
                }
                if ((events & ItemEvents.FETCHES) != 0)
                {
                    // memcached stores the empty item through its store path, which looks the key up again
                    logLookup(ctx, ctx.key, 0, ctx.keyLength, ref);
                }
                // the empty item keeps the old CAS unless the client gives one
                markCasGiven(empty, options.casGiven || (state & CAS_GIVEN) != 0);
                replaceLocked(ctx, stripe, hash, ref, empty, options.casGiven ? options.casIn : cas);
                ref = empty;
                r = region(ref);
                o = offset(ref);
                if ((events & ItemEvents.MUTATIONS) != 0)
                {
                    logStore(ctx, ctx.key, 0, ctx.keyLength, StoreResult.STORED, StoreMode.SET, 0,
                        ttl(r.getInt(o + EXPTIME_OFFSET), now), lruClassOf(r, o));
                }
            }
            if (options.invalidate)
            {
                if (options.touch)
                {
                    r.putInt(o + EXPTIME_OFFSET, realtime(options.touchExptime));
                }
                updateFlags(r, o, STALE, TOKEN_SENT);
                if (casLength != 0)
                {
                    r.putLong(o + CAS_OFFSET, options.casGiven ? options.casIn : nextCas());
                    markCasGiven(r, o, options.casGiven);
                }
            }
            else
            {
                ctx.increment(Counters.classCounter(lruClassOf(r, o), Counters.DELETE_HITS));
                if ((events & ItemEvents.DELETIONS) != 0)
                {
                    logDelete(ctx, options.meta, lruClassOf(r, o), r.getInt(o + NBYTES_OFFSET));
                }
                if (!options.removeValue)
                {
                    if (info != null)
                    {
                        fillInfo(info, r, o, r.getIntVolatile(o + STATE_OFFSET), now);
                    }
                    unlinkLocked(stripe, hash, ref);
                    return DeleteResult.DELETED;
                }
            }
            if (info != null)
            {
                fillInfo(info, r, o, r.getIntVolatile(o + STATE_OFFSET), now);
            }
            return DeleteResult.DELETED;
        }
        finally
        {
            stripe.lock.unlockWrite(stamp);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Arithmetic: incr, decr, ma
    // ------------------------------------------------------------------------------------------------------------

    /**
     * memcached's {@code do_add_delta} with the meta {@code ma} additions.
     */
    DeltaResult arithmetic(final ThreadContext ctx, final ArithmeticOptions options, final ItemInfo info)
    {
        final long hash = ctx.hash;
        final Stripe stripe = index.stripe(hash);
        final int events = eventMask;
        final long stamp = stripe.lock.writeLock();
        try
        {
            final int now = now();
            boolean replaced = false;
            int ref = findLiveLocked(ctx, stripe, hash, ctx.key, 0, ctx.keyLength, now);
            if ((events & ItemEvents.FETCHES) != 0)
            {
                logLookup(ctx, ctx.key, 0, ctx.keyLength, ref);
            }
            if (ref == 0)
            {
                if (!options.vivify)
                {
                    ctx.increment(options.incr ? Counters.INCR_MISSES : Counters.DECR_MISSES);
                    return DeltaResult.NOT_FOUND;
                }
                final byte[] digits = ctx.digits;
                final int length = formatUnsigned(options.initial, digits);
                final int made = roomForNewKeyLocked(stripe) ?
                    allocItem(ctx.key, 0, ctx.keyLength, 0, 0, length, 0) : ALLOC_NO_MEMORY;
                if (made < 0)
                {
                    return DeltaResult.NO_MEMORY;
                }
                final Region mr = region(made);
                final int mo = offset(made);
                copyIn(mr, mo, mr.getIntVolatile(mo + STATE_OFFSET), 0, length,
                    ctx.adapters.arraySource.wrap(digits, 0, length), 0);
                ctx.adapters.arraySource.clear();
                if ((events & ItemEvents.FETCHES) != 0)
                {
                    // memcached adds the new item through its store path: a second lookup, then the store
                    logFetch(ctx, ctx.key, 0, ctx.keyLength, ItemEvents.NOT_FOUND, 0, 0);
                }
                if ((events & ItemEvents.MUTATIONS) != 0)
                {
                    // stored with no expiry; memcached applies the vivify TTL afterwards
                    logStore(ctx, ctx.key, 0, ctx.keyLength, StoreResult.STORED, StoreMode.ADD, length, 0,
                        lruClassOf(mr, mo));
                }
                mr.putInt(mo + EXPTIME_OFFSET, realtime(options.vivifyExptime));
                markCasGiven(made, options.casGiven);
                linkLocked(ctx, stripe, hash, made, options.casGiven ? options.casIn : nextCas());
                ref = made;
                finishArithmetic(ref, options, info, now, options.initial, options.vivifyAfterTouch);
                info.created = true;
                return DeltaResult.OK;
            }
            Region r = region(ref);
            int o = offset(ref);
            final int state = r.getIntVolatile(o + STATE_OFFSET);
            final int length = r.getInt(o + NBYTES_OFFSET);
            // memcached refuses a chunked item as too large to be a number; it chunks by its own, larger item size
            if (length == 0 || (state & CHUNKED) != 0 || ItemDescriptor.memcachedItemSize(casEnabled,
                (state & CFLAGS) != 0 ? 1 : 0, nkeyOf(r, o), length) > slabChunkMax)
            {
                return DeltaResult.NON_NUMERIC;
            }
            if (options.compareCas != 0 && casOf(r, o) != options.compareCas)
            {
                return DeltaResult.EXISTS;
            }
            final int valueIndex = o + keyOffset(state) + nkeyOf(r, o);
            final long parsed = parseUnsigned(r, valueIndex, length, ctx.parseStatus);
            if (!ctx.parseStatus[0])
            {
                return DeltaResult.NON_NUMERIC;
            }
            long value = parsed;
            if (options.incr)
            {
                value += options.delta;
            }
            else if (Long.compareUnsigned(options.delta, value) > 0)
            {
                value = 0;
            }
            else
            {
                value -= options.delta;
            }
            final int cls = lruClassOf(r, o);
            ctx.increment(Counters.classCounter(cls, options.incr ? Counters.INCR_HITS : Counters.DECR_HITS));
            final byte[] digits = ctx.digits;
            final int digitCount = formatUnsigned(value, digits);
            if (digitCount <= length && refcount(state) == 0 && !options.newItem)
            {
                if (casLength != 0)
                {
                    r.putLong(o + CAS_OFFSET, nextCas());
                    markCasGiven(r, o, false);
                }
                r.putBytes(valueIndex, digits, 0, digitCount);
                r.setMemory(valueIndex + digitCount, length - digitCount, (byte)' ');
                itemUpdate(ref, now);
            }
            else
            {
                final int made = allocItem(r, o + keyOffset(state), nkeyOf(r, o), clientFlagsOf(r, o, state),
                    r.getInt(o + EXPTIME_OFFSET), digitCount, 0); // memcached: no binary-key mark
                if (made < 0)
                {
                    return DeltaResult.NO_MEMORY;
                }
                final Region mr = region(made);
                final int mo = offset(made);
                copyIn(mr, mo, mr.getIntVolatile(mo + STATE_OFFSET), 0, digitCount,
                    ctx.adapters.arraySource.wrap(digits, 0, digitCount), 0);
                ctx.adapters.arraySource.clear();
                replaceLocked(ctx, stripe, hash, ref, made, nextCas());
                ref = made;
                replaced = true;
            }
            finishArithmetic(ref, options, info, now, value, replaced);
            return DeltaResult.OK;
        }
        finally
        {
            stripe.lock.unlockWrite(stamp);
        }
    }

    /**
     * Apply the meta flags that follow the arithmetic. When the result did not fit in place, memcached 1.6.39 applies
     * {@code T} and {@code E} to the item it replaced, where they have no effect (only the reported CAS is
     * {@code E}'s), and so does this. For an item created on a miss, {@code skipTouch} says that its vivify expiry
     * came after {@code T} and wins (it is passed as {@code replaced}).
     */
    private void finishArithmetic(
        final int ref, final ArithmeticOptions options, final ItemInfo info, final int now, final long value,
        final boolean replaced)
    {
        final Region r = region(ref);
        final int o = offset(ref);
        if (options.casGiven && casLength != 0 && !replaced)
        {
            r.putLong(o + CAS_OFFSET, options.casIn);
            markCasGiven(r, o, true);
        }
        if (options.touch && !replaced)
        {
            r.putInt(o + EXPTIME_OFFSET, realtime(options.touchExptime));
        }
        fillInfo(info, r, o, r.getIntVolatile(o + STATE_OFFSET), now);
        if (replaced && options.casGiven && casLength != 0)
        {
            info.cas = options.casIn;
        }
        info.numericValue = value;
    }

    /**
     * memcached's {@code safe_strtoull} over a stored value, which memcached keeps followed by CRLF: leading white
     * space and a sign are accepted, the digits must be followed by white space, a NUL or the end of the value, and a
     * negative result is rejected.
     */
    static long parseUnsigned(final Region r, final int index, final int length, final boolean[] ok)
    {
        ok[0] = false;
        int i = 0;
        while (i < length && isSpace(r.getByte(index + i)))
        {
            i++;
        }
        boolean negative = false;
        if (i < length && (r.getByte(index + i) == '+' || r.getByte(index + i) == '-'))
        {
            negative = r.getByte(index + i) == '-';
            i++;
        }
        long value = 0;
        int digits = 0;
        while (i < length)
        {
            final int b = r.getByte(index + i);
            if (b < '0' || b > '9')
            {
                break;
            }
            final long times10 = value * 10;
            if (Long.compareUnsigned(value, 0x1999_9999_9999_9999L) > 0 ||
                Long.compareUnsigned(times10 + (b - '0'), times10) < 0)
            {
                return 0;
            }
            value = times10 + (b - '0');
            digits++;
            i++;
        }
        if (digits == 0)
        {
            return 0;
        }
        if (i < length)
        {
            final byte end = r.getByte(index + i);
            if (!isSpace(end) && end != 0)
            {
                return 0;
            }
        }
        final long result = negative ? -value : value;
        if (result < 0 && negative)
        {
            return 0;
        }
        ok[0] = true;
        return result;
    }

    static boolean isSpace(final int b)
    {
        return b == ' ' || b == '\t' || b == '\n' || b == 0x0B || b == '\f' || b == '\r';
    }

    /**
     * Write a 64-bit unsigned number in decimal.
     *
     * @return the number of digits.
     */
    static int formatUnsigned(final long value, final byte[] out)
    {
        if (value == 0)
        {
            out[0] = '0';
            return 1;
        }
        int n = 0;
        long v = value;
        final byte[] tmp = out;
        int end = 20;
        while (v != 0)
        {
            final long q = Long.divideUnsigned(v, 10);
            tmp[--end + 20] = (byte)('0' + (v - q * 10));
            v = q;
            n++;
        }
        System.arraycopy(tmp, end + 20, out, 0, n);
        return n;
    }

    // ------------------------------------------------------------------------------------------------------------
    // flush_all
    // ------------------------------------------------------------------------------------------------------------

    /**
     * memcached 1.6.39's {@code flush_all [delay]}: items last updated before the second of the flush (or of the
     * delay's moment) become invisible then, and are reclaimed lazily ({@code get_flushed} counts them on access);
     * items updated in the flush's own second or later are unlinked now, by walking each LRU from its head until an
     * older item (memcached's {@code item_flush_expired}). An item of that second lying behind an older one in a
     * segment is not reached by the walk; with CAS on, the next CAS value is kept as a boundary, and an item of that
     * second with a smaller one counts as flushed ({@link #flushed}). memcached 1.6.39 takes no CAS value (1.6.18
     * did), so the CAS counter goes on as if there had been no flush.
     */
    void flushAll(final int delay)
    {
        final int now = now();
        final int oldestLive = (delay > 0 ? realtime(delay) : now) - 1;
        flush = new FlushState(oldestLive, casEnabled && oldestLive <= now ? casId.get() + 1 : 0);
        if (oldestLive == 0)
        {
            // a delay read as a unix time at or before the start: no flush at all, as in memcached's
            // item_flush_expired (and flushed() above), not a walk that unlinks every item
            return;
        }
        unlinkRecentForFlush(oldestLive);
    }

    private void unlinkRecentForFlush(final int oldestLive)
    {
        for (int id = 1; id <= table.largest(); id++)
        {
            final SlabClass c = slabs.classes[id];
            for (int lru = 0; lru < ItemDescriptor.LRU_COUNT; lru++)
            {
                Stripe busy;
                do
                {
                    busy = unlinkRecentForFlush(c, lru, oldestLive);
                    if (busy != null)
                    {
                        // the class's monitor is taken after a stripe's lock, never before: wait for the stripe
                        // without it, then walk again from the head (what was unlinked is gone from it)
                        busy.lock.unlockWrite(busy.lock.writeLock());
                    }
                }
                while (busy != null);
            }
        }
    }

    /**
     * Unlink the items at the head of one LRU last updated at or after {@code oldestLive}.
     *
     * @return null when done, or the stripe of an item that could not be unlinked because another thread held it.
     */
    private Stripe unlinkRecentForFlush(final SlabClass c, final int lru, final int oldestLive)
    {
        synchronized (c)
        {
            int it = c.heads[lru];
            while (it != 0)
            {
                final Region r = region(it);
                final int o = offset(it);
                final int next = r.getInt(o + NEXT_OFFSET);
                final int state = r.getIntVolatile(o + STATE_OFFSET);
                if ((state & ItemDescriptor.CRAWLER) == 0)
                {
                    if (r.getInt(o + TIME_OFFSET) < oldestLive)
                    {
                        return null;
                    }
                    final long hash = hashOfItem(r, o, state);
                    final Stripe stripe = index.stripe(hash);
                    final long stamp = stripe.lock.tryWriteLock();
                    if (stamp == 0)
                    {
                        return stripe;
                    }
                    try
                    {
                        unlinkLocked(stripe, hash, it);
                    }
                    finally
                    {
                        stripe.lock.unlockWrite(stamp);
                    }
                }
                it = next;
            }
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Item events: memcached's logger hooks
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Install or remove the listener. The listener is written before the mask, so an operation that sees a stream
     * bit also sees the listener; an operation already past its read of the mask may still call the old listener.
     */
    void itemEvents(final ItemEvents listener, final int streams)
    {
        if (listener == null || streams == 0)
        {
            eventMask = 0;
            events = null;
        }
        else
        {
            events = listener;
            eventMask = streams;
        }
    }

    /**
     * The streams wanted now, for code outside this class that reads the mask once per operation.
     */
    int eventMask()
    {
        return eventMask;
    }

    /** The TTL memcached logs for a stored item: seconds from now, 0 for no expiry. */
    private static int ttl(final int exptime, final int now)
    {
        return exptime == 0 ? 0 : exptime - now;
    }

    /**
     * The lookup of a {@link #findLiveLocked} (or {@link #find}) that returned {@code ref}.
     */
    void logLookup(final ThreadContext ctx, final Region key, final int keyIndex, final int keyLength, final int ref)
    {
        if (ref != 0)
        {
            final Region r = region(ref);
            final int o = offset(ref);
            logFetch(ctx, key, keyIndex, keyLength, ItemEvents.FOUND, r.getInt(o + NBYTES_OFFSET), lruClassOf(r, o));
        }
        else
        {
            logFetch(ctx, key, keyIndex, keyLength, ctx.lookupStatus, 0, 0);
        }
    }

    void logFetch(
        final ThreadContext ctx, final Region key, final int keyIndex, final int keyLength, final int status,
        final int valueLength, final int slabClass)
    {
        final ItemEvents listener = events;
        if (listener == null)
        {
            return;
        }
        key.getBytes(keyIndex, ctx.eventKey, 0, keyLength);
        try
        {
            listener.fetched(ctx.eventKey, keyLength, status, valueLength, slabClass);
        }
        catch (final RuntimeException ex)
        {
            listenerFailed(ex);
        }
    }

    void logStore(
        final ThreadContext ctx, final Region key, final int keyIndex, final int keyLength, final StoreResult result,
        final StoreMode mode, final int valueLength, final int ttl, final int slabClass)
    {
        final ItemEvents listener = events;
        if (listener == null)
        {
            return;
        }
        key.getBytes(keyIndex, ctx.eventKey, 0, keyLength);
        try
        {
            listener.stored(ctx.eventKey, keyLength, result, mode, valueLength, ttl, slabClass);
        }
        catch (final RuntimeException ex)
        {
            listenerFailed(ex);
        }
    }

    /**
     * A store whose item could not be allocated: memcached logs it with no size, TTL or class.
     */
    void logFailedStore(final ThreadContext ctx, final StoreOptions options, final StoreResult result)
    {
        StoreMode mode = options.mode;
        if (options.compareCas != 0 && (mode == StoreMode.SET || mode == StoreMode.REPLACE))
        {
            mode = StoreMode.CAS;
        }
        logStore(ctx, ctx.key, 0, ctx.keyLength, result, mode, 0, 0, 0);
    }

    private void logDelete(final ThreadContext ctx, final boolean meta, final int slabClass, final int valueLength)
    {
        final ItemEvents listener = events;
        if (listener == null)
        {
            return;
        }
        ctx.key.getBytes(0, ctx.eventKey, 0, ctx.keyLength);
        try
        {
            listener.deleted(ctx.eventKey, ctx.keyLength, meta, slabClass, valueLength);
        }
        catch (final RuntimeException ex)
        {
            listenerFailed(ex);
        }
    }

    /**
     * An item about to be evicted. Caller holds the item's stripe lock.
     *
     * @param scratch a key buffer of {@link ThreadContext#KEY_CAPACITY} bytes the caller owns, or null for a new one.
     */
    void logEviction(final byte[] scratch, final Region r, final int o, final int state, final int now)
    {
        final ItemEvents listener = events;
        if (listener == null)
        {
            return;
        }
        final int keyLength = nkeyOf(r, o);
        final byte[] key = scratch != null ? scratch : new byte[keyLength];
        r.getBytes(o + keyOffset(state), key, 0, keyLength);
        final int exptime = r.getInt(o + EXPTIME_OFFSET);
        try
        {
            listener.evicted(key, keyLength, (state & FETCHED) != 0, exptime == 0 ? -1 : exptime - now,
                now - r.getInt(o + TIME_OFFSET), lruClassOf(r, o), r.getInt(o + NBYTES_OFFSET));
        }
        catch (final RuntimeException ex)
        {
            listenerFailed(ex);
        }
    }

    void logCrawlerStatus(
        final int slabClass, final int lru, final long lowMark, final long nextReclaims, final int sinceRun,
        final int nextRun, final int elapsed, final long examined, final long reclaimed)
    {
        final ItemEvents listener = events;
        if (listener == null)
        {
            return;
        }
        try
        {
            listener.crawlerStatus(slabClass, lru, lowMark, nextReclaims, sinceRun, nextRun, elapsed, examined,
                reclaimed);
        }
        catch (final RuntimeException ex)
        {
            listenerFailed(ex);
        }
    }

    void logSlabMove(final int source, final int destination, final boolean started)
    {
        final ItemEvents listener = events;
        if (listener == null)
        {
            return;
        }
        try
        {
            listener.slabMove(source, destination, started);
        }
        catch (final RuntimeException ex)
        {
            listenerFailed(ex);
        }
    }

    private void listenerFailed(final RuntimeException ex)
    {
        if (!listenerFailureReported)
        {
            listenerFailureReported = true;
            System.err.println("memcached4j item event listener failed (reported once): " + ex);
        }
    }
}
