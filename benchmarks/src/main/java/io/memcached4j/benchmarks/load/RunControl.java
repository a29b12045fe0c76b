/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.util.concurrent.CountDownLatch;

/**
 * The timeline shared by the main thread and the workers: the workers preload, count down {@link #preloaded}, then
 * wait until the main thread publishes the start time; warmup runs from {@link #startNanos()} to
 * {@link #measureStartNanos}, measurement to {@link #measureEndNanos}. Threadsafe: the times are written before the
 * volatile start and read after it.
 */
final class RunControl
{
    /** Counted down by each worker when its share of the key space is stored. */
    final CountDownLatch preloaded;
    /** Counted down by each worker when it has finished. */
    final CountDownLatch finished;
    /** Start of the measured window, {@link System#nanoTime()} clock. */
    long measureStartNanos;
    /** End of the measured window. */
    long measureEndNanos;
    private volatile long start;

    /**
     * A timeline for {@code workers} workers.
     *
     * @param workers worker count.
     */
    RunControl(final int workers)
    {
        preloaded = new CountDownLatch(workers);
        finished = new CountDownLatch(workers);
    }

    /**
     * Publish the timeline.
     *
     * @param startNanos   when the workload starts (warmup included).
     * @param warmupNanos  warmup length.
     * @param measureNanos measured length.
     */
    void publish(final long startNanos, final long warmupNanos, final long measureNanos)
    {
        measureStartNanos = startNanos + warmupNanos;
        measureEndNanos = measureStartNanos + measureNanos;
        start = startNanos;
    }

    /**
     * When the workload starts, or 0 if not yet published.
     *
     * @return the start time.
     */
    long startNanos()
    {
        return start;
    }
}
