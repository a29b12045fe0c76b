/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Queued COLD-to-WARM bumps hold a reference to their item while a maintainer thread is to apply them
 * ({@link ItemStore#holdQueuedBumps}): every such reference must be dropped, whatever happens to the thread that
 * queued the bump or to the maintainer.
 */
class QueuedBumpTest extends CacheTestSupport
{
    private static final int KEYS = 2_000;
    private static final int THREADS = 100;
    private static final byte[] VALUE = new byte[1_000];

    /**
     * Items linked into COLD (flat LRU), then the LRU made segmented, with bumps holding their items as when a
     * maintainer thread runs; the test applies queued bumps itself.
     */
    private MemcachedCache coldCache()
    {
        return coldCache(cache(builder().memoryLimit(64L << 20).lruSegmented(false).slabAutomove(0)));
    }

    private static MemcachedCache coldCache(final MemcachedCache cache)
    {
        ((Engine)cache).store.holdQueuedBumps = true;
        for (int i = 0; i < KEYS; i++)
        {
            assertEquals(StoreResult.STORED, cache.set("key:" + i, VALUE));
        }
        assertTrue(cache.admin().lruMode(true));
        return cache;
    }

    /**
     * Two gets of each of a thread's keys: the second queues a held bump.
     */
    private static Thread reader(final MemcachedCache cache, final int thread, final AtomicReference<Throwable> failure)
    {
        return new Thread(() ->
        {
            try
            {
                for (int i = thread; i < KEYS; i += THREADS)
                {
                    assertEquals(VALUE.length, cache.get("key:" + i).length);
                    assertEquals(VALUE.length, cache.get("key:" + i).length);
                }
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "reader-" + thread);
    }

    private static void runReaders(final MemcachedCache cache) throws InterruptedException
    {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++)
        {
            final Thread thread = reader(cache, t, failure);
            thread.start();
            threads.add(thread);
        }
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(thread.isAlive(), "a reader did not finish");
        }
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void shouldRefreshTheAccessTimeWhenAQueuedBumpFindsItsItemMovedOutOfCold()
    {
        // memcached's maintainer applies a queued bump with do_item_update, which sets the access time of any
        // linked item; here the maintainer's COLD pass moves the active item to WARM before the bump is applied
        final MemcachedCache cache = coldCache();
        final Engine engine = (Engine)cache;
        clock.advance(10);
        assertEquals(VALUE.length, cache.get("key:0").length);
        assertEquals(VALUE.length, cache.get("key:0").length);
        final ItemInfo info = new ItemInfo();
        final java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap("key:0".getBytes(StandardCharsets.US_ASCII));
        cache.fetch(key, new FetchOptions().bump(false), null, info);
        assertEquals(10, info.secondsSinceAccess());
        engine.maintainer.juggle(info.slabClass());
        engine.drainBumps();
        cache.fetch(key.rewind(), new FetchOptions().bump(false), null, info);
        assertEquals(0, info.secondsSinceAccess());
    }

    @Test
    void shouldApplyTheQueuedBumpsOfThreadsThatDied() throws InterruptedException
    {
        final MemcachedCache cache = coldCache();
        final Engine engine = (Engine)cache;
        // each reader's bumps are queued, holding their items, when it dies; a thread that registers when the array of
        // contexts is full sweeps the dead readers' contexts, applying their bumps
        runReaders(cache);
        final Thread late = new Thread(() -> cache.get("key:0"), "late");
        late.start();
        late.join();
        // the walker applies the bumps still registered and checks that no linked item is referenced
        new StructureWalker(cache).check();
        assertEquals(0, new StructureWalker(cache).referenced());

        // and a page of that class can be moved: no item on it stays referenced for good (half the keys deleted, so
        // that the mover has chunks to copy the others into)
        for (int i = 1; i < KEYS; i += 2)
        {
            assertTrue(cache.delete("key:" + i));
        }
        final int cls = cache.stats().slabClasses().get(0).id();
        assertTrue(engine.slabs.classes[cls].pageCount >= 2, "the keys fill two pages or more");
        assertEquals(CacheAdmin.ReassignResult.OK, cache.admin().slabsReassign(cls, 0));
        for (int i = 0; i < 1_000 && engine.mover.running(); i++)
        {
            engine.mover.step();
            // past the mover's rest between passes that found busy chunks
            clock.advanceNanos(BackgroundIdle.MOVE_PARK_NANOS);
        }
        assertFalse(engine.mover.running(), () -> "the page move should finish: " + cache.stats().general());
        assertEquals(0, cache.stats().get("slab_reassign_busy_items"));
    }

    @Test
    void shouldApplyTheQueuedBumpsOfThreadsThatDiedWhenClosing() throws InterruptedException
    {
        // closed by the test, so not walked afterwards
        final MemcachedCache cache = coldCache(builder().memoryLimit(64L << 20).lruSegmented(false).build());
        final Engine engine = (Engine)cache;
        final AtomicReference<ThreadContext> context = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            cache.get("key:1");
            cache.get("key:1");
            context.set(engine.context());
        }, "reader");
        reader.start();
        reader.join();
        final ThreadContext dead = context.get();
        assertEquals(1, dead.bumpTail.get() - dead.bumpHead.get(), "one bump queued");
        assertEquals(1, new StructureWalker(cache).referenced());

        cache.close();
        assertEquals(dead.bumpTail.get(), dead.bumpHead.get(), "close applies the dead thread's queued bump");
    }

    @Test
    void shouldLeaveNoReferenceWhenTheBackgroundWorkStopsWithBumpsQueued()
    {
        final MemcachedCache cache = coldCache();
        for (int i = 0; i < 100; i++)
        {
            cache.get("key:" + i);
            cache.get("key:" + i);
        }
        assertEquals(100, new StructureWalker(cache).referenced());
        cache.admin().stopBackgroundWork();
        assertEquals(0, new StructureWalker(cache).referenced(), "no queued bump holds its item any more");
        // bumps queued from now on hold nothing
        for (int i = 100; i < 200; i++)
        {
            cache.get("key:" + i);
            cache.get("key:" + i);
        }
        assertEquals(0, new StructureWalker(cache).referenced());
    }

    /**
     * The race of a reader with {@link CacheAdmin#stopBackgroundWork()}: the reader saw bumps held, took its item's
     * reference and, before queuing the bump, lost the processor; meanwhile the background work stops and applies the
     * queues for the last time. The reader's steps are those of {@code ItemStore.offerAsyncBump}, with a pause where
     * the race needs one: the stop must wait for the reader's bump and apply it.
     */
    @Test
    void shouldWaitForABumpBeingQueuedWhenTheBackgroundWorkStops() throws InterruptedException
    {
        final MemcachedCache cache = coldCache();
        final Engine engine = (Engine)cache;
        final CountDownLatch sawFlag = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            try
            {
                final ThreadContext ctx = engine.loadKey("key:7");
                final HashIndex.Stripe stripe = engine.index.stripe(ctx.hash);
                final int ref = engine.store.find(stripe, ctx.hash, ctx.key, 0, ctx.keyLength);
                final Region r = engine.store.region(ref);
                final int o = ItemDescriptor.offset(ref);
                ctx.enterOffer();
                assertTrue(engine.store.holdQueuedBumps);
                assertTrue(ItemStore.acquire(r, o));
                sawFlag.countDown();
                assertTrue(proceed.await(10, TimeUnit.SECONDS));
                assertTrue(ctx.offerBump(ref, ctx.hash, true));
                ctx.exitOffer();
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
                sawFlag.countDown();
            }
        }, "reader");
        reader.start();
        assertTrue(sawFlag.await(10, TimeUnit.SECONDS));
        final Thread stopper = new Thread(cache.admin()::stopBackgroundWork, "stopper");
        stopper.start();
        stopper.join(200);
        assertTrue(stopper.isAlive(), "the stop should wait for the bump being queued");
        proceed.countDown();
        stopper.join(TimeUnit.SECONDS.toMillis(10));
        reader.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(stopper.isAlive());
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertEquals(0, new StructureWalker(cache).referenced(), "the stop applied the late bump");
    }
}
