/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

/**
 * Many threads on a small key space with every kind of operation, while the background agents run. Values carry
 * their key and a checksum, so a torn or misplaced read is caught; CAS-based counters must lose no update and
 * {@code incr} totals must add up. Afterwards the structures are walked. Bounded in time; runs on both memory paths.
 */
class ConcurrencyStressTest extends CacheTestSupport
{
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int THREADS = 6;
    private static final int MAX_VALUE = 700_100;

    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

    private static byte[] value(final int key, final long seq, final int payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + 8 + payload + 8);
        b.putLong(key).putLong(seq);
        for (int i = 0; i < payload; i++)
        {
            b.put((byte)(seq + i));
        }
        final CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putLong(crc.getValue());
        return b.array();
    }

    private static void verify(final int key, final byte[] value, final int length)
    {
        if (length < 24)
        {
            throw new AssertionError("value of key " + key + " too short: " + length);
        }
        final ByteBuffer b = ByteBuffer.wrap(value, 0, length);
        final long storedKey = b.getLong(0);
        final CRC32C crc = new CRC32C();
        crc.update(value, 0, length - 8);
        if (crc.getValue() != b.getLong(length - 8))
        {
            throw new AssertionError("torn value for key " + key + " (" + length + " bytes)");
        }
        if (storedKey != key)
        {
            throw new AssertionError("key " + key + " returned the value of key " + storedKey);
        }
    }

    private void runThreads(final MemcachedCache cache, final Runnable... bodies) throws InterruptedException
    {
        final AtomicBoolean stopBackground = new AtomicBoolean();
        final Thread agents = new Thread(() ->
        {
            while (!stopBackground.get())
            {
                try
                {
                    if (cache.backgroundWork().doWork() == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
                catch (final Throwable t)
                {
                    failures.add(t);
                    return;
                }
            }
        }, "stress-agents");
        agents.start();
        final List<Thread> threads = new ArrayList<>();
        for (final Runnable body : bodies)
        {
            final Thread t = new Thread(() ->
            {
                try
                {
                    body.run();
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                }
            });
            threads.add(t);
            t.start();
        }
        final Thread ticker = new Thread(() ->
        {
            final long end = System.nanoTime() + RUN_NANOS;
            while (System.nanoTime() < end && failures.isEmpty())
            {
                clock.advance(1);
                try
                {
                    Thread.sleep(200);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        });
        ticker.start();
        ticker.join();
        for (final Thread t : threads)
        {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!t.isAlive(), "a stress thread did not finish");
        }
        stopBackground.set(true);
        agents.join();
        if (!failures.isEmpty())
        {
            final AssertionError error = new AssertionError(failures.size() + " failures, first: " + failures.peek(),
                failures.peek());
            throw error;
        }
    }

    private static boolean running(final long end)
    {
        return System.nanoTime() < end;
    }

    private Runnable mixed(final MemcachedCache cache, final int keys, final int maxPayload)
    {
        return () ->
        {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final ByteBuffer dst = ByteBuffer.allocateDirect(MAX_VALUE);
            final ItemInfo info = new ItemInfo();
            final FetchOptions gat = new FetchOptions();
            final long end = System.nanoTime() + RUN_NANOS;
            final byte[] copy = new byte[MAX_VALUE];
            long seq = 0;
            final ItemReader reader = cache.newReader();
            {
                while (running(end) && failures.isEmpty())
                {
                    final int key = random.nextInt(keys);
                    final String name = "key:" + key;
                    final int op = random.nextInt(100);
                    if (op < 35)
                    {
                        cache.set(name, value(key, ++seq, random.nextInt(maxPayload)), 0,
                            random.nextInt(10) == 0 ? 1 + random.nextInt(3) : 0);
                    }
                    else if (op < 75)
                    {
                        dst.clear();
                        final int length = cache.get(bytes(name), dst, info);
                        if (length >= 0)
                        {
                            dst.flip();
                            dst.get(copy, 0, length);
                            verify(key, copy, length);
                        }
                    }
                    else if (op < 80)
                    {
                        cache.delete(name);
                    }
                    else if (op < 85)
                    {
                        dst.clear();
                        gat.reset().touch(random.nextInt(5));
                        final int length = cache.fetch(bytes(name), gat, dst, info);
                        if (length >= 0)
                        {
                            dst.flip();
                            dst.get(copy, 0, length);
                            verify(key, copy, length);
                        }
                    }
                    else if (op < 92)
                    {
                        final int length = reader.open(bytes(name), new FetchOptions(), info, null);
                        if (length >= 0)
                        {
                            final ByteBuffer all = ByteBuffer.allocate(length);
                            final ByteBuffer piece = ByteBuffer.allocate(97);
                            while (reader.remaining() > 0)
                            {
                                piece.clear();
                                reader.read(piece);
                                piece.flip();
                                all.put(piece);
                                if (random.nextInt(4) == 0)
                                {
                                    Thread.yield();
                                }
                            }
                            reader.close();
                            verify(key, all.array(), length);
                        }
                    }
                    else if (op < 95)
                    {
                        cache.store(StoreMode.ADD, name, value(key, ++seq, random.nextInt(maxPayload)), 0, 0, 0);
                    }
                    else
                    {
                        cache.touch(name, random.nextInt(3));
                    }
                }
            }
        };
    }

    private Runnable casCounter(final MemcachedCache cache, final int counters, final AtomicLong successes)
    {
        return () ->
        {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final long end = System.nanoTime() + RUN_NANOS;
            while (running(end) && failures.isEmpty())
            {
                final String name = "cas:" + random.nextInt(counters);
                final MemcachedCache.Entry entry = cache.getEntry(name);
                if (entry == null)
                {
                    throw new AssertionError(name + " vanished");
                }
                final long next = Long.parseLong(new String(entry.value(), java.nio.charset.StandardCharsets.US_ASCII)
                    .trim()) + 1;
                final StoreResult result = cache.store(StoreMode.CAS, name,
                    Long.toString(next).getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 0, entry.cas());
                if (result == StoreResult.STORED)
                {
                    successes.incrementAndGet();
                }
                else if (result != StoreResult.EXISTS)
                {
                    throw new AssertionError("cas gave " + result);
                }
            }
        };
    }

    private Runnable incrementer(final MemcachedCache cache, final int counters, final AtomicLong total)
    {
        return () ->
        {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final long end = System.nanoTime() + RUN_NANOS;
            while (running(end) && failures.isEmpty())
            {
                final long delta = 1 + random.nextInt(10);
                final OptionalLong result = cache.incr("incr:" + random.nextInt(counters), delta);
                if (result.isEmpty())
                {
                    throw new AssertionError("counter vanished");
                }
                total.addAndGet(delta);
            }
        };
    }

    @Test
    void shouldStayConsistentUnderMixedLoadWithPlentyOfMemory() throws InterruptedException
    {
        final MemcachedCache cache = cache(builder().memoryLimit(64L << 20));
        final int counters = 4;
        for (int i = 0; i < counters; i++)
        {
            cache.set("cas:" + i, "0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            cache.set("incr:" + i, "0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        final AtomicLong casSuccesses = new AtomicLong();
        final AtomicLong incrTotal = new AtomicLong();
        runThreads(cache,
            mixed(cache, 64, 300), mixed(cache, 64, 3000), mixed(cache, 64, 700_000),
            casCounter(cache, counters, casSuccesses), casCounter(cache, counters, casSuccesses),
            incrementer(cache, counters, incrTotal), incrementer(cache, counters, incrTotal));
        long casSum = 0;
        long incrSum = 0;
        for (int i = 0; i < counters; i++)
        {
            casSum += Long.parseLong(string(cache.get("cas:" + i)).trim());
            incrSum += Long.parseLong(string(cache.get("incr:" + i)).trim());
        }
        assertEquals(casSuccesses.get(), casSum, "cas-based counters lost updates");
        assertEquals(incrTotal.get(), incrSum, "incr totals do not add up");
        assertTrue(casSuccesses.get() > 0 && incrTotal.get() > 0);
    }

    @Test
    void shouldStayConsistentWhileEvictingAndMovingPages() throws InterruptedException
    {
        final MemcachedCache cache = cache(builder().memoryLimit(8L << 20).slabAutomove(2));
        final Runnable[] bodies = new Runnable[THREADS];
        for (int i = 0; i < THREADS; i++)
        {
            bodies[i] = mixed(cache, 5000, i % 2 == 0 ? 200 : 20_000);
        }
        runThreads(cache, bodies);
        final CacheStats stats = cache.stats();
        System.out.println("eviction stress: " + stats.general());
        assertTrue(stats.get("evictions") > 0, "the small cache should evict");
        assertTrue(stats.get("slabs_moved") > 0, "pages should have moved between classes");
        assertTrue(stats.totalMalloced() <= 8L << 20);
    }
    @Test
    void shouldStayConsistentWhilePagesMoveUnderReaders() throws InterruptedException
    {
        // memory to spare, so a page move can copy items out, including those a reader holds at that moment
        final MemcachedCache cache = cache(builder().memoryLimit(64L << 20));
        final Runnable[] bodies = new Runnable[THREADS];
        for (int i = 0; i < THREADS - 1; i++)
        {
            bodies[i] = mixed(cache, 5000, i % 2 == 0 ? 200 : 20_000);
        }
        bodies[THREADS - 1] = () ->
        {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final int largest = ((Engine)cache).slabs.largest();
            final long end = System.nanoTime() + RUN_NANOS;
            while (running(end) && failures.isEmpty())
            {
                cache.admin().slabsReassign(1 + random.nextInt(largest), 0);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        };
        runThreads(cache, bodies);
        final CacheStats stats = cache.stats();
        System.out.println("page move stress: " + stats.general());
        assertTrue(stats.get("slabs_moved") > 0, "pages should have moved");
        assertTrue(stats.get("slab_reassign_rescues") > 0, "items should have been copied out of moving pages");
    }
}
