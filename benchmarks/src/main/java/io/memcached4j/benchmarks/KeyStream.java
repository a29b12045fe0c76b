/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.util.concurrent.atomic.AtomicInteger;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One benchmark thread's key sequence: {@link Workload#STREAM_LENGTH} key indices and as many operation kinds,
 * drawn in setup so that a measured call only reads the next slot of two arrays and advances a cursor (no random
 * number generator, no allocation). The sequence wraps around. Each thread of a trial gets its own seed.
 * <p>
 * The {@code distribution} parameter is {@code uniform} or {@code zipf} (exponent {@value Workload#ZIPF_EXPONENT});
 * every benchmark in this package takes it from here.
 */
@State(Scope.Thread)
public class KeyStream
{
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final int MASK = Workload.STREAM_LENGTH - 1;

    /**
     * How keys are drawn: {@code uniform} or {@code zipf}.
     */
    @Param({"uniform", "zipf"})
    public String distribution;

    private int[] indices;
    private boolean[] writes;
    private int cursor;

    /**
     * Draw this thread's sequences.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final long seed = 0x9E3779B97F4A7C15L * (THREADS.incrementAndGet() + 1);
        indices = Workload.keyIndices(distribution, seed);
        writes = Workload.writeMask(~seed);
        cursor = 0;
    }

    /**
     * Advance to the next slot.
     *
     * @return the slot, for {@link #key(int)} and {@link #isWrite(int)}.
     */
    public int advance()
    {
        final int slot = cursor;
        cursor = (slot + 1) & MASK;
        return slot;
    }

    /**
     * The key index of a slot.
     *
     * @param slot a slot from {@link #advance()}.
     * @return a key index below {@link Workload#KEY_COUNT}.
     */
    public int key(final int slot)
    {
        return indices[slot];
    }

    /**
     * Whether the mixed benchmark sets at a slot.
     *
     * @param slot a slot from {@link #advance()}.
     * @return true for a set, false for a get.
     */
    public boolean isWrite(final int slot)
    {
        return writes[slot];
    }

    /**
     * The next key index.
     *
     * @return a key index below {@link Workload#KEY_COUNT}.
     */
    public int nextKey()
    {
        return indices[advance()];
    }
}
