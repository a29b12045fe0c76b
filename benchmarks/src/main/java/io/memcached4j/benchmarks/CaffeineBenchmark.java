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
import org.openjdk.jmh.annotations.Param;
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
 * a reference to a {@code byte[]}: this is Caffeine's natural cost model, not a copy into cache memory.
 * <p>
 * The engine's get copies the value into the caller's buffer, so it reads the value's bytes; Caffeine's
 * {@code getIfPresent} returns a reference and reads none of them. {@link #getHitRead} and {@link #mix90Read} are the
 * same operations followed by what a caller that uses the value does first: copy its bytes (into a per-thread array,
 * as a server would into its output buffer). With one shared value array that copy always hits the CPU's cache,
 * which is why the {@code valueArrays} parameter also offers one array per entry ({@code distinct}), what a cache of a
 * million values holds.
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
    private byte[][] values;

    /**
     * {@code shared}: every entry refers to one {@code byte[]}; {@code distinct}: every entry has its own array of
     * {@value Workload#VALUE_LENGTH} bytes (about 116 MB of heap in all, between the entries).
     */
    @Param({"shared", "distinct"})
    public String valueArrays;

    /**
     * Where {@link #getHitRead} and {@link #mix90Read} copy a value: one array per thread.
     */
    @State(Scope.Thread)
    public static class Destination
    {
        final byte[] bytes = new byte[Workload.VALUE_LENGTH];
    }

    /**
     * Build and preload the cache, build the lookup keys, and check that every key is there.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        cache = Caffeine.newBuilder().maximumSize(MAXIMUM_SIZE).build();
        final byte[] shared = Workload.value(Workload.VALUE_LENGTH);
        final boolean distinct = "distinct".equals(valueArrays);
        values = new byte[Workload.KEY_COUNT][];
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            values[i] = distinct ? shared.clone() : shared;
            cache.put(Workload.keyString(Workload.HIT_PREFIX, i), values[i]);
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
        final int key = keys.nextKey();
        cache.put(hitKeys[key], values[key]);
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
        final int index = keys.key(slot);
        final String key = hitKeys[index];
        if (keys.isWrite(slot))
        {
            cache.put(key, values[index]);
            return null;
        }
        return cache.getIfPresent(key);
    }

    /**
     * {@link #getHit}, then a copy of the value's bytes into the thread's array.
     *
     * @param keys        this thread's key sequence.
     * @param destination this thread's array.
     * @return the array the value was copied into.
     */
    @Benchmark
    public byte[] getHitRead(final KeyStream keys, final Destination destination)
    {
        final byte[] value = getHit(keys);
        System.arraycopy(value, 0, destination.bytes, 0, value.length);
        return destination.bytes;
    }

    /**
     * {@link #mix90}, with each get's value copied into the thread's array.
     *
     * @param keys        this thread's key sequence.
     * @param destination this thread's array.
     * @return the array a get's value was copied into, or null for a put.
     */
    @Benchmark
    public byte[] mix90Read(final KeyStream keys, final Destination destination)
    {
        final byte[] value = mix90(keys);
        if (value == null)
        {
            return null;
        }
        System.arraycopy(value, 0, destination.bytes, 0, value.length);
        return destination.bytes;
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
