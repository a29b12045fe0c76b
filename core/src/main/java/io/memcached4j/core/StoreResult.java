/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * The outcome of a store, with memcached's names.
 */
public enum StoreResult
{
    /**
     * Stored ({@code STORED}).
     */
    STORED,

    /**
     * The mode's condition failed: add on a present key, replace/append/prepend on an absent one
     * ({@code NOT_STORED}); also an append or prepend whose result would exceed the item size limit, which keeps
     * the old value, as memcached answers it.
     */
    NOT_STORED,

    /**
     * The CAS value did not match ({@code EXISTS}).
     */
    EXISTS,

    /**
     * A CAS store found no item ({@code NOT_FOUND}).
     */
    NOT_FOUND,

    /**
     * The item exceeds the item size limit ({@code SERVER_ERROR object too large for cache}); a {@link StoreMode#SET}
     * also removes the key's old value, as memcached does.
     */
    TOO_LARGE,

    /**
     * No memory could be found for the item, because evictions are disabled or every candidate was busy
     * ({@code SERVER_ERROR out of memory storing object}); a {@link StoreMode#SET} also removes the key's old value.
     */
    NO_MEMORY
}
