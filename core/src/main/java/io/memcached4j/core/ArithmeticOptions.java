/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * How an increment or decrement behaves: memcached's {@code incr}/{@code decr}, the binary protocol's counters and the
 * meta {@code ma} flags. Mutable and reusable; not threadsafe.
 */
public final class ArithmeticOptions
{
    boolean incr = true;
    long delta = 1;
    long initial;
    boolean vivify;
    boolean vivifyAfterTouch;
    int vivifyExptime;
    long compareCas;
    long casIn;
    boolean casGiven;
    boolean touch;
    int touchExptime;
    boolean newItem;

    /**
     * Default options: increment by one.
     */
    public ArithmeticOptions()
    {
    }

    /**
     * Back to increment by one.
     *
     * @return this.
     */
    public ArithmeticOptions reset()
    {
        incr = true;
        delta = 1;
        initial = 0;
        vivify = false;
        vivifyAfterTouch = false;
        vivifyExptime = 0;
        compareCas = 0;
        casIn = 0;
        casGiven = false;
        touch = false;
        touchExptime = 0;
        newItem = false;
        return this;
    }

    /**
     * Store the result as a new item even when it would fit in the old value's bytes. memcached writes a shorter
     * result over the old one in place, padded with spaces, only when nobody else holds the item; a server whose
     * reply still to be sent refers to the item (memcached's reply holds a reference until it is sent) asks for
     * this, so the result has its own length, as in memcached.
     *
     * @param newItem true for a new item.
     * @return this.
     */
    public ArithmeticOptions newItem(final boolean newItem)
    {
        this.newItem = newItem;
        return this;
    }

    /**
     * Increment (wrapping at 2^64) or decrement (stopping at 0).
     *
     * @param incr true to increment.
     * @return this.
     */
    public ArithmeticOptions incr(final boolean incr)
    {
        this.incr = incr;
        return this;
    }

    /**
     * The amount, a 64-bit unsigned number.
     *
     * @param delta the delta.
     * @return this.
     */
    public ArithmeticOptions delta(final long delta)
    {
        this.delta = delta;
        return this;
    }

    /**
     * On a miss, create the item holding {@code initial} with this expiry (meta {@code N} with {@code J}, or the
     * binary protocol's initial value).
     *
     * @param initial the initial value, 64-bit unsigned.
     * @param exptime memcached exptime of the created item.
     * @return this.
     */
    public ArithmeticOptions vivify(final long initial, final int exptime)
    {
        this.vivify = true;
        this.initial = initial;
        this.vivifyExptime = exptime;
        return this;
    }

    /**
     * Which expiry an item created by {@link #vivify(long, int)} keeps when {@link #touch(int)} is given too:
     * memcached's {@code ma} applies {@code T} and {@code N} in the order of the request's flags.
     *
     * @param vivifyAfterTouch true when {@code N} comes after {@code T} (the vivify expiry wins).
     * @return this.
     */
    public ArithmeticOptions vivifyAfterTouch(final boolean vivifyAfterTouch)
    {
        this.vivifyAfterTouch = vivifyAfterTouch;
        return this;
    }

    /**
     * Only change the item if its CAS value is this (meta {@code C}); 0 compares nothing.
     *
     * @param cas the expected CAS value.
     * @return this.
     */
    public ArithmeticOptions compareCas(final long cas)
    {
        this.compareCas = cas;
        return this;
    }

    /**
     * The CAS value to give the changed item (meta {@code E}), 0 included, as memcached's {@code E0} gives CAS 0.
     * Without this call the item takes a new one.
     *
     * @param cas the CAS value.
     * @return this.
     */
    public ArithmeticOptions casIn(final long cas)
    {
        this.casIn = cas;
        this.casGiven = true;
        return this;
    }

    /**
     * Meta {@code T}: set a new expiry on the item.
     *
     * @param exptime memcached exptime.
     * @return this.
     */
    public ArithmeticOptions touch(final int exptime)
    {
        this.touch = true;
        this.touchExptime = exptime;
        return this;
    }
}
