/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * The outcome of an increment or decrement.
 */
public enum DeltaResult
{
    /**
     * Done, or created from the initial value; the new value is in {@link ItemInfo#numericValue()}.
     */
    OK,

    /**
     * No such item and none created ({@code NOT_FOUND}).
     */
    NOT_FOUND,

    /**
     * The value is not a decimal number ({@code CLIENT_ERROR cannot increment or decrement non-numeric value}).
     */
    NON_NUMERIC,

    /**
     * The CAS value did not match (meta {@code EX}).
     */
    EXISTS,

    /**
     * The new item could not be stored (meta {@code NS}).
     */
    NOT_STORED,

    /**
     * No memory for the longer value ({@code SERVER_ERROR out of memory}).
     */
    NO_MEMORY
}
