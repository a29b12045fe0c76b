/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class SmokeTest extends CacheTestSupport
{
    @Test
    void shouldStoreAndGet()
    {
        final MemcachedCache cache = cache();
        assertEquals(StoreResult.STORED, cache.set("k", b("hello")));
        assertEquals("hello", string(cache.get("k")));
        final ByteBuffer dst = ByteBuffer.allocate(16);
        assertEquals(5, cache.get(bytes("k"), dst));
        assertEquals(5, dst.position());
        assertNull(cache.get("missing"));
        for (int i = 0; i < 10_000; i++)
        {
            cache.set("key" + i, b("value" + i));
        }
        for (int i = 0; i < 10_000; i++)
        {
            assertEquals("value" + i, string(cache.get("key" + i)));
        }
        assertEquals(10_001, cache.stats().get("curr_items"));
    }
}
