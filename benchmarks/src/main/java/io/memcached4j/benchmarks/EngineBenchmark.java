/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import io.memcached4j.core.CacheStats;
import io.memcached4j.core.MemcachedCache;
import io.memcached4j.core.StoreResult;

/**
 * The engine's zero-allocation API under the {@link Workload}: {@link #getHit}, {@link #getMiss}, {@link #set}
 * (overwriting a stored key) and {@link #mix90} (90% get, 10% set), each under the {@code distribution}
 * parameter of {@link KeyStream}. Throughput in operations per second, per thread count given with {@code -t}.
 * <p>
 * The engine chooses its memory path once per JVM, so the methods live here and two subclasses run them in forks
 * with different JVM options: {@link EngineVarHandleBenchmark} ({@code -Dmemcached4j.memory=varhandle}) and
 * {@link EngineUnsafeBenchmark} ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
 * -Dmemcached4j.memory=unsafe}). Setup checks, through the engine's internals, that the engine took the path the
 * subclass names, and fails the trial otherwise.
 * <p>
 * The cache is built with {@code MemcachedCache.builder().memoryLimit(512 MiB).build()}, every other setting at
 * memcached's default (background threads on), and preloaded from one thread with all {@value Workload#KEY_COUNT}
 * keys. Setup then reads every key back and fails unless all are hits and nothing was evicted; statistics are reset
 * after that, and teardown fails the trial if the benchmark evicted, if {@code getHit} missed or {@code getMiss} hit.
 * <p>
 * Each thread has its own direct buffers: a view of the shared key block whose position and limit are moved onto
 * the key (no {@code duplicate()} in the measured path), a value of {@value Workload#VALUE_LENGTH} bytes, and a
 * destination buffer cleared before every get. The measured methods allocate nothing of their own; run with
 * {@code -prof gc} to see what the engine allocates.
 * <p>
 * Run (from the repository root, after {@code ./mvnw -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'Engine.*' -t 1 -prof gc
 * java -jar benchmarks/target/benchmarks.jar 'Engine.*' -t 2 -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class EngineBenchmark
{
    /** Item memory: 1M items of 16-byte keys and 100-byte values take 152 MB of pages (150 bytes an item). */
    static final long MEMORY_LIMIT = 512L << 20;

    private MemcachedCache cache;

    /**
     * Build and preload the cache, and check that every key is there.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final String path = checkMemoryPath(memoryPath());
        cache = MemcachedCache.builder().memoryLimit(MEMORY_LIMIT).build();
        final ByteBuffer keys = Workload.hitKeyBlock().duplicate();
        final ByteBuffer value = ByteBuffer.allocateDirect(Workload.VALUE_LENGTH);
        value.put(0, Workload.value(Workload.VALUE_LENGTH));
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            final StoreResult result = cache.set(keyAt(keys, i), value, 0, 0);
            if (result != StoreResult.STORED)
            {
                throw new IllegalStateException("preload: set of key " + i + " returned " + result);
            }
        }
        final ByteBuffer dst = ByteBuffer.allocateDirect(Workload.VALUE_LENGTH);
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            dst.clear();
            if (cache.get(keyAt(keys, i), dst) != Workload.VALUE_LENGTH)
            {
                throw new IllegalStateException("preload: key " + i + " is not in the cache");
            }
        }
        final CacheStats stats = cache.stats();
        if (stats.get("evictions") != 0 || stats.get("curr_items") != Workload.KEY_COUNT)
        {
            throw new IllegalStateException("preload: memory limit too small, " + stats);
        }
        System.out.println("memcached4j memory path " + path + ", " + Workload.KEY_COUNT + " items, bytes " +
            stats.get("bytes") + ", total_malloced " + stats.totalMalloced());
        cache.resetStats();
    }

    /**
     * Check what the benchmark did, then close the cache.
     *
     * @param params the benchmark being run.
     */
    @TearDown(Level.Trial)
    public void tearDown(final BenchmarkParams params)
    {
        try
        {
            final CacheStats stats = cache.stats();
            final String name = params.getBenchmark();
            System.out.println("after " + name.substring(name.lastIndexOf('.') + 1) + ": get_hits " +
                stats.get("get_hits") + ", get_misses " + stats.get("get_misses") + ", cmd_set " +
                stats.get("cmd_set") + ", evictions " + stats.get("evictions") + ", curr_items " +
                stats.get("curr_items"));
            if (stats.get("evictions") != 0 || stats.get("curr_items") != Workload.KEY_COUNT)
            {
                throw new IllegalStateException("the cache evicted during the benchmark: " + stats);
            }
            if (name.endsWith(".getHit") && stats.get("get_misses") != 0)
            {
                throw new IllegalStateException("getHit missed: " + stats);
            }
            if (name.endsWith(".getMiss") && stats.get("get_hits") != 0)
            {
                throw new IllegalStateException("getMiss hit: " + stats);
            }
        }
        finally
        {
            cache.close();
        }
    }

    /**
     * {@code get} of a stored key.
     *
     * @param keys    this thread's key sequence.
     * @param buffers this thread's buffers.
     * @return the value length.
     */
    @Benchmark
    public int getHit(final KeyStream keys, final EngineBuffers buffers)
    {
        final ByteBuffer dst = buffers.dst;
        dst.clear();
        return cache.get(buffers.hitKey(keys.nextKey()), dst);
    }

    /**
     * {@code get} of a key that was never stored.
     *
     * @param keys    this thread's key sequence.
     * @param buffers this thread's buffers.
     * @return {@link MemcachedCache#MISS}.
     */
    @Benchmark
    public int getMiss(final KeyStream keys, final EngineBuffers buffers)
    {
        final ByteBuffer dst = buffers.dst;
        dst.clear();
        return cache.get(buffers.missKey(keys.nextKey()), dst);
    }

    /**
     * {@code set} of a stored key: an overwrite.
     *
     * @param keys    this thread's key sequence.
     * @param buffers this thread's buffers.
     * @return the outcome.
     */
    @Benchmark
    public StoreResult set(final KeyStream keys, final EngineBuffers buffers)
    {
        return cache.set(buffers.hitKey(keys.nextKey()), buffers.value, 0, 0);
    }

    /**
     * 90% {@code get} of a stored key, 10% {@code set} of a stored key, in a random order fixed in setup.
     *
     * @param keys    this thread's key sequence.
     * @param buffers this thread's buffers.
     * @return the value length of a get, or the ordinal of a set's outcome.
     */
    @Benchmark
    public int mix90(final KeyStream keys, final EngineBuffers buffers)
    {
        final int slot = keys.advance();
        final ByteBuffer key = buffers.hitKey(keys.key(slot));
        if (keys.isWrite(slot))
        {
            return cache.set(key, buffers.value, 0, 0).ordinal();
        }
        final ByteBuffer dst = buffers.dst;
        dst.clear();
        return cache.get(key, dst);
    }

    static ByteBuffer keyAt(final ByteBuffer block, final int index)
    {
        final int offset = index * Workload.KEY_LENGTH;
        block.limit(offset + Workload.KEY_LENGTH);
        block.position(offset);
        return block;
    }

    /**
     * The memory path this class measures, as the engine names it.
     *
     * @return {@code VARHANDLE} or {@code UNSAFE}.
     */
    protected abstract String memoryPath();

    /**
     * Check that the engine took the expected memory path in this JVM. The engine does not publish its choice, so
     * this reads its package-private {@code MemoryPath.selected()} (the benchmark jar runs everything on the class
     * path, in one unnamed module); if that fails, {@code -Dmemcached4j.memory} must name the expected path, which
     * the engine honours or fails on.
     */
    private static String checkMemoryPath(final String expected)
    {
        String selected;
        try
        {
            final Method method = Class.forName("io.memcached4j.core.MemoryPath").getDeclaredMethod("selected");
            method.setAccessible(true);
            selected = String.valueOf(method.invoke(null));
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            selected = System.getProperty("memcached4j.memory", "");
        }
        if (!selected.equalsIgnoreCase(expected))
        {
            throw new IllegalStateException("this benchmark measures the " + expected + " memory path but the " +
                "engine selected " + (selected.isEmpty() ? "another" : selected) + ": were the fork's JVM options " +
                "replaced by -jvmArgsAppend on the command line?");
        }
        return selected;
    }

    /**
     * One benchmark thread's buffers, all direct.
     */
    @State(Scope.Thread)
    public static class EngineBuffers
    {
        ByteBuffer hits;
        ByteBuffer misses;
        ByteBuffer value;
        ByteBuffer dst;

        /**
         * Allocate this thread's buffers and views.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            hits = Workload.hitKeyBlock().duplicate();
            misses = Workload.missKeyBlock().duplicate();
            value = ByteBuffer.allocateDirect(Workload.VALUE_LENGTH);
            value.put(0, Workload.value(Workload.VALUE_LENGTH));
            dst = ByteBuffer.allocateDirect(Workload.VALUE_LENGTH);
        }

        ByteBuffer hitKey(final int index)
        {
            return keyAt(hits, index);
        }

        ByteBuffer missKey(final int index)
        {
            return keyAt(misses, index);
        }
    }
}
