/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * The outcome of a delete.
 */
public enum DeleteResult
{
    /**
     * Deleted, or marked stale when invalidating ({@code DELETED}, meta {@code HD}).
     */
    DELETED,

    /**
     * No such item ({@code NOT_FOUND}, meta {@code NF}).
     */
    NOT_FOUND,

    /**
     * The CAS value did not match (meta {@code EX}).
     */
    EXISTS,

    /**
     * The empty replacement item could not be stored (meta {@code NS}).
     */
    NOT_STORED,

    /**
     * No memory for the empty replacement item ({@code SERVER_ERROR out of memory}).
     */
    NO_MEMORY
}
