/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.caffinitas.ohc.CacheSerializer;
import org.caffinitas.ohc.OHCache;
import org.caffinitas.ohc.OHCacheBuilder;
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

/**
 * Anchor: OHC 0.7.4, an off-heap cache, under the same {@link Workload} and operations as {@link EngineBenchmark}:
 * {@link #getHit}, {@link #getMiss}, {@link #set} (overwrite) and {@link #mix90}. Throughput in operations per
 * second, per thread count given with {@code -t}.
 * <p>
 * The cache is {@code OHCacheBuilder.<byte[], byte[]>newBuilder()} with a trivial {@code byte[]} serializer for keys
 * and values (the bytes themselves; OHC hands the deserializer a buffer of exactly the stored length) and a capacity
 * of 512 MiB, every other setting at OHC's default (linked implementation, LRU eviction). Keys are the
 * {@code byte[]}s of {@link Workload#key(String, int)}, built in setup. OHC's {@code get} returns a new
 * {@code byte[]} and allocates its own buffers on the way: that allocation is part of what OHC costs, and
 * {@code -prof gc} shows it. Setup and teardown check that all {@value Workload#KEY_COUNT} entries are there and that
 * nothing was evicted.
 * <p>
 * Run (from the repository root, after {@code ./mvnw -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar OhcBenchmark -t 1 -prof gc
 * java -jar benchmarks/target/benchmarks.jar OhcBenchmark -t 2 -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:MaxDirectMemorySize=4g"})
public class OhcBenchmark
{
    private static final long CAPACITY = 512L << 20;

    private OHCache<byte[], byte[]> cache;
    private byte[][] hitKeys;
    private byte[][] missKeys;
    private byte[] value;

    /**
     * Build and preload the cache, and check that every key is there.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        cache = OHCacheBuilder.<byte[], byte[]>newBuilder()
            .keySerializer(ByteArraySerializer.INSTANCE)
            .valueSerializer(ByteArraySerializer.INSTANCE)
            .capacity(CAPACITY)
            .build();
        value = Workload.value(Workload.VALUE_LENGTH);
        hitKeys = keys(Workload.HIT_PREFIX);
        missKeys = keys(Workload.MISS_PREFIX);
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            if (!cache.put(hitKeys[i], value))
            {
                throw new IllegalStateException("preload: put of key " + i + " failed");
            }
        }
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            final byte[] stored = cache.get(hitKeys[i]);
            if (stored == null || stored.length != Workload.VALUE_LENGTH)
            {
                throw new IllegalStateException("preload: key " + i + " is not in the cache");
            }
        }
        check();
        System.out.println("OHC: " + cache.stats());
    }

    /**
     * Check that nothing was evicted, then close the cache.
     *
     * @throws IOException if closing fails.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        try
        {
            check();
        }
        finally
        {
            cache.close();
        }
    }

    /**
     * {@code get} of a stored key.
     *
     * @param keys this thread's key sequence.
     * @return a copy of the value.
     */
    @Benchmark
    public byte[] getHit(final KeyStream keys)
    {
        return cache.get(hitKeys[keys.nextKey()]);
    }

    /**
     * {@code get} of a key that was never stored.
     *
     * @param keys this thread's key sequence.
     * @return null.
     */
    @Benchmark
    public byte[] getMiss(final KeyStream keys)
    {
        return cache.get(missKeys[keys.nextKey()]);
    }

    /**
     * {@code put} of a stored key: an overwrite.
     *
     * @param keys this thread's key sequence.
     * @return true if stored.
     */
    @Benchmark
    public boolean set(final KeyStream keys)
    {
        return cache.put(hitKeys[keys.nextKey()], value);
    }

    /**
     * 90% {@code get}, 10% {@code put}, of stored keys, in a random order fixed in setup.
     *
     * @param keys this thread's key sequence.
     * @return a copy of the value for a get, or null for a put.
     */
    @Benchmark
    public byte[] mix90(final KeyStream keys)
    {
        final int slot = keys.advance();
        final byte[] key = hitKeys[keys.key(slot)];
        if (keys.isWrite(slot))
        {
            cache.put(key, value);
            return null;
        }
        return cache.get(key);
    }

    private static byte[][] keys(final String prefix)
    {
        final byte[][] keys = new byte[Workload.KEY_COUNT][];
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            keys[i] = Workload.key(prefix, i);
        }
        return keys;
    }

    private void check()
    {
        final long evictions = cache.stats().getEvictionCount();
        final long size = cache.size();
        if (evictions != 0 || size != Workload.KEY_COUNT)
        {
            throw new IllegalStateException("OHC holds " + size + " entries after " + evictions + " evictions: " +
                cache.stats());
        }
    }

    /**
     * Stores a {@code byte[]} as its bytes.
     */
    static final class ByteArraySerializer implements CacheSerializer<byte[]>
    {
        static final ByteArraySerializer INSTANCE = new ByteArraySerializer();

        public void serialize(final byte[] bytes, final ByteBuffer buffer)
        {
            buffer.put(bytes);
        }

        public byte[] deserialize(final ByteBuffer buffer)
        {
            final byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }

        public int serializedSize(final byte[] bytes)
        {
            return bytes.length;
        }
    }
}
