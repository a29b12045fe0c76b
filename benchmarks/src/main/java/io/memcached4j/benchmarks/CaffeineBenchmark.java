/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Anchor: Caffeine 3.2, an on-heap cache, under the same {@link Workload} and operations as {@link EngineBenchmark}:
 * {@link #getHit}, {@link #getMiss}, {@link #set} (overwrite) and {@link #mix90}. Throughput in operations per
 * second, per thread count given with {@code -t}.
 * <p>
 * The cache is what a typical Caffeine user builds: {@code Cache<String, byte[]>} from
 * {@code Caffeine.newBuilder().maximumSize(2_000_000).build()} (bounded, so the size policy's bookkeeping is
 * included; the bound is never reached, setup and teardown check that all {@value Workload#KEY_COUNT} entries are
 * there). Keys are {@code String}s, the common usage; the lookup keys are different {@code String} instances from
 * the stored ones, equal in content and with their hash codes computed in setup, as they would be when an application
 * builds a key per request and looks it up. A get returns the stored {@code byte[]} itself (no copy) and a set stores
 * a reference to one shared {@code byte[]}: this is Caffeine's natural cost model, not a copy into cache memory.
 * <p>
 * Run (from the repository root, after {@code ./mvnw -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CaffeineBenchmark -t 1 -prof gc
 * java -jar benchmarks/target/benchmarks.jar CaffeineBenchmark -t 2 -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class CaffeineBenchmark
{
    private static final long MAXIMUM_SIZE = 2_000_000;

    private Cache<String, byte[]> cache;
    private String[] hitKeys;
    private String[] missKeys;
    private byte[] value;

    /**
     * Build and preload the cache, build the lookup keys, and check that every key is there.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        cache = Caffeine.newBuilder().maximumSize(MAXIMUM_SIZE).build();
        value = Workload.value(Workload.VALUE_LENGTH);
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            cache.put(Workload.keyString(Workload.HIT_PREFIX, i), value);
        }
        hitKeys = lookupKeys(Workload.HIT_PREFIX);
        missKeys = lookupKeys(Workload.MISS_PREFIX);
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            if (cache.getIfPresent(hitKeys[i]) == null)
            {
                throw new IllegalStateException("preload: key " + i + " is not in the cache");
            }
        }
        cache.cleanUp();
        checkSize();
    }

    /**
     * Check that nothing was evicted.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        cache.cleanUp();
        checkSize();
    }

    /**
     * {@code getIfPresent} of a stored key.
     *
     * @param keys this thread's key sequence.
     * @return the value.
     */
    @Benchmark
    public byte[] getHit(final KeyStream keys)
    {
        return cache.getIfPresent(hitKeys[keys.nextKey()]);
    }

    /**
     * {@code getIfPresent} of a key that was never stored.
     *
     * @param keys this thread's key sequence.
     * @return null.
     */
    @Benchmark
    public byte[] getMiss(final KeyStream keys)
    {
        return cache.getIfPresent(missKeys[keys.nextKey()]);
    }

    /**
     * {@code put} of a stored key: an overwrite.
     *
     * @param keys this thread's key sequence.
     */
    @Benchmark
    public void set(final KeyStream keys)
    {
        cache.put(hitKeys[keys.nextKey()], value);
    }

    /**
     * 90% {@code getIfPresent}, 10% {@code put}, of stored keys, in a random order fixed in setup.
     *
     * @param keys this thread's key sequence.
     * @return the value of a get, or null for a put.
     */
    @Benchmark
    public byte[] mix90(final KeyStream keys)
    {
        final int slot = keys.advance();
        final String key = hitKeys[keys.key(slot)];
        if (keys.isWrite(slot))
        {
            cache.put(key, value);
            return null;
        }
        return cache.getIfPresent(key);
    }

    private static String[] lookupKeys(final String prefix)
    {
        final String[] keys = new String[Workload.KEY_COUNT];
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            keys[i] = Workload.keyString(prefix, i);
            keys[i].hashCode();
        }
        return keys;
    }

    private void checkSize()
    {
        final long size = cache.estimatedSize();
        if (size != Workload.KEY_COUNT)
        {
            throw new IllegalStateException("the cache holds " + size + " entries, not " + Workload.KEY_COUNT);
        }
    }
}
