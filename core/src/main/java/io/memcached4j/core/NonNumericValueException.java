/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * Thrown by the convenience {@code incr}/{@code decr} methods when the stored value is not a decimal number, where the
 * zero-allocation methods return {@link DeltaResult#NON_NUMERIC}.
 */
public final class NonNumericValueException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * The value under the key is not a number.
     */
    public NonNumericValueException()
    {
        super("cannot increment or decrement non-numeric value");
    }
}
