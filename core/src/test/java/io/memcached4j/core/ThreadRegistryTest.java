/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Threads that come and go: an application server may run every request on a thread of its own (a virtual thread, in
 * JDK 21 and later), so the cache sees as many threads as requests. Registering a thread must cost a constant amount
 * of work on average, a dead thread's context must be reused, and no thread's counts may be lost or counted twice.
 */
class ThreadRegistryTest extends CacheTestSupport
{
    private static final byte[] VALUE = "value".getBytes(StandardCharsets.US_ASCII);

    @Test
    void shouldReuseTheContextsOfThreadsThatDied() throws InterruptedException
    {
        final MemcachedCache cache = cacheWithKey();
        final int threads = 2_000;
        runThreads(cache, threads);
        final long[] figures = ((Engine)cache).registryFigures();
        // the test's thread plus a handful of threads alive at once: a full array's worth of contexts at most
        assertTrue(figures[1] <= 2 * 16 + 1, () -> "contexts made: " + figures[1]);
        assertTrue(figures[0] <= 16, () -> "contexts registered: " + figures[0]);
        assertEquals(threads, cache.stats().get("get_hits"));
        assertEquals(1, cache.stats().get("cmd_set"));
    }

    /**
     * Many threads alive at once, each registering: before, each registration walked and copied every context, so
     * 50,000 virtual threads took minutes to make one get each. The work is now counted, not timed.
     */
    @Test
    void shouldRegisterManyLiveThreadsInLinearWork() throws InterruptedException
    {
        final MemcachedCache cache = cacheWithKey();
        final Engine engine = (Engine)cache;
        final int threads = 1_000;
        final CountDownLatch done = new CountDownLatch(threads);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++)
        {
            final Thread thread = new Thread(() ->
            {
                cache.get("key");
                done.countDown();
                awaitQuietly(release);
            });
            thread.start();
            started.add(thread);
        }
        done.await();
        final long[] live = engine.registryFigures();
        assertEquals(threads + 1, live[0], "every live thread has its context");
        assertTrue(live[2] <= 4L * threads, () -> "contexts looked at by sweeps: " + live[2]);
        release.countDown();
        for (final Thread thread : started)
        {
            thread.join();
        }
        final long made = engine.registryFigures()[1];
        // the next threads fill the array, whose sweep then keeps dead threads' contexts for those after them
        runThreads(cache, 2_000);
        final long[] after = engine.registryFigures();
        assertTrue(after[1] - made <= 1024 - threads, () -> "contexts made: " + made + ", then " + after[1]);
        assertTrue(after[0] <= 16, () -> "contexts registered: " + after[0]);
        assertEquals(threads + 2_000, cache.stats().get("get_hits"));
    }

    @Test
    void shouldKeepTheCountsOfRetiredThreadsAcrossStatsReset() throws InterruptedException
    {
        final MemcachedCache cache = cacheWithKey();
        runThreads(cache, 40);
        assertEquals(40, cache.stats().get("get_hits"));
        cache.resetStats();
        runThreads(cache, 40);
        assertEquals(40, cache.stats().get("get_hits"), "counted once, after the reset");
    }

    /**
     * Short-lived threads queue bumps that hold their items and die, while the registry sweeps and reuses their
     * contexts and another thread applies queued bumps and sums the counters: no bump is lost or applied twice (no item
     * stays referenced), and every get is counted once.
     */
    @Test
    void shouldLoseNoBumpAndNoCountWhileThreadsComeAndGo() throws InterruptedException
    {
        final MemcachedCache cache = cache(builder().memoryLimit(64L << 20).lruSegmented(false).slabAutomove(0));
        final Engine engine = (Engine)cache;
        engine.store.holdQueuedBumps = true;
        final int keys = 500;
        for (int i = 0; i < keys; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("key:" + i, VALUE));
        }
        // the items were linked into COLD by the flat LRU: gets of them now queue bumps
        assertTrue(cache.admin().lruMode(true));
        final int spawners = 4;
        final int threadsEach = 300;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong applied = new AtomicLong();
        final Thread drainer = new Thread(() ->
        {
            while (running.get())
            {
                applied.addAndGet(engine.drainBumps());
                cache.stats();
            }
        });
        drainer.start();
        final List<Thread> spawning = new ArrayList<>();
        for (int s = 0; s < spawners; s++)
        {
            final int first = s;
            final Thread spawner = new Thread(() ->
            {
                try
                {
                    for (int t = 0; t < threadsEach; t++)
                    {
                        final int key = (first * threadsEach + t) % keys;
                        final Thread reader = new Thread(() ->
                        {
                            // the second get of a cold item queues a bump that holds it
                            for (int g = 0; g < 2; g++)
                            {
                                if (cache.get("key:" + key) == null)
                                {
                                    failure.compareAndSet(null, new AssertionError("key:" + key + " missed"));
                                }
                            }
                        });
                        reader.start();
                        reader.join();
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            });
            spawner.start();
            spawning.add(spawner);
        }
        for (final Thread spawner : spawning)
        {
            spawner.join();
        }
        running.set(false);
        drainer.join();
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertEquals(2L * spawners * threadsEach, cache.stats().get("get_hits"));
        assertTrue(applied.get() > 0, "bumps were queued and applied while threads came and went");
        // the walker applies the bumps still queued, then finds no item referenced
        new StructureWalker(cache).check();
        assertEquals(0, new StructureWalker(cache).referenced());
    }

    private MemcachedCache cacheWithKey()
    {
        final MemcachedCache cache = cache(builder().memoryLimit(16L << 20));
        assertEquals(StoreResult.STORED, cache.set("key", VALUE));
        return cache;
    }

    private static void runThreads(final MemcachedCache cache, final int count) throws InterruptedException
    {
        for (int i = 0; i < count; i++)
        {
            final Thread thread = new Thread(() -> cache.get("key"));
            thread.start();
            thread.join();
        }
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
