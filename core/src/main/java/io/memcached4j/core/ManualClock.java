/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.util.concurrent.TimeUnit;

/**
 * A clock that only moves when told to, for tests and simulations. Relative time starts at
 * {@link SystemClock#START_OFFSET}, as on a real clock. Threadsafe.
 */
public final class ManualClock implements Clock
{
    private final long processStarted;
    private volatile int currentTime = SystemClock.START_OFFSET;
    private volatile long nanoTime;

    /**
     * A clock whose origin is {@link SystemClock#START_OFFSET} seconds before the real time now.
     */
    public ManualClock()
    {
        this(System.currentTimeMillis() / 1000 - SystemClock.START_OFFSET);
    }

    /**
     * A clock with a given origin.
     *
     * @param processStarted the Unix time, in seconds, of relative time zero.
     */
    public ManualClock(final long processStarted)
    {
        this.processStarted = processStarted;
    }

    /**
     * Move time forward.
     *
     * @param seconds how many seconds to advance; must not be negative.
     * @return the new relative time.
     */
    public synchronized int advance(final int seconds)
    {
        if (seconds < 0)
        {
            throw new IllegalArgumentException("time cannot go backwards: " + seconds);
        }
        currentTime += seconds;
        nanoTime += TimeUnit.SECONDS.toNanos(seconds);
        return currentTime;
    }

    /**
     * Move the nanosecond clock forward without changing the seconds.
     *
     * @param nanos nanoseconds to advance; must not be negative.
     */
    public synchronized void advanceNanos(final long nanos)
    {
        if (nanos < 0)
        {
            throw new IllegalArgumentException("time cannot go backwards: " + nanos);
        }
        nanoTime += nanos;
    }

    /**
     * {@inheritDoc}
     */
    public int currentTime()
    {
        return currentTime;
    }

    /**
     * {@inheritDoc}
     */
    public long processStarted()
    {
        return processStarted;
    }

    /**
     * {@inheritDoc}
     */
    public long nanoTime()
    {
        return nanoTime;
    }
}
