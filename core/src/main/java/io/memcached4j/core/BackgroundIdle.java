/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.IdleStrategy;

/**
 * How the background thread waits between rounds of its agents: after a round that did work it goes round again at
 * once; after an idle round it parks until the earliest agent is due (the maintainer's next wake-up, the crawler's
 * next batch), never longer than {@link #MAX_PARK_NANOS} so that the cached clock stays fresh and requests from
 * commands ({@code lru_crawler crawl}, {@code slabs reassign}) start promptly, and never shorter than
 * {@link #MIN_PARK_NANOS} so that an agent that is due but cannot progress (a page move waiting for a busy item, a
 * crawl waiting for its reader) does not spin.
 * <p>
 * A spin-then-yield back-off that restarts after every round with work would wake the thread thousands of times a
 * second while clients keep the maintainer busy, taking CPU from the threads that serve them; parking to the next
 * deadline wakes it about as often as memcached's own maintainer thread (at most once a millisecond under load).
 */
final class BackgroundIdle implements IdleStrategy
{
    static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** While a page move is in progress: memcached's rebalancer retries busy items about this often. */
    static final long MOVE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Clock clock;
    private final LruMaintainer maintainer;
    private final LruCrawler crawler;
    private final PageMover mover;

    BackgroundIdle(final Clock clock, final LruMaintainer maintainer, final LruCrawler crawler, final PageMover mover)
    {
        this.clock = clock;
        this.maintainer = maintainer;
        this.crawler = crawler;
        this.mover = mover;
    }

    /**
     * How long to park after a round without work.
     *
     * @param nowNanos the clock's {@link Clock#nanoTime()}.
     * @return nanoseconds, within [{@link #MIN_PARK_NANOS}, {@link #MAX_PARK_NANOS}].
     */
    long parkNanos(final long nowNanos)
    {
        long park = MAX_PARK_NANOS;
        if (maintainer.enabled)
        {
            park = Math.min(park, maintainer.nextWakeNanos() - nowNanos);
        }
        if (crawler.running())
        {
            park = Math.min(park, crawler.nextRunNanos() - nowNanos);
        }
        if (mover.running())
        {
            park = Math.min(park, MOVE_PARK_NANOS);
        }
        return Math.max(park, MIN_PARK_NANOS);
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount <= 0)
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        LockSupport.parkNanos(parkNanos(clock.nanoTime()));
    }

    @Override
    public void reset()
    {
        // no state between rounds
    }

    @Override
    public String alias()
    {
        return "background";
    }
}
