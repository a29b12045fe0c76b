/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The index's stripes: what a reader racing with a growth may see, and growth when the JVM has no direct memory.
 */
class HashIndexTest
{
    private static final EngineTrace NO_TRACE = new EngineTrace()
    {
    };

    /** A hash whose home slot in a table of the given capacity is {@code slot}. */
    private static long hashAt(final int slot, final int capacity)
    {
        return ((((long)slot << 32) + capacity - 1) / capacity) & 0xFFFF_FFFFL;
    }

    /**
     * A reader of a stripe under an optimistic stamp may read the stripe's table before a growth and what follows it
     * after: the probe must stay inside the table it read. Here the stripe is set back to its old table after a
     * growth, which is what such a reader sees, and probes that the new capacity would start beyond the old table's
     * end must stay inside it.
     */
    @Test
    void shouldProbeATableWithinItsOwnCapacity()
    {
        final HashIndex index = new HashIndex(3, 1, NO_TRACE);
        try
        {
            final HashIndex.Stripe stripe = index.stripes[0];
            final long stamp = stripe.lock.writeLock();
            try
            {
                final Region old = stripe.table;
                final int oldCapacity = HashIndex.slots(old);
                assertEquals(8, oldCapacity);
                for (int i = 0; i < 7; i++)
                {
                    assertTrue(index.makeRoomLocked(stripe));
                    index.insertLocked(stripe, hashAt(i, oldCapacity), 100 + i);
                }
                final Region grown = stripe.table;
                assertNotSame(old, grown, "the stripe grew");
                final int capacity = stripe.capacity();
                assertTrue(capacity > oldCapacity);
                assertEquals(capacity, HashIndex.slots(grown));

                stripe.table = old;
                for (int slot = oldCapacity; slot < capacity; slot++)
                {
                    final long hash = hashAt(slot, capacity);
                    assertEquals(slot, HashIndex.slot(hash, capacity));
                    assertFalse(index.containsLocked(stripe, hash, 999));
                }
                stripe.table = grown;
                for (int i = 0; i < 7; i++)
                {
                    assertTrue(index.containsLocked(stripe, hashAt(i, oldCapacity), 100 + i));
                }
                // an outgrown table is left to the garbage collector, never freed under a reader that still has it
                System.gc();
                // (the seventh entry was the one whose insert grew the stripe)
                for (int i = 0; i < 6; i++)
                {
                    assertEquals(HashIndex.entry(hashAt(i, oldCapacity), 100 + i), old.getLong(i * Long.BYTES));
                }
            }
            finally
            {
                stripe.lock.unlockWrite(stamp);
            }
        }
        finally
        {
            index.close(true);
        }
    }

    /**
     * The same torn view through the engine's lookups, which read the stripe under an optimistic stamp.
     */
    @Test
    void shouldLookUpInAnOutgrownTableWithoutLeavingIt()
    {
        try (MemcachedCache cache = MemcachedCache.builder().backgroundThreads(false).hashPowerInit(12).build())
        {
            final Engine engine = (Engine)cache;
            final HashIndex.Stripe stripe = engine.index.stripes[0];
            final Region initial = stripe.table;
            int n = 0;
            while (stripe.table == initial)
            {
                cache.set("key:" + n++, new byte[] {1});
            }
            final Region grown = stripe.table;
            final int capacity = HashIndex.slots(grown);
            stripe.table = initial;
            try
            {
                int beyond = 0;
                for (int i = 0; i < n; i++)
                {
                    final ThreadContext ctx = engine.loadKey("key:" + i);
                    if (engine.index.stripe(ctx.hash) == stripe &&
                        HashIndex.slot(ctx.hash, capacity) >= HashIndex.slots(initial))
                    {
                        beyond++;
                        // under an optimistic stamp: this must not read past the table, whatever it answers
                        engine.store.find(stripe, ctx.hash, ctx.key, 0, ctx.keyLength);
                        assertTrue(cache.get("key:" + i) == null || cache.get("key:" + i).length == 1);
                    }
                }
                assertTrue(beyond > 0, "some keys' home slots lie beyond the old table");
            }
            finally
            {
                stripe.table = grown;
            }
            new StructureWalker(cache).check();
        }
    }

    /**
     * A stripe whose growth the JVM refuses keeps its table and goes on with a higher load; past
     * {@link HashIndex#FULL_LOAD_PERCENT} an insert first needs an entry removed. The refused growth is tried once,
     * not again on every insert, until growth is allowed again.
     */
    @Test
    void shouldKeepItsTableWhenAGrowthIsRefused()
    {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger refusals = new AtomicInteger();
        final AtomicInteger budget = new AtomicInteger(1);
        final HashIndex index = new HashIndex(4, 1, new EngineTrace()
        {
            public void directMemoryRefused(final String what, final long bytes)
            {
                assertEquals("hash table", what);
                refusals.incrementAndGet();
            }
        }, size ->
        {
            calls.incrementAndGet();
            if (budget.getAndDecrement() <= 0)
            {
                throw new OutOfMemoryError("Cannot reserve " + size + " bytes of direct buffer memory");
            }
            return ByteBuffer.allocateDirect(size);
        });
        try
        {
            final HashIndex.Stripe stripe = index.stripes[0];
            final Region table = stripe.table;
            final int capacity = stripe.capacity();
            assertEquals(16, capacity);
            int inserted = 0;
            final long stamp = stripe.lock.writeLock();
            try
            {
                while (index.makeRoomLocked(stripe))
                {
                    index.insertLocked(stripe, hashAt(inserted % capacity, capacity) + inserted, 100 + inserted);
                    inserted++;
                }
                assertEquals(capacity * HashIndex.FULL_LOAD_PERCENT / 100, inserted);
                assertEquals(table, stripe.table, "the stripe keeps its table");
                assertEquals(inserted, stripe.size);
                assertEquals(2, calls.get(), "the refused growth is tried once");
                assertEquals(1, refusals.get());
                assertTrue(index.growthStopped());
                for (int i = 0; i < inserted; i++)
                {
                    assertTrue(index.containsLocked(stripe, hashAt(i % capacity, capacity) + i, 100 + i));
                }

                // a removal makes room again, without another try
                assertTrue(index.removeLocked(stripe, hashAt(0, capacity), 100));
                assertTrue(index.makeRoomLocked(stripe));
                assertEquals(2, calls.get());

                // allowed again, with memory: the stripe grows
                budget.set(1);
                index.retryGrowth();
                index.insertLocked(stripe, hashAt(0, capacity), 100);
                assertTrue(index.makeRoomLocked(stripe));
                assertEquals(3, calls.get());
                assertTrue(stripe.capacity() > capacity);
                assertFalse(index.growthStopped());
                for (int i = 0; i < inserted; i++)
                {
                    assertTrue(index.containsLocked(stripe, hashAt(i % capacity, capacity) + i, 100 + i));
                }
            }
            finally
            {
                stripe.lock.unlockWrite(stamp);
            }
            assertTrue(index.bytes() > (long)capacity * Long.BYTES, "hash_bytes counts the grown table");
        }
        finally
        {
            index.close(true);
        }
    }
}
