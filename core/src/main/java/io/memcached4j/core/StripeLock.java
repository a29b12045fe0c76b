/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of one hash index stripe: a sequence lock for optimistic readers combined with a read-write spin lock,
 * with the same stamp discipline as {@link java.util.concurrent.locks.StampedLock} but without its wait queue, so that
 * a thread that has to wait never allocates (a queued {@code StampedLock} waiter allocates a node, which would show up
 * as allocation on the get and set paths whenever the LRU maintainer or the page mover holds a stripe).
 * <p>
 * The state word holds a write bit, a version that changes with every write unlock, and a count of shared holders:
 * <pre>
 *   63 ........................... 8 | 7 | 6 ........ 0
 *   version                          | W | readers
 * </pre>
 * An optimistic reader takes the state when no writer holds it and later validates that neither the version nor the
 * write bit changed. Critical sections are a handful of memory accesses, so waiters spin, then yield, then park for
 * a few microseconds at a time; there is no fairness and no queue. Not reentrant. Threadsafe.
 * <p>
 * A stripe of the index extends it, so that a lookup finds the lock word and the stripe's table in one object.
 */
class StripeLock
{
    private static final long READER_UNIT = 1L;
    private static final long READER_MASK = 0x7FL;
    private static final long WRITE_BIT = 0x80L;
    private static final long NOT_READERS = ~READER_MASK;
    private static final int SPINS = 128;
    private static final int YIELDS = 16;
    private static final long MAX_PARK_NANOS = 50_000;
    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(StripeLock.class, "state", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    @SuppressWarnings("unused")
    private volatile long state = 1L << 8;

    /**
     * A stamp for optimistic reading, or 0 while a writer holds the lock.
     *
     * @return the stamp, or 0.
     */
    long tryOptimisticRead()
    {
        final long s = state;
        return (s & WRITE_BIT) == 0 ? s & NOT_READERS : 0;
    }

    /**
     * Whether no write happened since the optimistic stamp was taken. Orders the reads before it.
     *
     * @param stamp from {@link #tryOptimisticRead()}.
     * @return true if the reads made under the stamp are consistent.
     */
    boolean validate(final long stamp)
    {
        VarHandle.acquireFence();
        return stamp != 0 && (state & NOT_READERS) == stamp;
    }

    /**
     * Take the lock exclusively, waiting as long as needed.
     *
     * @return the stamp to unlock with.
     */
    long writeLock()
    {
        int waits = 0;
        while (true)
        {
            final long s = state;
            if ((s & (WRITE_BIT | READER_MASK)) == 0 && STATE.compareAndSet(this, s, s | WRITE_BIT))
            {
                return s | WRITE_BIT;
            }
            waits = backOff(waits);
        }
    }

    /**
     * Take the lock exclusively if it is free now.
     *
     * @return the stamp, or 0.
     */
    long tryWriteLock()
    {
        final long s = state;
        if ((s & (WRITE_BIT | READER_MASK)) == 0 && STATE.compareAndSet(this, s, s | WRITE_BIT))
        {
            return s | WRITE_BIT;
        }
        return 0;
    }

    /**
     * Release an exclusive hold: the version moves on, so optimistic readers of the old state fail validation.
     *
     * @param stamp from {@link #writeLock()} or {@link #tryWriteLock()}.
     */
    void unlockWrite(final long stamp)
    {
        STATE.setVolatile(this, (stamp & ~WRITE_BIT) + (1L << 8));
    }

    /**
     * Take the lock shared, waiting while a writer holds it.
     *
     * @return the stamp to unlock with.
     */
    long readLock()
    {
        int waits = 0;
        while (true)
        {
            final long s = state;
            if ((s & WRITE_BIT) == 0 && (s & READER_MASK) < READER_MASK &&
                STATE.compareAndSet(this, s, s + READER_UNIT))
            {
                return READER_UNIT;
            }
            waits = backOff(waits);
        }
    }

    /**
     * Turn a still-valid optimistic stamp into a shared hold, so that what was read under the stamp stays valid and
     * may be acted on.
     *
     * @param stamp from {@link #tryOptimisticRead()}.
     * @return a read stamp, or 0 if a writer came in between (then nothing is held).
     */
    long tryConvertToReadLock(final long stamp)
    {
        while (true)
        {
            final long s = state;
            if ((s & NOT_READERS) != stamp || (s & READER_MASK) == READER_MASK)
            {
                return 0;
            }
            if (STATE.compareAndSet(this, s, s + READER_UNIT))
            {
                return READER_UNIT;
            }
        }
    }

    /**
     * Release a shared hold.
     *
     * @param stamp from {@link #readLock()}.
     */
    void unlockRead(final long stamp)
    {
        STATE.getAndAdd(this, -READER_UNIT);
    }

    /**
     * Release a hold of either kind.
     *
     * @param stamp from a lock method.
     */
    void unlock(final long stamp)
    {
        if ((stamp & WRITE_BIT) != 0)
        {
            unlockWrite(stamp);
        }
        else
        {
            unlockRead(stamp);
        }
    }

    private static int backOff(final int waits)
    {
        if (waits < SPINS)
        {
            Thread.onSpinWait();
        }
        else if (waits < SPINS + YIELDS)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(Math.min(MAX_PARK_NANOS, 1000L << Math.min(6, waits - SPINS - YIELDS)));
        }
        return waits + 1;
    }
}
