/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * How a fetch behaves: memcached's {@code get}, {@code gat}, {@code touch} and the meta {@code mg} flags. Mutable and
 * reusable, so that a caller builds one per thread (or per connection) and sets it per request. Not threadsafe.
 */
public final class FetchOptions
{
    boolean bump = true;
    boolean touch;
    int touchExptime;
    boolean vivify;
    boolean vivifyAfterTouch;
    int vivifyExptime;
    boolean recache;
    int recacheExptime;
    boolean recacheBeforeTouch;
    boolean keyBinary;
    long casIn;
    boolean casGiven;
    boolean meta;
    boolean counted = true;

    /**
     * Default options: a plain {@code get}.
     */
    public FetchOptions()
    {
    }

    /**
     * Back to a plain {@code get}.
     *
     * @return this.
     */
    public FetchOptions reset()
    {
        bump = true;
        touch = false;
        touchExptime = 0;
        vivify = false;
        vivifyAfterTouch = false;
        vivifyExptime = 0;
        recache = false;
        recacheExptime = 0;
        recacheBeforeTouch = false;
        keyBinary = false;
        casIn = 0;
        casGiven = false;
        meta = false;
        counted = true;
        return this;
    }

    /**
     * Whether a hit counts as an access for the LRU (meta {@code u} turns it off).
     *
     * @param bump true to mark the item fetched/active (default).
     * @return this.
     */
    public FetchOptions bump(final boolean bump)
    {
        this.bump = bump;
        return this;
    }

    /**
     * Set a new expiry on a hit, as {@code gat}, {@code touch} and meta {@code T} do; the fetch then counts as a
     * touch in the statistics.
     *
     * @param exptime memcached exptime: 0 never, up to 30 days relative, else Unix time; negative is expired.
     * @return this.
     */
    public FetchOptions touch(final int exptime)
    {
        this.touch = true;
        this.touchExptime = exptime;
        return this;
    }

    /**
     * On a miss, create an empty item with this expiry and hand this caller the recache token (meta {@code N}).
     *
     * @param exptime memcached exptime of the created item.
     * @return this.
     */
    public FetchOptions vivify(final int exptime)
    {
        this.vivify = true;
        this.vivifyExptime = exptime;
        return this;
    }

    /**
     * Which expiry an item created by {@link #vivify(int)} keeps when {@link #touch(int)} is given too: memcached's
     * {@code mg} applies {@code T} and {@code N} in the order of the request's flags, so the later one wins.
     *
     * @param vivifyAfterTouch true when {@code N} comes after {@code T} (the vivify expiry wins).
     * @return this.
     */
    public FetchOptions vivifyAfterTouch(final boolean vivifyAfterTouch)
    {
        this.vivifyAfterTouch = vivifyAfterTouch;
        return this;
    }

    /**
     * Win the recache token when the item's remaining time to live is below this (meta {@code R}).
     *
     * @param exptime memcached exptime compared with the item's expiry.
     * @return this.
     */
    public FetchOptions recache(final int exptime)
    {
        this.recache = true;
        this.recacheExptime = exptime;
        return this;
    }

    /**
     * Compare {@link #recache(int)} with the expiry from before {@link #touch(int)}: memcached applies the meta flags
     * in order, so an {@code R} before a {@code T} sees the old expiry.
     *
     * @param recacheBeforeTouch true when {@code R} comes before {@code T}.
     * @return this.
     */
    public FetchOptions recacheBeforeTouch(final boolean recacheBeforeTouch)
    {
        this.recacheBeforeTouch = recacheBeforeTouch;
        return this;
    }

    /**
     * Mark an item created by {@link #vivify(int)} as having a binary key (meta {@code b}).
     *
     * @param keyBinary whether the key is binary.
     * @return this.
     */
    public FetchOptions keyBinary(final boolean keyBinary)
    {
        this.keyBinary = keyBinary;
        return this;
    }

    /**
     * The CAS value to give an item created by {@link #vivify(int)} (meta {@code E}), 0 included, as memcached's
     * {@code E0} gives CAS 0. Without this call the item takes a new one.
     *
     * @param cas the CAS value.
     * @return this.
     */
    public FetchOptions casIn(final long cas)
    {
        this.casIn = cas;
        this.casGiven = true;
        return this;
    }

    /**
     * Apply the meta protocol's recache-token rules on a hit: report a stale item and a token already handed out,
     * and hand this caller the token when the item is stale and nobody holds it ({@code mg} does this always).
     *
     * @param meta whether to apply the token rules.
     * @return this.
     */
    public FetchOptions meta(final boolean meta)
    {
        this.meta = meta;
        return this;
    }

    boolean needsExclusive()
    {
        return touch || vivify || recache;
    }

    /**
     * Whether the fetch counts in the get or touch statistics ({@code cmd_get}, {@code get_hits},
     * {@code get_misses}, {@code cmd_touch}, ...; the default). memcached's {@code mg} that fails while it writes
     * its reply (an opaque token too long) has fetched and bumped its item, and counts nothing.
     *
     * @param counted whether to count the fetch.
     * @return this.
     */
    public FetchOptions counted(final boolean counted)
    {
        this.counted = counted;
        return this;
    }
}
