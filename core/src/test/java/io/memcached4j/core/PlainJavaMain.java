/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Run by {@link FlagFreeJvmTest} in a plain {@code java -cp} with no JVM option: drives the zero-allocation and the
 * {@code byte[]} API, measures what the calling thread allocates per operation, and prints a summary on stdout.
 * Exits non-zero on any wrong answer.
 */
public final class PlainJavaMain
{
    private static final int KEYS = 10_000;
    private static final int ROUNDS = 20;

    private PlainJavaMain()
    {
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            System.out.println("FAILED: " + what);
            System.exit(2);
        }
    }

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /**
     * Entry point.
     *
     * @param args unused.
     */
    public static void main(final String[] args)
    {
        try (MemcachedCache cache = MemcachedCache.builder().memoryLimit(32L << 20).build())
        {
            check(cache.set("greeting", "hello".getBytes(StandardCharsets.UTF_8)) == StoreResult.STORED, "set");
            check(Arrays.equals("hello".getBytes(StandardCharsets.UTF_8), cache.get("greeting")), "get");
            check(cache.incr("n", 1).isEmpty(), "incr miss");

            final ByteBuffer keys = ByteBuffer.allocateDirect(KEYS * 16);
            for (int i = 0; i < KEYS; i++)
            {
                keys.put(String.format("key:%012d", i).getBytes(StandardCharsets.US_ASCII));
            }
            final ByteBuffer miss = ByteBuffer.allocateDirect(16);
            miss.put("nokey:0000000000".getBytes(StandardCharsets.US_ASCII)).flip();
            final ByteBuffer value = ByteBuffer.allocateDirect(100);
            final ByteBuffer dst = ByteBuffer.allocateDirect(128);
            long setBytes = 0;
            long getBytes = 0;
            long missBytes = 0;
            final long probe = allocated();
            final long overhead = allocated() - probe;
            for (int round = 0; round < ROUNDS; round++)
            {
                final long a = allocated();
                for (int i = 0; i < KEYS; i++)
                {
                    keys.limit(i * 16 + 16).position(i * 16);
                    value.clear();
                    check(cache.set(keys, value, 0, 0) == StoreResult.STORED, "zero-allocation set");
                }
                final long b = allocated();
                for (int i = 0; i < KEYS; i++)
                {
                    keys.limit(i * 16 + 16).position(i * 16);
                    dst.clear();
                    check(cache.get(keys, dst) == 100, "zero-allocation get");
                }
                final long c = allocated();
                for (int i = 0; i < KEYS; i++)
                {
                    dst.clear();
                    miss.position(0);
                    check(cache.get(miss, dst) == MemcachedCache.MISS, "zero-allocation miss");
                }
                final long d = allocated();
                if (round >= ROUNDS / 2)
                {
                    setBytes += b - a - overhead;
                    getBytes += c - b - overhead;
                    missBytes += d - c - overhead;
                }
            }
            final double ops = (double)KEYS * (ROUNDS - ROUNDS / 2);
            System.out.printf("path=%s set=%.3f get=%.3f miss=%.3f B/op items=%d%n",
                MemoryPath.selected(), setBytes / ops, getBytes / ops, missBytes / ops,
                cache.stats().get("curr_items"));
        }
    }
}
