/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The workload every JMH benchmark here runs, defined once so that the engine and the anchors see the same keys,
 * values and key sequences.
 * <ul>
 *     <li>{@value #KEY_COUNT} keys of exactly {@value #KEY_LENGTH} ASCII bytes, {@code key:%012d}, all preloaded;</li>
 *     <li>as many miss keys, {@code mis:%012d}: the same length, never stored;</li>
 *     <li>values of {@value #VALUE_LENGTH} bytes;</li>
 *     <li>key sequences of {@value #STREAM_LENGTH} indices per thread, drawn in setup, uniform or Zipf with exponent
 *     {@value #ZIPF_EXPONENT}; Zipf ranks are scattered over the key space by a fixed permutation, shared by all
 *     threads, so the hot keys are the same for every thread but not neighbours in memory;</li>
 *     <li>for the mixed benchmark, a per-thread sequence of operations with {@value #WRITE_PERCENT}% sets.</li>
 * </ul>
 * Key sets are built once per JVM and shared read-only; every benchmark thread reads its keys from them, as an
 * application reads keys it already holds.
 */
public final class Workload
{
    /** Keys preloaded into every cache. */
    public static final int KEY_COUNT = 1_000_000;
    /** Length of every key, hit or miss. */
    public static final int KEY_LENGTH = 16;
    /** Length of every value. */
    public static final int VALUE_LENGTH = 100;
    /** Length of each thread's precomputed key sequence; a power of two. */
    public static final int STREAM_LENGTH = 1 << 20;
    /** Exponent of the Zipf distribution. */
    public static final double ZIPF_EXPONENT = 0.99;
    /** Percent of sets in the mixed benchmark. */
    public static final int WRITE_PERCENT = 10;
    /** Prefix of the stored keys. */
    public static final String HIT_PREFIX = "key:";
    /** Prefix of the keys that are never stored. */
    public static final String MISS_PREFIX = "mis:";

    private static final long PERMUTATION_SEED = 0x6d656d6361636865L;

    private static ByteBuffer hitBlock;
    private static ByteBuffer missBlock;
    private static double[] zipfCdf;
    private static int[] zipfRankToKey;

    private Workload()
    {
    }

    /**
     * A key as bytes: the prefix, then the index as zero-padded decimal digits up to {@link #KEY_LENGTH}.
     *
     * @param prefix {@link #HIT_PREFIX} or {@link #MISS_PREFIX}.
     * @param index  the key's index, below {@link #KEY_COUNT}.
     * @return a new array of {@link #KEY_LENGTH} bytes.
     */
    public static byte[] key(final String prefix, final int index)
    {
        return formatKey(prefix, index, KEY_LENGTH);
    }

    /**
     * A key as a {@code String} (its ASCII bytes are those of {@link #key(String, int)}).
     *
     * @param prefix {@link #HIT_PREFIX} or {@link #MISS_PREFIX}.
     * @param index  the key's index.
     * @return the key.
     */
    public static String keyString(final String prefix, final int index)
    {
        return new String(key(prefix, index), StandardCharsets.US_ASCII);
    }

    /**
     * A key of any length: the prefix, then the index in decimal, zero-padded to fill {@code length} bytes.
     *
     * @param prefix the ASCII prefix.
     * @param index  a non-negative index.
     * @param length the key length.
     * @return a new array of {@code length} bytes.
     */
    public static byte[] formatKey(final String prefix, final int index, final int length)
    {
        final byte[] key = new byte[length];
        final int digits = length - prefix.length();
        for (int i = 0; i < prefix.length(); i++)
        {
            key[i] = (byte)prefix.charAt(i);
        }
        int rest = index;
        for (int i = length - 1; i >= prefix.length(); i--)
        {
            key[i] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        if (rest != 0)
        {
            throw new IllegalArgumentException(index + " does not fit in " + digits + " digits");
        }
        return key;
    }

    /**
     * A value of {@code length} bytes of printable filler.
     *
     * @param length the value length.
     * @return a new array.
     */
    public static byte[] value(final int length)
    {
        final byte[] value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            value[i] = (byte)('a' + i % 26);
        }
        return value;
    }

    /**
     * All {@link #KEY_COUNT} stored keys back to back in one direct buffer, key {@code i} at {@code i * KEY_LENGTH}.
     * Built once per JVM; shared, so callers must not move its position or limit: take a {@code duplicate()}.
     *
     * @return the shared buffer.
     */
    public static synchronized ByteBuffer hitKeyBlock()
    {
        if (hitBlock == null)
        {
            hitBlock = keyBlock(HIT_PREFIX);
        }
        return hitBlock;
    }

    /**
     * All {@link #KEY_COUNT} miss keys, laid out as {@link #hitKeyBlock()}.
     *
     * @return the shared buffer.
     */
    public static synchronized ByteBuffer missKeyBlock()
    {
        if (missBlock == null)
        {
            missBlock = keyBlock(MISS_PREFIX);
        }
        return missBlock;
    }

    private static ByteBuffer keyBlock(final String prefix)
    {
        final ByteBuffer block = ByteBuffer.allocateDirect(KEY_COUNT * KEY_LENGTH);
        for (int i = 0; i < KEY_COUNT; i++)
        {
            block.put(i * KEY_LENGTH, key(prefix, i));
        }
        return block;
    }

    /**
     * A sequence of {@link #STREAM_LENGTH} key indices below {@link #KEY_COUNT}.
     *
     * @param distribution {@code uniform} or {@code zipf}.
     * @param seed         the seed; threads use different seeds.
     * @return the indices.
     */
    public static int[] keyIndices(final String distribution, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] indices = new int[STREAM_LENGTH];
        switch (distribution)
        {
            case "uniform":
                for (int i = 0; i < STREAM_LENGTH; i++)
                {
                    indices[i] = random.nextInt(KEY_COUNT);
                }
                break;
            case "zipf":
                final double[] cdf = zipfCdf();
                final int[] rankToKey = zipfRankToKey();
                for (int i = 0; i < STREAM_LENGTH; i++)
                {
                    indices[i] = rankToKey[rank(cdf, random.nextDouble())];
                }
                break;
            default:
                throw new IllegalArgumentException("distribution must be uniform or zipf, not " + distribution);
        }
        return indices;
    }

    /**
     * A sequence of {@link #STREAM_LENGTH} operation kinds, true for a set, each true with probability
     * {@link #WRITE_PERCENT}%.
     *
     * @param seed the seed.
     * @return the operation kinds.
     */
    public static boolean[] writeMask(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final boolean[] writes = new boolean[STREAM_LENGTH];
        for (int i = 0; i < STREAM_LENGTH; i++)
        {
            writes[i] = random.nextInt(100) < WRITE_PERCENT;
        }
        return writes;
    }

    /**
     * The smallest rank whose cumulative probability reaches {@code u}.
     */
    private static int rank(final double[] cdf, final double u)
    {
        int low = 0;
        int high = cdf.length - 1;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            if (cdf[mid] < u)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    private static synchronized double[] zipfCdf()
    {
        if (zipfCdf == null)
        {
            final double[] cdf = new double[KEY_COUNT];
            double sum = 0;
            for (int i = 0; i < KEY_COUNT; i++)
            {
                sum += 1.0 / Math.pow(i + 1, ZIPF_EXPONENT);
                cdf[i] = sum;
            }
            for (int i = 0; i < KEY_COUNT; i++)
            {
                cdf[i] /= sum;
            }
            cdf[KEY_COUNT - 1] = 1.0;
            zipfCdf = cdf;
        }
        return zipfCdf;
    }

    private static synchronized int[] zipfRankToKey()
    {
        if (zipfRankToKey == null)
        {
            final int[] permutation = new int[KEY_COUNT];
            for (int i = 0; i < KEY_COUNT; i++)
            {
                permutation[i] = i;
            }
            final SplittableRandom random = new SplittableRandom(PERMUTATION_SEED);
            for (int i = KEY_COUNT - 1; i > 0; i--)
            {
                final int j = random.nextInt(i + 1);
                final int swap = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = swap;
            }
            zipfRankToKey = permutation;
        }
        return zipfRankToKey;
    }
}
