/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * Layout of the per-thread counter block, memcached's {@code struct thread_stats}: counters every operation moves are
 * kept per thread and summed when statistics are read, so no operation writes a shared counter. The slab-class
 * counters ({@code stats slabs}) and the per-LRU hit counters ({@code stats items hits_to_*}) are laid out after the
 * global ones.
 */
final class Counters
{
    static final int GET_CMDS = 0;
    static final int GET_MISSES = 1;
    static final int GET_EXPIRED = 2;
    static final int GET_FLUSHED = 3;
    static final int TOUCH_CMDS = 4;
    static final int TOUCH_MISSES = 5;
    static final int DELETE_MISSES = 6;
    static final int INCR_MISSES = 7;
    static final int DECR_MISSES = 8;
    static final int CAS_MISSES = 9;
    static final int FLUSH_CMDS = 10;
    static final int STORE_TOO_LARGE = 11;
    static final int STORE_NO_MEMORY = 12;
    static final int TOTAL_ITEMS = 13;
    static final int LRU_BUMPS_DROPPED = 14;
    static final int GLOBAL_COUNT = 15;

    /** Per slab class: {@code cmd_set}. */
    static final int SET_CMDS = 0;
    /** Per slab class: {@code touch_hits}. */
    static final int TOUCH_HITS = 1;
    /** Per slab class: {@code delete_hits}. */
    static final int DELETE_HITS = 2;
    /** Per slab class: {@code cas_hits}. */
    static final int CAS_HITS = 3;
    /** Per slab class: {@code cas_badval}. */
    static final int CAS_BADVAL = 4;
    /** Per slab class: {@code incr_hits}. */
    static final int INCR_HITS = 5;
    /** Per slab class: {@code decr_hits}. */
    static final int DECR_HITS = 6;
    static final int PER_CLASS = 7;

    static final int CLASS_BASE = GLOBAL_COUNT;
    static final int LRU_HITS_BASE = CLASS_BASE + SlabClassTable.MAX_CLASSES * PER_CLASS;
    static final int SIZE = LRU_HITS_BASE + SlabClassTable.MAX_CLASSES * ItemDescriptor.LRU_COUNT;

    private Counters()
    {
    }

    static int classCounter(final int clsid, final int counter)
    {
        return CLASS_BASE + clsid * PER_CLASS + counter;
    }

    static int lruHits(final int clsid, final int lru)
    {
        return LRU_HITS_BASE + clsid * ItemDescriptor.LRU_COUNT + lru;
    }
}
