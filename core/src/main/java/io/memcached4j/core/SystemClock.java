/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.util.concurrent.TimeUnit;

/**
 * The real clock. As memcached does, it places its origin {@value #START_OFFSET} seconds before the moment it is
 * created, so that relative time 0 (which means "never" for an expiry) is never a real moment, and it advances with
 * the monotonic clock so that wall-clock jumps do not expire or revive items. Threadsafe.
 */
public final class SystemClock implements Clock
{
    /**
     * memcached starts its relative clock {@code ITEM_UPDATE_INTERVAL + 2} seconds in the past.
     */
    public static final int START_OFFSET = 62;

    private final long processStarted;
    private final long startNanos;

    /**
     * A clock whose relative time starts at {@value #START_OFFSET} now.
     */
    public SystemClock()
    {
        this.startNanos = System.nanoTime();
        this.processStarted = System.currentTimeMillis() / 1000 - START_OFFSET;
    }

    /**
     * {@inheritDoc}
     */
    public int currentTime()
    {
        return START_OFFSET + (int)TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
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
        return System.nanoTime();
    }
}
