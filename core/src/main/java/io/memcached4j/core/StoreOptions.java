/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * How a store behaves: memcached's storage commands and the meta {@code ms} flags. Mutable and reusable; not
 * threadsafe.
 */
public final class StoreOptions
{
    StoreMode mode = StoreMode.SET;
    long compareCas;
    long casIn;
    boolean invalidate;
    boolean vivify;
    int vivifyExptime;
    boolean keyBinary;
    boolean deleteOnFailure = true;
    boolean countFailure = true;

    /**
     * Default options: a plain {@code set}.
     */
    public StoreOptions()
    {
    }

    /**
     * Back to a plain {@code set}.
     *
     * @return this.
     */
    public StoreOptions reset()
    {
        mode = StoreMode.SET;
        compareCas = 0;
        casIn = 0;
        invalidate = false;
        vivify = false;
        vivifyExptime = 0;
        keyBinary = false;
        deleteOnFailure = true;
        countFailure = true;
        return this;
    }

    /**
     * Take every option of another instance.
     *
     * @param from the options to copy.
     */
    void copyFrom(final StoreOptions from)
    {
        mode = from.mode;
        compareCas = from.compareCas;
        casIn = from.casIn;
        invalidate = from.invalidate;
        vivify = from.vivify;
        vivifyExptime = from.vivifyExptime;
        keyBinary = from.keyBinary;
        deleteOnFailure = from.deleteOnFailure;
        countFailure = from.countFailure;
    }

    /**
     * The storage command. Choosing a mode also sets {@link #deleteOnFailure(boolean)} to memcached's rule for it:
     * only {@link StoreMode#SET} removes the old value when the new one cannot be stored.
     *
     * @param mode the mode.
     * @return this.
     */
    public StoreOptions mode(final StoreMode mode)
    {
        this.mode = mode;
        this.deleteOnFailure = mode == StoreMode.SET;
        return this;
    }

    /**
     * The CAS value the existing item must have: the {@code cas} command's unique, meta {@code C}, or the binary
     * protocol's header CAS. 0 compares nothing.
     *
     * @param cas the expected CAS value.
     * @return this.
     */
    public StoreOptions compareCas(final long cas)
    {
        this.compareCas = cas;
        return this;
    }

    /**
     * The CAS value to give the stored item (meta {@code E}); 0 for a new one.
     *
     * @param cas the CAS value, or 0.
     * @return this.
     */
    public StoreOptions casIn(final long cas)
    {
        this.casIn = cas;
        return this;
    }

    /**
     * Meta {@code I}: with a compared CAS lower than the item's, store the value marked stale instead of failing.
     *
     * @param invalidate whether to allow a stale store.
     * @return this.
     */
    public StoreOptions invalidate(final boolean invalidate)
    {
        this.invalidate = invalidate;
        return this;
    }

    /**
     * Meta {@code N} with append or prepend: create the item with this expiry when it is missing.
     *
     * @param exptime memcached exptime of the created item.
     * @return this.
     */
    public StoreOptions vivify(final int exptime)
    {
        this.vivify = true;
        this.vivifyExptime = exptime;
        return this;
    }

    /**
     * Mark the key as binary (meta {@code b}): dumps print it base64-encoded.
     *
     * @param keyBinary whether the key is binary.
     * @return this.
     */
    public StoreOptions keyBinary(final boolean keyBinary)
    {
        this.keyBinary = keyBinary;
        return this;
    }

    /**
     * Whether a store that fails for size or memory removes the key's old value. memcached does this for {@code set}
     * and for every meta {@code ms}; the default follows {@link #mode(StoreMode)}.
     *
     * @param delete whether to remove the old value on failure.
     * @return this.
     */
    public StoreOptions deleteOnFailure(final boolean delete)
    {
        this.deleteOnFailure = delete;
        return this;
    }

    /**
     * Whether a store that fails for size or memory counts in {@code store_too_large} or {@code store_no_memory}
     * (the default). memcached's binary protocol counts neither; its text and meta commands count both.
     *
     * @param count whether to count the failure.
     * @return this.
     */
    public StoreOptions countFailure(final boolean count)
    {
        this.countFailure = count;
        return this;
    }
}
