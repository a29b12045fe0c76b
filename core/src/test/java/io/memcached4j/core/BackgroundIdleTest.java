/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * How long the background thread parks between rounds of its agents.
 */
class BackgroundIdleTest extends CacheTestSupport
{
    private static final long MS = 1_000_000L;

    private BackgroundIdle idleOf(final Engine engine)
    {
        return new BackgroundIdle(clock, engine.maintainer, engine.crawler, engine.mover);
    }

    /**
     * A maintainer pass, then the crawls it starts (its first pass schedules one per class) run to their end.
     */
    private void maintainerPass(final Engine engine)
    {
        engine.maintainer.runOnce(clock.nanoTime());
        for (int i = 0; i < 100_000 && engine.crawler.running(); i++)
        {
            engine.crawler.doWork();
        }
        assertFalse(engine.crawler.running());
    }

    @Test
    void shouldParkUntilTheMaintainerIsDue()
    {
        final Engine engine = (Engine)cache();
        final BackgroundIdle idle = idleOf(engine);
        maintainerPass(engine);
        final long due = engine.maintainer.nextWakeNanos() - clock.nanoTime();
        assertTrue(due >= MS, "the maintainer pauses at least a millisecond: " + due);
        assertEquals(Math.min(due, BackgroundIdle.MAX_PARK_NANOS), idle.parkNanos(clock.nanoTime()));
        clock.advanceNanos(due - 100_000);
        assertEquals(Math.max(100_000, BackgroundIdle.MIN_PARK_NANOS), idle.parkNanos(clock.nanoTime()));
    }

    @Test
    void shouldNeverSpinOnAnAgentThatIsDueButIdle()
    {
        final Engine engine = (Engine)cache();
        final BackgroundIdle idle = idleOf(engine);
        maintainerPass(engine);
        clock.advanceNanos(5_000 * MS);
        assertEquals(BackgroundIdle.MIN_PARK_NANOS, idle.parkNanos(clock.nanoTime()));
    }

    @Test
    void shouldWakeAtLeastEveryTenMillisecondsWhenNothingIsDue()
    {
        final Engine engine = (Engine)cache();
        final BackgroundIdle idle = idleOf(engine);
        // an empty cache: every class backs off towards a second
        for (int i = 0; i < 200; i++)
        {
            maintainerPass(engine);
            clock.advanceNanos(engine.maintainer.nextWakeNanos() - clock.nanoTime());
        }
        maintainerPass(engine);
        assertTrue(engine.maintainer.nextWakeNanos() - clock.nanoTime() > BackgroundIdle.MAX_PARK_NANOS);
        assertEquals(BackgroundIdle.MAX_PARK_NANOS, idle.parkNanos(clock.nanoTime()));
        engine.maintainer.enabled = false;
        assertEquals(BackgroundIdle.MAX_PARK_NANOS, idle.parkNanos(clock.nanoTime()));
    }

    @Test
    void shouldFollowARunningCrawlBatchByBatch()
    {
        final MemcachedCache cache = cache();
        final Engine engine = (Engine)cache;
        final BackgroundIdle idle = idleOf(engine);
        engine.maintainer.enabled = false;
        for (int i = 0; i < 5_000; i++)
        {
            cache.set("k" + i, b("v"));
        }
        cache.admin().lruCrawlerSleep(2_000);
        assertEquals(CrawlResult.OK, cache.admin().lruCrawlerCrawl(null));
        assertTrue(engine.crawler.running());
        assertEquals(BackgroundIdle.MIN_PARK_NANOS, idle.parkNanos(clock.nanoTime()), "a crawl starts at once");
        int rounds = 0;
        while (engine.crawler.nextRunNanos() <= clock.nanoTime() && rounds++ < 10_000)
        {
            engine.crawler.doWork();
        }
        assertTrue(engine.crawler.running(), "a 5,000-item crawl sleeps between batches of 1,000");
        assertEquals(2 * MS, idle.parkNanos(clock.nanoTime()));
        clock.advanceNanos(MS + MS / 2);
        assertEquals(MS / 2, idle.parkNanos(clock.nanoTime()));
    }
}
