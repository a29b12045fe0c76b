/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * The cache's notion of time, in whole seconds like memcached's {@code current_time}. Item times (last access,
 * expiry) are stored relative to {@link #processStarted()}; a client's absolute expiry times (more than 30 days) are
 * Unix times converted with it. Tests use {@link ManualClock} to move time instead of sleeping.
 * <p>
 * Implementations must be threadsafe and {@link #currentTime()} must never go backwards.
 */
public interface Clock
{
    /**
     * Seconds since {@link #processStarted()}: memcached's {@code current_time}.
     *
     * @return the current relative time in seconds.
     */
    int currentTime();

    /**
     * The Unix time, in seconds, at which {@link #currentTime()} was zero: memcached's {@code process_started}.
     *
     * @return Unix seconds of relative time zero.
     */
    long processStarted();

    /**
     * A monotonic nanosecond clock for scheduling background work.
     *
     * @return nanoseconds from an arbitrary origin.
     */
    long nanoTime();

    /**
     * The current Unix time in seconds, as this clock sees it.
     *
     * @return Unix seconds.
     */
    default long unixTime()
    {
        return processStarted() + currentTime();
    }
}
