/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.nio.ByteBuffer;
import java.util.Arrays;
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
 * Caffeine 3.2 as the store behind a byte-keyed cache: keys arrive as bytes (the same key block the engine
 * benchmarks read), so each operation builds a key object from them, hashing its 16 bytes, as a memcached-style
 * service built on Caffeine must. Values are stored and returned as {@code byte[]} references, not copied. This is
 * the second Caffeine anchor; {@link CaffeineBenchmark} is the first, with {@code String} keys made and hashed in
 * setup.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar CaffeineBytesBenchmark -t 1 -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class CaffeineBytesBenchmark
{
    private static final long MAXIMUM_SIZE = 2_000_000;

    private Cache<BytesKey, byte[]> cache;
    private ByteBuffer hitBlock;
    private ByteBuffer missBlock;
    private byte[] value;

    /**
     * A key made of bytes, with its hash computed once when it is made.
     */
    static final class BytesKey
    {
        private final byte[] bytes;
        private final int hash;

        BytesKey(final ByteBuffer block, final int index)
        {
            bytes = new byte[Workload.KEY_LENGTH];
            block.get(index * Workload.KEY_LENGTH, bytes);
            hash = Arrays.hashCode(bytes);
        }

        public int hashCode()
        {
            return hash;
        }

        public boolean equals(final Object other)
        {
            return other instanceof BytesKey && Arrays.equals(bytes, ((BytesKey)other).bytes);
        }
    }

    /**
     * Build and preload the cache.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        cache = Caffeine.newBuilder().maximumSize(MAXIMUM_SIZE).build();
        value = Workload.value(Workload.VALUE_LENGTH);
        hitBlock = Workload.hitKeyBlock();
        missBlock = Workload.missKeyBlock();
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            cache.put(new BytesKey(hitBlock, i), value);
        }
        for (int i = 0; i < Workload.KEY_COUNT; i++)
        {
            if (cache.getIfPresent(new BytesKey(hitBlock, i)) == null)
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
        return cache.getIfPresent(new BytesKey(hitBlock, keys.nextKey()));
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
        return cache.getIfPresent(new BytesKey(missBlock, keys.nextKey()));
    }

    /**
     * {@code put} of a stored key: an overwrite.
     *
     * @param keys this thread's key sequence.
     */
    @Benchmark
    public void set(final KeyStream keys)
    {
        cache.put(new BytesKey(hitBlock, keys.nextKey()), value);
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
        final BytesKey key = new BytesKey(hitBlock, keys.key(slot));
        if (keys.isWrite(slot))
        {
            cache.put(key, value);
            return null;
        }
        return cache.getIfPresent(key);
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
