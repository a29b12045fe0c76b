/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one thread keeps for one cache: the key scratch area every operation copies its key into (so hashing and key
 * comparison read one kind of memory), the thread's counters, and its queue of asynchronous LRU bumps.
 * <p>
 * Threading: everything is written by the owning thread only. Counters are written with opaque stores and read by
 * the statistics code with opaque loads. The bump queue is single-producer (the owner) single-consumer (the LRU
 * maintainer): the producer publishes with a release store of {@code tail}, the consumer with a release store of
 * {@code head}. While the owner is deciding whether a bump it queues holds its item, {@code offering} is set, so
 * that the engine can wait for that decision before it applies the queue for the last time (see
 * {@link #enterOffer()}).
 */
final class ThreadContext
{
    static final int KEY_CAPACITY = 256;
    static final int BUMP_CAPACITY = 1024;
    private static final VarHandle COUNTERS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OFFERING;

    static
    {
        try
        {
            OFFERING = MethodHandles.lookup().findVarHandle(ThreadContext.class, "offering", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** The thread this context is for; changed only under the engine's registry lock, when a spare is reused. */
    private WeakReference<Thread> owner;
    final Region key;
    final long[] counters = new long[Counters.SIZE];
    /**
     * The bump queue, allocated by the owner at its first bump (many threads never queue one) before it publishes
     * {@code tail}; the consumer reads the arrays only after it has seen {@code tail} move.
     */
    private int[] bumps;
    /** Whether each queued bump holds a reference to its item ({@link ItemStore#holdQueuedBumps}). */
    private boolean[] bumpHeld;
    private long[] bumpHashes;
    final AtomicLong bumpHead = new AtomicLong();
    final AtomicLong bumpTail = new AtomicLong();
    final ValueAdapters adapters = new ValueAdapters();
    final ItemInfo scratchInfo = new ItemInfo();
    final byte[] digits = new byte[40];
    final FetchOptions fetchOptions = new FetchOptions();
    final StoreOptions storeOptions = new StoreOptions();
    final DeleteOptions deleteOptions = new DeleteOptions();
    final ArithmeticOptions arithmeticOptions = new ArithmeticOptions();
    final boolean[] parseStatus = new boolean[1];
    /** The key handed to {@link ItemEvents}: a copy, so that the listener never sees the engine's memory. */
    final byte[] eventKey = new byte[KEY_CAPACITY];
    /** What the last {@code findLiveLocked} found, as an {@link ItemEvents} lookup status. */
    int lookupStatus;
    int keyLength;
    long hash;
    /** The slab class and LRU of the last hit, for counting it. */
    int hitClass;
    int hitLru;
    /** The item of the last optimistic hit that needs an LRU mark. */
    int bumpRef;
    /** 1 while the owner is between reading {@link ItemStore#holdQueuedBumps} and queuing its bump. */
    @SuppressWarnings("unused")
    private volatile int offering;

    ThreadContext(final Thread owner)
    {
        this.owner = new WeakReference<>(owner);
        this.key = MemoryPath.wrap(DirectMemory.allocate(KEY_CAPACITY));
    }

    /**
     * Hand this context, whose thread died and which {@link #retire} emptied, to another thread. Caller holds the
     * registry lock, which the new owner takes too, so the owner sees the zeroed counters.
     */
    ThreadContext reuse(final Thread thread)
    {
        owner = new WeakReference<>(thread);
        return this;
    }

    /**
     * Add the counters of this context, whose thread has died and whose bumps were applied, to {@code retired}, and
     * zero them. Caller holds the registry lock, as whoever sums the counters does, so nothing is counted twice.
     */
    void retire(final long[] retired)
    {
        for (int c = 0; c < Counters.SIZE; c++)
        {
            retired[c] += read(c);
            counters[c] = 0;
        }
    }

    boolean ownedBy(final Thread thread)
    {
        return owner.get() == thread;
    }

    boolean ownerAlive()
    {
        final Thread thread = owner.get();
        return thread != null && thread.isAlive();
    }

    void increment(final int counter)
    {
        COUNTERS.setOpaque(counters, counter, counters[counter] + 1);
    }

    void add(final int counter, final long delta)
    {
        COUNTERS.setOpaque(counters, counter, counters[counter] + delta);
    }

    long read(final int counter)
    {
        return (long)COUNTERS.getOpaque(counters, counter);
    }

    /**
     * Queue an asynchronous COLD-to-WARM bump.
     *
     * @return false when the queue is full and the bump is dropped.
     */
    boolean offerBump(final int ref, final long hash, final boolean held)
    {
        final long tail = bumpTail.get();
        if (tail - bumpHead.get() >= BUMP_CAPACITY)
        {
            return false;
        }
        if (bumps == null)
        {
            bumps = new int[BUMP_CAPACITY];
            bumpHeld = new boolean[BUMP_CAPACITY];
            bumpHashes = new long[BUMP_CAPACITY];
        }
        final int slot = (int)(tail & (BUMP_CAPACITY - 1));
        bumps[slot] = ref;
        bumpHashes[slot] = hash;
        bumpHeld[slot] = held;
        bumpTail.lazySet(tail + 1);
        return true;
    }

    /**
     * Say that the owner is about to read {@link ItemStore#holdQueuedBumps} and queue a bump. The store is volatile,
     * so it is ordered before that read: either whoever clears the flag then sees this context offering and waits in
     * {@link #awaitNoOffer()}, or the owner sees the flag cleared and queues a bump that holds nothing (a Dekker
     * handshake; a release store would let the read of the flag pass it).
     */
    void enterOffer()
    {
        OFFERING.setVolatile(this, 1);
    }

    /**
     * The bump is queued (or not) and its reference taken (or not): a release store, so whoever sees it also sees
     * the queue's {@code tail}.
     */
    void exitOffer()
    {
        OFFERING.setRelease(this, 0);
    }

    /**
     * Wait until the owner is not between {@link #enterOffer()} and {@link #exitOffer()}. That stretch is a few
     * memory accesses and never blocks, so this spins, yielding now and then in case the owner was descheduled.
     */
    void awaitNoOffer()
    {
        for (int spins = 1; (int)OFFERING.getVolatile(this) != 0; spins++)
        {
            if ((spins & 63) == 0)
            {
                Thread.yield();
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Apply every queued bump. One thread at a time ({@link Engine#drainBumps}).
     *
     * @return how many bumps were applied.
     */
    int drainBumps(final ItemStore store)
    {
        long head = bumpHead.get();
        final long tail = bumpTail.get();
        int count = 0;
        while (head < tail)
        {
            final int slot = (int)(head & (BUMP_CAPACITY - 1));
            store.applyAsyncBump(bumps[slot], bumpHashes[slot], bumpHeld[slot]);
            head++;
            count++;
            bumpHead.lazySet(head);
        }
        return count;
    }

    void release()
    {
        DirectMemory.free(key.byteBuffer());
    }
}
