/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * A key that memcached does not accept: empty, or longer than {@value CacheConfig#KEY_MAX_LENGTH} bytes; or a
 * {@link String} key that has no UTF-8 form (not well-formed UTF-16, such as one with an unpaired surrogate). Any
 * byte value is allowed in a key; only the text protocol splits on spaces. Thrown before the cache is touched.
 */
public final class InvalidKeyException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    /**
     * A key of a length memcached rejects.
     *
     * @param length the key's length in bytes.
     */
    public InvalidKeyException(final int length)
    {
        super("key length must be 1 to " + CacheConfig.KEY_MAX_LENGTH + " bytes, not " + length);
    }

    /**
     * A key refused for another reason than its length.
     *
     * @param message why.
     */
    InvalidKeyException(final String message)
    {
        super(message);
    }
}
