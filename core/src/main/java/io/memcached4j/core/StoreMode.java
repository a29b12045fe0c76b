/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * How a store treats an existing item: memcached's storage commands.
 */
public enum StoreMode
{
    /**
     * Store unconditionally ({@code set}).
     */
    SET,

    /**
     * Store only if the key is absent ({@code add}); an existing item is bumped in the LRU instead.
     */
    ADD,

    /**
     * Store only if the key is present ({@code replace}).
     */
    REPLACE,

    /**
     * Add the data after the existing value, keeping its flags and expiry ({@code append}).
     */
    APPEND,

    /**
     * Add the data before the existing value, keeping its flags and expiry ({@code prepend}).
     */
    PREPEND,

    /**
     * Store only if the item's CAS value equals the one given ({@code cas}).
     */
    CAS
}
