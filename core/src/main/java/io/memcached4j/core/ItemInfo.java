/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * What an operation saw of an item: its client flags, CAS value, time to live, and the meta protocol's markers. A
 * caller passes one in to receive the details and reuses it, so no operation allocates. Values describe the item as
 * it was before the operation's own LRU bump ({@link #fetchedBefore()}, {@link #secondsSinceAccess()}), as memcached's
 * meta {@code h} and {@code l} flags do. Not threadsafe: one per thread.
 * <p>
 * Only what an operation found is written: when it finds no item (a miss, a {@code NOT_FOUND} or
 * {@code NOT_STORED}), the values are left as an earlier operation set them ({@link MemcachedCache#inspect} also sets
 * {@link #lookup()}). Read them after an operation whose result reports the item (a hit, {@code STORED},
 * {@code DELETED}, an arithmetic {@code OK}).
 */
public final class ItemInfo
{
    int flags;
    long cas;
    int ttl;
    long expiresAt;
    int secondsSinceAccess;
    long lastAccessAt;
    boolean fetchedBefore;
    int valueLength;
    int slabClass;
    int itemSize;
    boolean stale;
    boolean won;
    boolean tokenAlreadySent;
    boolean created;
    boolean keyBinary;
    long numericValue;
    int lru;
    int lookup;

    /**
     * An empty holder.
     */
    public ItemInfo()
    {
    }

    void clear()
    {
        flags = 0;
        cas = 0;
        ttl = -1;
        expiresAt = 0;
        secondsSinceAccess = 0;
        lastAccessAt = 0;
        fetchedBefore = false;
        valueLength = 0;
        slabClass = 0;
        itemSize = 0;
        stale = false;
        won = false;
        tokenAlreadySent = false;
        created = false;
        keyBinary = false;
        numericValue = 0;
        lookup = ItemEvents.NOT_FOUND;
    }

    /**
     * Client flags, a 32-bit unsigned value: use {@link Integer#toUnsignedLong(int)} to print it.
     *
     * @return the flags.
     */
    public int flags()
    {
        return flags;
    }

    /**
     * The CAS value (0 when CAS is disabled).
     *
     * @return the CAS value.
     */
    public long cas()
    {
        return cas;
    }

    /**
     * Seconds until the item expires, or -1 if it never does (meta {@code t}).
     *
     * @return the remaining time to live.
     */
    public int ttl()
    {
        return ttl;
    }

    /**
     * Unix time at which the item expires, or 0 if it never does.
     *
     * @return the expiry as Unix seconds.
     */
    public long expiresAt()
    {
        return expiresAt;
    }

    /**
     * Seconds since the item was last accessed, before this operation (meta {@code l}).
     *
     * @return the seconds since the last access.
     */
    public int secondsSinceAccess()
    {
        return secondsSinceAccess;
    }

    /**
     * Unix time of the last access, before this operation.
     *
     * @return the last access as Unix seconds.
     */
    public long lastAccessAt()
    {
        return lastAccessAt;
    }

    /**
     * Whether the item had been fetched before this operation (meta {@code h}).
     *
     * @return true if fetched before.
     */
    public boolean fetchedBefore()
    {
        return fetchedBefore;
    }

    /**
     * Length of the value in bytes (meta {@code s}).
     *
     * @return the value length.
     */
    public int valueLength()
    {
        return valueLength;
    }

    /**
     * The slab class holding the item.
     *
     * @return the class id.
     */
    public int slabClass()
    {
        return slabClass;
    }

    /**
     * Bytes the item occupies in its slab chunk: header, CAS, client flags, key and value.
     *
     * @return the item's size.
     */
    public int itemSize()
    {
        return itemSize;
    }

    /**
     * Whether the item was marked stale by an invalidation (meta {@code X}).
     *
     * @return true if stale.
     */
    public boolean stale()
    {
        return stale;
    }

    /**
     * Whether this caller won the right to recache the item (meta {@code W}).
     *
     * @return true if won.
     */
    public boolean won()
    {
        return won;
    }

    /**
     * Whether another caller already holds the recache token (meta {@code Z}).
     *
     * @return true if the token was sent before.
     */
    public boolean tokenAlreadySent()
    {
        return tokenAlreadySent;
    }

    /**
     * Whether this operation created the item (vivify on miss).
     *
     * @return true if created.
     */
    public boolean created()
    {
        return created;
    }

    /**
     * Whether the key was stored as binary (sent base64-encoded with meta {@code b}).
     *
     * @return true for a binary key.
     */
    public boolean keyBinary()
    {
        return keyBinary;
    }

    /**
     * The value after an increment or decrement, a 64-bit unsigned number: use {@link Long#toUnsignedString(long)}.
     *
     * @return the new numeric value.
     */
    public long numericValue()
    {
        return numericValue;
    }

    /**
     * What the last {@link MemcachedCache#inspect} into this holder found under the key, as memcached's fetchers log
     * names it: {@link ItemEvents#FOUND}, or for a miss {@link ItemEvents#NOT_FOUND}, {@link ItemEvents#EXPIRED} (the
     * item was there but expired, and is now gone) or {@link ItemEvents#FLUSHED} (it was there but flushed).
     *
     * @return one of the {@link ItemEvents} lookup results.
     */
    public int lookup()
    {
        return lookup;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "ItemInfo{flags=" + Integer.toUnsignedString(flags) + ", cas=" + cas + ", ttl=" + ttl +
            ", valueLength=" + valueLength + ", slabClass=" + slabClass + ", itemSize=" + itemSize +
            ", fetchedBefore=" + fetchedBefore + ", stale=" + stale + ", won=" + won +
            ", tokenAlreadySent=" + tokenAlreadySent + ", created=" + created + '}';
    }
}
