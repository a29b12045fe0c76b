/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closes caches while four threads get and set on them, round after round, in a JVM of its own
 * ({@link CloseWhileInUseTest}): memory freed under a running operation would crash this JVM or corrupt its C heap.
 * Prints how the racing operations ended, then {@code survived}.
 */
public final class CloseRaceMain
{
    private static final int ROUNDS = 30;
    private static final int THREADS = 4;
    private static final int KEYS = 2000;

    private CloseRaceMain()
    {
    }

    /**
     * Run the rounds.
     *
     * @param args unused.
     * @throws InterruptedException if interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        for (int round = 0; round < ROUNDS; round++)
        {
            final MemcachedCache cache = MemcachedCache.builder().memoryLimit(16L << 20).build();
            for (int i = 0; i < KEYS; i++)
            {
                cache.set("k" + i, new byte[500]);
            }
            final CountDownLatch started = new CountDownLatch(THREADS);
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread[] threads = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++)
            {
                threads[t] = new Thread(() -> race(cache, started, stop, outcomes));
                threads[t].start();
            }
            started.await();
            Thread.sleep(20);
            cache.close();
            Thread.sleep(10);
            stop.set(true);
            for (final Thread thread : threads)
            {
                thread.join();
            }
        }
        outcomes.forEach((outcome, count) -> System.out.println(count + " x " + outcome));
        System.out.println("survived");
    }

    private static void race(
        final MemcachedCache cache, final CountDownLatch started, final AtomicBoolean stop,
        final Map<String, AtomicLong> outcomes)
    {
        final ByteBuffer dst = ByteBuffer.allocateDirect(1024);
        final ByteBuffer key = ByteBuffer.allocateDirect(16);
        final ByteBuffer value = ByteBuffer.allocateDirect(500);
        started.countDown();
        for (int i = 0; !stop.get(); i++)
        {
            try
            {
                key.clear();
                key.put(("k" + (i % KEYS)).getBytes(java.nio.charset.StandardCharsets.US_ASCII)).flip();
                dst.clear();
                if ((i & 1) == 0)
                {
                    cache.get(key, dst);
                }
                else
                {
                    cache.set(key, value.clear(), 0, 0);
                }
            }
            catch (final RuntimeException ex)
            {
                outcomes.computeIfAbsent(ex.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
                if (ex instanceof IllegalStateException)
                {
                    return;
                }
            }
        }
    }
}
