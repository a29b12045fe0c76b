/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * Receives what the engine's background work does, at the points where memcached prints its verbose lines for the
 * same work (its LRU crawler and maintainer threads at {@code -vvv}, the crawler's reclaims and the hash table's
 * expansion at {@code -vv}).
 * Installed with {@link CacheBuilder#trace}; every method does nothing by default.
 * <p>
 * Calls come on the engine's background thread, on the thread that changes the crawler's state, or on a thread
 * whose store grows the index, sometimes while the engine holds a lock: an implementation must be quick and must
 * never call back into the cache. Key arrays are the engine's scratch space, valid only during the call. A
 * {@link RuntimeException} thrown by the trace is reported on standard error and otherwise ignored.
 * <p>
 * LRU ids are memcached's: the slab class number plus 64 times the segment (0 HOT, 1 WARM, 2 COLD, 3 TEMP).
 */
public interface EngineTrace
{
    /**
     * The slab classes were computed, when the cache is built: the table memcached prints at {@code -vv} as it
     * starts, as {@link CacheAdmin#slabClassTable()} returns it.
     *
     * @param table one line per class, each ending in a line feed.
     */
    default void slabClasses(final String table)
    {
    }

    /**
     * The LRU crawler is running: when the cache is built with it, and when it is enabled again.
     */
    default void crawlerStarted()
    {
    }

    /**
     * The LRU crawler stopped: it was disabled, or the background work was stopped.
     */
    default void crawlerStopping()
    {
    }

    /**
     * The LRU maintainer is running: when the cache is built with it.
     */
    default void maintainerStarted()
    {
    }

    /**
     * The LRU maintainer stopped ({@link CacheAdmin#stopBackgroundWork()}).
     */
    default void maintainerStopping()
    {
    }

    /**
     * A walk of one LRU was started.
     *
     * @param lruId the LRU (memcached's numbering).
     */
    default void crawlStarted(final int lruId)
    {
    }

    /**
     * A walk of one LRU reached its end or its item limit.
     *
     * @param lruId the LRU (memcached's numbering).
     */
    default void crawlFinished(final int lruId)
    {
    }

    /**
     * The crawler has no walk left and waits for the next start.
     */
    default void crawlerIdle()
    {
    }

    /**
     * The index starts a growth that raises {@code hash_power_level} (memcached's {@code Hash table expansion
     * starting}, at {@code -vv}). Called on the thread that inserts, holding a lock of the index.
     */
    default void hashExpansionStarting()
    {
    }

    /**
     * The growth reported by {@link #hashExpansionStarting()} is done (memcached's {@code Hash table expansion done}).
     */
    default void hashExpansionDone()
    {
    }

    /**
     * The JVM refused direct memory ({@code -XX:MaxDirectMemorySize} reached): the engine goes on with what it has
     * and stops growing that structure until the memory limit is set again ({@code cache_memlimit}). Said once per
     * refusal, on the thread whose operation met it, holding the engine's locks.
     *
     * @param what  what could not grow: {@code "slab page"} or {@code "hash table"}.
     * @param bytes the size of the allocation refused.
     */
    default void directMemoryRefused(final String what, final long bytes)
    {
    }

    /**
     * A walk found an expired or flushed item and reclaimed it.
     *
     * @param itemFlags the item's flags as memcached numbers them ({@code it_flags}: 1 linked, 2 has a CAS, 8 fetched,
     *                  16 active, 32 chunked, 256 client flags set, 512 recache token sent, 2048 stale, 4096 binary
     *                  key).
     * @param lruId     the LRU it was in (memcached's numbering).
     * @param key       the key bytes.
     * @param keyLength the key length.
     */
    default void expiredReclaimed(final int itemFlags, final int lruId, final byte[] key, final int keyLength)
    {
    }
}
