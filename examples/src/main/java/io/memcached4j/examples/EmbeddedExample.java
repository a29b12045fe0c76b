/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.examples;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.memcached4j.core.MemcachedCache;

/**
 * The README's example: an embedded cache used through the {@code byte[]} and the zero-allocation levels.
 * {@code EmbeddedExampleTest} runs it in the build.
 */
public final class EmbeddedExample
{
    private EmbeddedExample()
    {
    }

    /**
     * Entry point.
     *
     * @param args unused.
     */
    public static void main(final String[] args)
    {
        try (MemcachedCache cache = MemcachedCache.builder()
            .memoryLimit(256L << 20)
            .itemSizeMax(1 << 20)
            .build())
        {
            cache.set("greeting", "hello".getBytes(StandardCharsets.UTF_8), 0, 0);
            final byte[] value = cache.get("greeting");

            final ByteBuffer key = ByteBuffer.wrap("greeting".getBytes(StandardCharsets.US_ASCII));
            final ByteBuffer dst = ByteBuffer.allocateDirect(1024);
            final int length = cache.get(key, dst);

            System.out.println(new String(value, StandardCharsets.UTF_8) + " (" + length + " bytes)");
        }
    }
}
