/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * How a delete behaves: memcached's {@code delete} and the meta {@code md} flags. Mutable and reusable; not
 * threadsafe.
 */
public final class DeleteOptions
{
    long compareCas;
    boolean compareGiven;
    long casIn;
    boolean casGiven;
    boolean invalidate;
    boolean touch;
    int touchExptime;
    boolean removeValue;
    int clientFlags;
    boolean meta;

    /**
     * Default options: a plain {@code delete}.
     */
    public DeleteOptions()
    {
    }

    /**
     * Back to a plain {@code delete}.
     *
     * @return this.
     */
    public DeleteOptions reset()
    {
        compareCas = 0;
        compareGiven = false;
        casIn = 0;
        casGiven = false;
        invalidate = false;
        touch = false;
        touchExptime = 0;
        removeValue = false;
        clientFlags = 0;
        meta = false;
        return this;
    }

    /**
     * Delete only if the item's CAS value is this, 0 included (meta {@code C}: memcached's {@code md} compares the
     * value as given, so {@code C0} matches only an item of CAS 0, which with CAS enabled only {@code E0} makes).
     * Without this call nothing is compared. The binary protocol's CAS of 0 means no comparison: do not call this then.
     *
     * @param cas the expected CAS value.
     * @return this.
     */
    public DeleteOptions compareCas(final long cas)
    {
        this.compareCas = cas;
        this.compareGiven = true;
        return this;
    }

    /**
     * The CAS value to give an invalidated or emptied item (meta {@code E}), 0 included, as memcached's {@code E0}
     * gives CAS 0. Without this call an invalidated item takes a new one and an emptied item keeps its own.
     *
     * @param cas the CAS value.
     * @return this.
     */
    public DeleteOptions casIn(final long cas)
    {
        this.casIn = cas;
        this.casGiven = true;
        return this;
    }

    /**
     * Meta {@code I}: mark the item stale (with a new CAS) instead of removing it.
     *
     * @param invalidate whether to invalidate rather than delete.
     * @return this.
     */
    public DeleteOptions invalidate(final boolean invalidate)
    {
        this.invalidate = invalidate;
        return this;
    }

    /**
     * Meta {@code T}: the new expiry of an invalidated item, or of the empty item left by {@link #removeValue}.
     *
     * @param exptime memcached exptime.
     * @return this.
     */
    public DeleteOptions touch(final int exptime)
    {
        this.touch = true;
        this.touchExptime = exptime;
        return this;
    }

    /**
     * Meta {@code x}: replace the value with an empty one and keep the item.
     *
     * @param removeValue whether to keep an empty item.
     * @return this.
     */
    public DeleteOptions removeValue(final boolean removeValue)
    {
        this.removeValue = removeValue;
        return this;
    }

    /**
     * Meta {@code F}: client flags of the empty item left by {@link #removeValue}.
     *
     * @param flags the client flags.
     * @return this.
     */
    public DeleteOptions clientFlags(final int flags)
    {
        this.clientFlags = flags;
        return this;
    }

    /**
     * Whether the delete is memcached's meta {@code md} rather than {@code delete} or the binary protocol's: {@code md}
     * counts a CAS mismatch ({@link #compareCas}) in {@code delete_misses}, where the binary delete counts nothing, and
     * memcached's deletions log ({@link ItemEvents#deleted}) names the command.
     *
     * @param meta true for {@code md}.
     * @return this.
     */
    public DeleteOptions meta(final boolean meta)
    {
        this.meta = meta;
        return this;
    }
}
