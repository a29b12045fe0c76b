/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The hash index (memcached's assoc.c): key hash to item ref, off-heap, outside the memory limit as memcached's hash
 * table is, and growing with the item count.
 * <p>
 * <b>Layout.</b> The index is cut into a power-of-two number of stripes, chosen by the high 32 bits of the key hash.
 * Each stripe is an open-addressing table of 8-byte entries with linear probing; the low 32 bits of the hash choose
 * the home slot (multiplied by the capacity and shifted, so capacities need not be powers of two):
 * <pre>
 *   entry = (low 32 bits of the key hash) &lt;&lt; 32 | item ref        0 = empty
 * </pre>
 * Storing the hash lets a probe skip other keys without touching their items, and lets a stripe grow without
 * reading any key. A stripe grows by half when it is {@value #MAX_LOAD_PERCENT}% full, so the load stays between
 * about 57% and 85%: 9.4 to 14.1 bytes per item. A removal shifts the following entries back, so no tombstones are
 * needed. Each stripe's table is at most {@value #MAX_STRIPE_CAPACITY} entries.
 * <p>
 * <b>Concurrency.</b> Each stripe has a {@link StripeLock}. Every change to a stripe's table, and every unlink or
 * reuse of an item reachable from it, holds the stripe's write lock. Readers of a stripe do not write to it: they
 * read under an optimistic stamp and validate it afterwards, so concurrent gets of the same key never serialize.
 * A stripe's capacity is not a field of its own but the size of its table region ({@link #slots(Region)}): a reader
 * racing with a resize reads the table reference once and gets the capacity that belongs to that table, so its
 * probes stay inside it whatever it later fails to validate. A table outgrown by a resize is dropped, not freed,
 * because an optimistic reader may still be reading it: the garbage collector returns it once no reader holds it,
 * and readers keep the table they probe reachable until their probe is done
 * ({@link java.lang.ref.Reference#reachabilityFence}), since a compiled probe loop may keep only the table's address.
 * <p>
 * <b>No memory to grow.</b> The tables are direct memory outside the memory limit. When the JVM refuses a bigger
 * table, the stripe keeps its table, as memcached keeps its hash table when an expansion cannot allocate; loads above
 * {@value #MAX_LOAD_PERCENT}% make probes longer, and at {@value #FULL_LOAD_PERCENT}% an insert first has an entry of
 * the stripe removed ({@link #makeRoomLocked}). A refused growth is reported once and not tried again, by any stripe,
 * until {@link #retryGrowth()} (each try costs the JDK's wait for the garbage collector, half a second); the engine
 * calls it when the memory limit is set again.
 * <p>
 * <b>Expansion.</b> {@code hash_power_level} is the total of the stripes' capacities as a power of two, rounded down.
 * The stripe growth that raises it is reported to the {@link EngineTrace} as it starts and when it is done, where
 * memcached prints {@code Hash table expansion starting} and {@code done} for its one table's doubling.
 */
final class HashIndex
{
    static final int DEFAULT_HASH_POWER = 16;
    static final int MAX_LOAD_PERCENT = 85;
    /** The load a stripe that cannot grow stops at: linear probing needs empty slots to end its probes. */
    static final int FULL_LOAD_PERCENT = 95;
    static final int MAX_STRIPE_CAPACITY = 1 << 27;
    private static final int MIN_STRIPE_CAPACITY = 8;

    /**
     * One stripe of the index: the lock word (inherited) and the table it guards, in one object.
     */
    static final class Stripe extends StripeLock
    {
        /** The stripe itself: the lock word lives in the same object as the table reference. */
        final StripeLock lock = this;
        /**
         * Written under the write lock; read by optimistic readers, who validate their stamp afterwards. Its size is
         * the stripe's capacity: read the field once and take the capacity from what was read.
         */
        Region table;
        int size;

        /**
         * The capacity of the current table. Caller holds the stripe's lock; an optimistic reader uses
         * {@link HashIndex#slots(Region)} on the one table it read instead.
         *
         * @return slots in the table.
         */
        int capacity()
        {
            return slots(table);
        }
    }

    final Stripe[] stripes;
    private final int stripeShift;
    private final AtomicInteger resizing = new AtomicInteger();
    /** The stripes' capacities added up, a growth's share added as it starts. */
    private final AtomicLong slots = new AtomicLong();
    private final EngineTrace trace;
    private final IntFunction<ByteBuffer> allocator;
    /** A growth was refused for want of direct memory: no stripe tries again until {@link #retryGrowth()}. */
    private volatile boolean growthStopped;

    HashIndex(final int hashPower, final int stripeCount, final EngineTrace trace)
    {
        this(hashPower, stripeCount, trace, DirectMemory::allocate);
    }

    /**
     * An index whose tables come from an allocator of direct buffers.
     *
     * @param allocator gives a zeroed direct buffer of the size asked for, or throws {@link OutOfMemoryError}.
     */
    HashIndex(
        final int hashPower, final int stripeCount, final EngineTrace trace, final IntFunction<ByteBuffer> allocator)
    {
        this.trace = trace;
        this.allocator = allocator;
        if (Integer.bitCount(stripeCount) != 1)
        {
            throw new IllegalArgumentException("stripe count must be a power of two: " + stripeCount);
        }
        final long initial = 1L << (hashPower == 0 ? DEFAULT_HASH_POWER : hashPower);
        final int perStripe = (int)Math.max(MIN_STRIPE_CAPACITY, Math.min(MAX_STRIPE_CAPACITY, initial / stripeCount));
        stripes = new Stripe[stripeCount];
        for (int i = 0; i < stripeCount; i++)
        {
            final Stripe stripe = new Stripe();
            stripe.table = MemoryPath.wrap(allocator.apply(perStripe * Long.BYTES));
            stripes[i] = stripe;
            slots.addAndGet(perStripe);
        }
        stripeShift = 32 - Integer.numberOfTrailingZeros(stripeCount);
    }

    Stripe stripe(final long hash)
    {
        return stripes[stripeShift == 32 ? 0 : (int)(hash >>> 32) >>> stripeShift];
    }

    /**
     * The capacity of a table: how many entries its region holds.
     */
    static int slots(final Region table)
    {
        return table.capacity() >>> 3;
    }

    /**
     * The home slot of a hash in a table of a capacity.
     */
    static int slot(final long hash, final int capacity)
    {
        return (int)(((hash & 0xFFFF_FFFFL) * capacity) >>> 32);
    }

    /**
     * The slot after one, wrapping at the capacity.
     */
    static int next(final int slot, final int capacity)
    {
        final int n = slot + 1;
        return n == capacity ? 0 : n;
    }

    static long entry(final long hash, final int ref)
    {
        return (hash << 32) | (ref & 0xFFFF_FFFFL);
    }

    static int entryRef(final long entry)
    {
        return (int)entry;
    }

    static int entryHash(final long entry)
    {
        return (int)(entry >>> 32);
    }

    /**
     * Make room for one more entry: grow the stripe if it is loaded past {@value #MAX_LOAD_PERCENT}% and may grow.
     * Caller holds the stripe's write lock.
     *
     * @return false when the stripe is loaded to {@value #FULL_LOAD_PERCENT}% and cannot grow: an entry must be
     * removed before the next insert.
     */
    boolean makeRoomLocked(final Stripe stripe)
    {
        final int capacity = stripe.capacity();
        if ((stripe.size + 1L) * 100 > (long)capacity * MAX_LOAD_PERCENT && capacity < MAX_STRIPE_CAPACITY &&
            !growthStopped)
        {
            growLocked(stripe);
        }
        return (stripe.size + 1L) * 100 <= (long)stripe.capacity() * FULL_LOAD_PERCENT;
    }

    /**
     * Insert an entry for a key known to be absent, after {@link #makeRoomLocked} said there is room. Caller holds
     * the stripe's write lock.
     */
    void insertLocked(final Stripe stripe, final long hash, final int ref)
    {
        final Region table = stripe.table;
        final int capacity = slots(table);
        if (stripe.size + 1 >= capacity)
        {
            // a probe for an absent key ends only at an empty slot
            throw new IllegalStateException("index stripe full: " + stripe.size + " of " + capacity);
        }
        int slot = slot(hash, capacity);
        while (table.getLong(slot * Long.BYTES) != 0)
        {
            slot = next(slot, capacity);
        }
        table.putLong(slot * Long.BYTES, entry(hash, ref));
        stripe.size++;
    }

    /**
     * Point an existing entry at another ref. Caller holds the stripe's write lock.
     *
     * @return true if the old ref was found and replaced.
     */
    boolean replaceLocked(final Stripe stripe, final long hash, final int oldRef, final int newRef)
    {
        final int slot = findSlotLocked(stripe, hash, oldRef);
        if (slot < 0)
        {
            return false;
        }
        stripe.table.putLong(slot * Long.BYTES, entry(hash, newRef));
        return true;
    }

    /**
     * Remove the entry for a ref. Caller holds the stripe's write lock.
     *
     * @return true if it was found.
     */
    boolean removeLocked(final Stripe stripe, final long hash, final int ref)
    {
        int hole = findSlotLocked(stripe, hash, ref);
        if (hole < 0)
        {
            return false;
        }
        final Region table = stripe.table;
        final int capacity = slots(table);
        int next = next(hole, capacity);
        while (true)
        {
            final long e = table.getLong(next * Long.BYTES);
            if (e == 0)
            {
                break;
            }
            final int home = slot(entryHash(e), capacity);
            if (distance(home, next, capacity) >= distance(hole, next, capacity))
            {
                table.putLong(hole * Long.BYTES, e);
                hole = next;
            }
            next = next(next, capacity);
        }
        table.putLong(hole * Long.BYTES, 0L);
        stripe.size--;
        return true;
    }

    private static int distance(final int from, final int to, final int capacity)
    {
        return to >= from ? to - from : to + capacity - from;
    }

    private int findSlotLocked(final Stripe stripe, final long hash, final int ref)
    {
        final Region table = stripe.table;
        final int capacity = slots(table);
        final long wanted = entry(hash, ref);
        int slot = slot(hash, capacity);
        for (int probes = 0; probes < capacity; probes++)
        {
            final long e = table.getLong(slot * Long.BYTES);
            if (e == wanted)
            {
                return slot;
            }
            if (e == 0)
            {
                return -1;
            }
            slot = next(slot, capacity);
        }
        return -1;
    }

    /**
     * Whether the stripe maps some key of this hash to this ref. Caller holds the stripe's lock.
     */
    boolean containsLocked(final Stripe stripe, final long hash, final int ref)
    {
        return findSlotLocked(stripe, hash, ref) >= 0;
    }

    /**
     * Move the stripe to a table half as large again. When the JVM refuses the memory, the stripe keeps its table and
     * growth stops (see the class's javadoc). Caller holds the stripe's write lock.
     */
    private void growLocked(final Stripe stripe)
    {
        resizing.incrementAndGet();
        try
        {
            final Region old = stripe.table;
            final int oldCapacity = slots(old);
            final int capacity = (int)Math.min(MAX_STRIPE_CAPACITY, (oldCapacity + oldCapacity / 2 + 7L) & ~7L);
            final Region table;
            try
            {
                table = MemoryPath.wrap(allocator.apply(capacity * Long.BYTES));
            }
            catch (final OutOfMemoryError ex)
            {
                // memcached's assoc_expand: "Bad news, but we can keep running."
                if (!growthStopped)
                {
                    growthStopped = true;
                    Engine.traceSafely(() -> trace.directMemoryRefused("hash table", (long)capacity * Long.BYTES));
                }
                return;
            }
            final long before = slots.getAndAdd(capacity - oldCapacity);
            final boolean expansion = powerOf(before + capacity - oldCapacity) > powerOf(before);
            if (expansion)
            {
                Engine.traceSafely(trace::hashExpansionStarting);
            }
            for (int i = 0; i < oldCapacity; i++)
            {
                final long e = old.getLong(i * Long.BYTES);
                if (e != 0)
                {
                    int slot = slot(entryHash(e), capacity);
                    while (table.getLong(slot * Long.BYTES) != 0)
                    {
                        slot = next(slot, capacity);
                    }
                    table.putLong(slot * Long.BYTES, e);
                }
            }
            // one reference carries the table and its capacity to optimistic readers
            stripe.table = table;
            if (expansion)
            {
                Engine.traceSafely(trace::hashExpansionDone);
            }
        }
        finally
        {
            resizing.decrementAndGet();
        }
    }

    /**
     * Let stripes try to grow again after a growth was refused for want of direct memory.
     */
    void retryGrowth()
    {
        growthStopped = false;
    }

    /**
     * Whether a growth was refused and growth is stopped.
     *
     * @return true while no stripe tries to grow.
     */
    boolean growthStopped()
    {
        return growthStopped;
    }

    /**
     * Bytes of the live tables ({@code hash_bytes}).
     */
    long bytes()
    {
        long total = 0;
        for (final Stripe stripe : stripes)
        {
            final long stamp = stripe.lock.readLock();
            try
            {
                total += stripe.table.capacity();
            }
            finally
            {
                stripe.lock.unlockRead(stamp);
            }
        }
        return total;
    }

    /**
     * The index size as a power of two ({@code hash_power_level}): the total slots rounded down.
     */
    int powerLevel()
    {
        return powerOf(bytes() / Long.BYTES);
    }

    private static int powerOf(final long slotCount)
    {
        return 63 - Long.numberOfLeadingZeros(slotCount);
    }

    boolean expanding()
    {
        return resizing.get() > 0;
    }

    long size()
    {
        long total = 0;
        for (final Stripe stripe : stripes)
        {
            final long stamp = stripe.lock.readLock();
            try
            {
                total += stripe.size;
            }
            finally
            {
                stripe.lock.unlockRead(stamp);
            }
        }
        return total;
    }

    /**
     * Let go of the tables.
     *
     * @param free whether to free their memory now (no other thread can be using them), or leave it to the garbage
     *             collector, which returns a table once no running operation reaches it.
     */
    void close(final boolean free)
    {
        for (final Stripe stripe : stripes)
        {
            if (free)
            {
                DirectMemory.free(stripe.table.byteBuffer());
            }
            stripe.table = null;
        }
    }
}
