/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * Receives what the engine does with items, at the points where memcached's logger records them for the
 * {@code watch} command's streams: every lookup of a key (memcached's {@code do_item_get}: a {@code get}, a touch,
 * the lookup that precedes a store, a delete or an arithmetic), every store attempt, evictions, deletions, the LRU
 * crawler's autoexpire decisions and automove's page moves. Installed with {@link CacheAdmin#itemEvents}; a cache
 * without a listener does no work for it beyond reading one volatile field per operation.
 * <p>
 * Calls come on the thread that does the work (a caller's thread, or the engine's background thread), sometimes while
 * the engine holds a stripe or slab class lock: an implementation must be quick, must not block for long and must
 * never call back into the cache. Key arrays are the engine's scratch space, valid only during the call. A
 * {@link RuntimeException} thrown by the listener is reported on standard error and otherwise ignored.
 * <p>
 * Numbers follow memcached's log lines: value lengths exclude memcached's trailing CRLF, slab classes are the classes
 * the items occupy in this engine (which may be smaller than memcached's for the same item, see {@code stats slabs}).
 */
public interface ItemEvents
{
    /** Stream bit: every lookup of a key (memcached's {@code fetchers}). */
    int FETCHES = 1;
    /** Stream bit: every store attempt (memcached's {@code mutations}). */
    int MUTATIONS = 1 << 1;
    /** Stream bit: evictions (memcached's {@code evictions}). */
    int EVICTIONS = 1 << 2;
    /** Stream bit: successful deletes (memcached's {@code deletions}). */
    int DELETIONS = 1 << 3;
    /** Stream bit: the LRU crawler's autoexpire decisions and automove's page moves (memcached's {@code sysevents}). */
    int SYSEVENTS = 1 << 4;

    /** A lookup found nothing. */
    int NOT_FOUND = 0;
    /** A lookup found a live item. */
    int FOUND = 1;
    /** A lookup found an item invalidated by {@code flush_all}, and removed it. */
    int FLUSHED = 2;
    /** A lookup found an expired item, and removed it. */
    int EXPIRED = 3;

    /** LRU segment numbers in {@link #crawlerStatus}. */
    int HOT_LRU = ItemDescriptor.HOT_LRU;
    /** The WARM segment. */
    int WARM_LRU = ItemDescriptor.WARM_LRU;
    /** The COLD segment. */
    int COLD_LRU = ItemDescriptor.COLD_LRU;
    /** The TEMP segment. */
    int TEMP_LRU = ItemDescriptor.TEMP_LRU;

    /**
     * A key was looked up ({@link #FETCHES}).
     *
     * @param key         the key bytes.
     * @param keyLength   the key length.
     * @param status      {@link #NOT_FOUND}, {@link #FOUND}, {@link #FLUSHED} or {@link #EXPIRED}.
     * @param valueLength the value length of a found item, else 0.
     * @param slabClass   the slab class of a found item, else 0.
     */
    void fetched(byte[] key, int keyLength, int status, int valueLength, int slabClass);

    /**
     * A store was attempted ({@link #MUTATIONS}): after its lookup, or after an allocation that failed.
     *
     * @param key         the key bytes.
     * @param keyLength   the key length.
     * @param result      the outcome.
     * @param mode        the store mode (an appending vivify is {@link StoreMode#APPEND} or {@link StoreMode#PREPEND},
     *                    a vivifying arithmetic {@link StoreMode#ADD}).
     * @param valueLength the length of the value stored (for an append, of the combined value), or offered; 0 when
     *                    the allocation failed.
     * @param ttl         seconds from now to the item's expiry, 0 for none (memcached prints it unsigned, so an
     *                    already expired item's negative TTL shows as a large number).
     * @param slabClass   the item's slab class, 0 when the allocation failed.
     */
    void stored(byte[] key, int keyLength, StoreResult result, StoreMode mode, int valueLength, int ttl, int slabClass);

    /**
     * An item was evicted to make room ({@link #EVICTIONS}), from a COLD LRU or because a page move could not wait
     * for a reader to let go of it.
     *
     * @param key         the key bytes.
     * @param keyLength   the key length.
     * @param fetched     whether the item was ever read.
     * @param ttl         seconds from now to its expiry, -1 for none.
     * @param idleSeconds seconds since it was last accessed.
     * @param slabClass   its slab class.
     * @param valueLength its value length.
     */
    void evicted(byte[] key, int keyLength, boolean fetched, int ttl, int idleSeconds, int slabClass, int valueLength);

    /**
     * An item was deleted ({@link #DELETIONS}): a {@code delete} or {@code md} that found it, including an {@code md}
     * that leaves an empty item ({@link DeleteOptions#removeValue}) but not one that only invalidates.
     *
     * @param key         the key bytes.
     * @param keyLength   the key length.
     * @param meta        whether the delete was a meta {@code md} ({@link DeleteOptions#meta}).
     * @param slabClass   the item's slab class.
     * @param valueLength its value length.
     */
    void deleted(byte[] key, int keyLength, boolean meta, int slabClass, int valueLength);

    /**
     * The LRU maintainer looked at a finished autoexpire crawl of one LRU and scheduled the next one
     * ({@link #SYSEVENTS}).
     *
     * @param slabClass    the slab class.
     * @param lru          {@link #HOT_LRU}, {@link #WARM_LRU}, {@link #COLD_LRU} or {@link #TEMP_LRU}.
     * @param lowMark      the reclaims a crawl must promise to be worth running (1% of the items with a TTL, plus 1).
     * @param nextReclaims the reclaims counted towards the low mark.
     * @param sinceRun     seconds since the crawl ended.
     * @param nextRun      seconds until the next crawl.
     * @param elapsed      seconds the crawl took.
     * @param examined     items the crawl looked at.
     * @param reclaimed    expired items it reclaimed.
     */
    void crawlerStatus(
        int slabClass, int lru, long lowMark, long nextReclaims, int sinceRun, int nextRun, int elapsed,
        long examined, long reclaimed);

    /**
     * Automove decided to move a page ({@link #SYSEVENTS}).
     *
     * @param source      the class giving the page.
     * @param destination the class receiving it (0: the global pool).
     * @param started     whether the move started.
     */
    void slabMove(int source, int destination, boolean started);
}
