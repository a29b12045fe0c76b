/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zero-allocation {@code get} into a {@code ByteBuffer} takes a shorter path for the common item (no client
 * flags, not chunked, no expiry, no flush pending) and leaves everything else to the general fetch. Two caches on
 * the same clock receive the same random operations; one is read with {@code get(ByteBuffer, ByteBuffer)}, the
 * other with {@code get(byte[])}, which always takes the general path. Answers, the items' access state and the
 * statistics must be the same. The seed is printed on failure.
 */
class ByteBufferGetTest extends CacheTestSupport
{
    private static final int KEYS = 64;
    private static final int STEPS = 20_000;
    private static final List<String> STATS = List.of(
        "cmd_get", "get_hits", "get_misses", "get_expired", "get_flushed", "curr_items", "total_items", "evictions");

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldAnswerAsTheGeneralGetDoes(final boolean casEnabled)
    {
        final long seed = System.nanoTime();
        final String context = "seed " + seed + ", CAS " + casEnabled;
        final SplittableRandom random = new SplittableRandom(seed);
        final MemcachedCache buffers = cache(builder().casEnabled(casEnabled).memoryLimit(64L << 20));
        final MemcachedCache arrays = cache(builder().casEnabled(casEnabled).memoryLimit(64L << 20));
        final ItemInfo infoA = new ItemInfo();
        final ItemInfo infoB = new ItemInfo();
        for (int step = 0; step < STEPS; step++)
        {
            final String key = "key:" + random.nextInt(KEYS);
            final byte[] keyBytes = key.getBytes(StandardCharsets.US_ASCII);
            final int op = random.nextInt(100);
            if (op < 30)
            {
                final byte[] value = value(random);
                final int flags = random.nextInt(4) == 0 ? random.nextInt() : 0;
                final int exptime = exptime(random);
                assertEquals(arrays.set(key, value, flags, exptime), buffers.set(key, value, flags, exptime), context);
            }
            else if (op < 33)
            {
                assertEquals(arrays.delete(key), buffers.delete(key), context);
            }
            else if (op < 34)
            {
                final int delay = random.nextBoolean() ? 0 : random.nextInt(5);
                arrays.flushAll(delay);
                buffers.flushAll(delay);
            }
            else if (op < 37)
            {
                clock.advance(1 + random.nextInt(3));
            }
            else
            {
                final ByteBuffer dst = random.nextBoolean() ?
                    ByteBuffer.allocateDirect(random.nextInt(4) == 0 ? random.nextInt(64) : 4096) :
                    ByteBuffer.allocate(random.nextInt(4) == 0 ? random.nextInt(64) : 4096);
                final int position = dst.capacity() > 8 ? random.nextInt(8) : 0;
                dst.position(position);
                final int length = buffers.get(ByteBuffer.wrap(keyBytes), dst);
                final byte[] expected = arrays.get(keyBytes);
                if (expected == null)
                {
                    assertEquals(MemcachedCache.MISS, length, context + ", step " + step);
                    assertEquals(position, dst.position(), context);
                }
                else
                {
                    assertEquals(expected.length, length, context + ", step " + step);
                    if (length <= dst.capacity() - position)
                    {
                        assertEquals(position + length, dst.position(), context);
                        final byte[] got = new byte[length];
                        dst.get(position, got);
                        assertTrue(Arrays.equals(expected, got), context + ", step " + step);
                    }
                    else
                    {
                        assertEquals(position, dst.position(), context);
                    }
                }
                final boolean foundA = buffers.inspect(ByteBuffer.wrap(keyBytes), infoA);
                final boolean foundB = arrays.inspect(ByteBuffer.wrap(keyBytes), infoB);
                assertEquals(foundB, foundA, context + ", step " + step);
                if (foundA)
                {
                    assertEquals(infoB.fetchedBefore(), infoA.fetchedBefore(), context + ", step " + step);
                    assertEquals(infoB.lru, infoA.lru, context + ", step " + step);
                    assertEquals(infoB.secondsSinceAccess(), infoA.secondsSinceAccess(), context);
                }
            }
        }
        final CacheStats a = buffers.stats();
        final CacheStats b = arrays.stats();
        assertTrue(b.get("get_hits") > STEPS / 10, context + ": too few hits to tell, " + b);
        for (final String name : STATS)
        {
            assertEquals(b.get(name), a.get(name), context + ", " + name);
        }
    }

    private static byte[] value(final SplittableRandom random)
    {
        final int kind = random.nextInt(50);
        // now and then a value larger than the largest chunk, which the engine chains
        final int length = kind == 0 ? 600_000 + random.nextInt(1000) : kind < 10 ? random.nextInt(8) :
            random.nextInt(3000);
        final byte[] value = new byte[length];
        random.nextBytes(value);
        return value;
    }

    private static int exptime(final SplittableRandom random)
    {
        final int kind = random.nextInt(10);
        return kind < 6 ? 0 : kind < 9 ? 1 + random.nextInt(10) : -1;
    }
}
