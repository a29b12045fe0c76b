/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.nio.ByteBuffer;

/**
 * The keys and values of a run: key {@code i} is {@code 'k'} followed by {@code i} in decimal, zero-padded to the
 * key size; its value has a length and content that depend on {@code i} only, so that every reply to a get can be
 * checked byte for byte whichever set stored it last. Threadsafe after construction (read only).
 * <p>
 * A value's length is fixed, or spread uniformly over {@code [valueMin, valueMax]} by a hash of the key index. Its
 * content is a window of a shared pattern of printable bytes, starting at an offset taken from the key index.
 */
final class KeySpace
{
    /** First byte of every key. */
    static final byte KEY_PREFIX = 'k';
    /** Longest key memcached accepts. */
    static final int MAX_KEY_SIZE = 250;

    private static final int OFFSETS = 256;

    private final int keyCount;
    private final int keySize;
    private final int valueMin;
    private final int valueMax;
    private final ByteBuffer pattern;

    /**
     * A key space.
     *
     * @param keyCount number of keys.
     * @param keySize  length of every key in bytes; at least one more than the digits of {@code keyCount - 1}.
     * @param valueMin shortest value.
     * @param valueMax longest value.
     */
    KeySpace(final int keyCount, final int keySize, final int valueMin, final int valueMax)
    {
        if (keyCount < 1)
        {
            throw new IllegalArgumentException("key count must be at least 1: " + keyCount);
        }
        final int digits = Integer.toString(keyCount - 1).length();
        if (keySize < digits + 1 || keySize > MAX_KEY_SIZE)
        {
            throw new IllegalArgumentException(
                "key size must be between " + (digits + 1) + " and " + MAX_KEY_SIZE + " for " + keyCount + " keys: " +
                keySize);
        }
        if (valueMin < 0 || valueMax < valueMin)
        {
            throw new IllegalArgumentException("bad value size range: " + valueMin + "-" + valueMax);
        }
        this.keyCount = keyCount;
        this.keySize = keySize;
        this.valueMin = valueMin;
        this.valueMax = valueMax;
        pattern = ByteBuffer.allocateDirect(valueMax + OFFSETS + Long.BYTES);
        for (int i = 0; i < pattern.capacity(); i++)
        {
            pattern.put(i, (byte)('a' + (i % 23)));
        }
    }

    /**
     * Number of keys.
     *
     * @return the number of keys.
     */
    int keyCount()
    {
        return keyCount;
    }

    /**
     * Length of every key.
     *
     * @return key length in bytes.
     */
    int keySize()
    {
        return keySize;
    }

    /**
     * Longest value.
     *
     * @return the largest value length.
     */
    int valueMax()
    {
        return valueMax;
    }

    /**
     * Shortest value.
     *
     * @return the smallest value length.
     */
    int valueMin()
    {
        return valueMin;
    }

    /**
     * Write key {@code key} at {@code index}.
     *
     * @param buffer destination.
     * @param index  absolute index of the first byte.
     * @param key    key index.
     * @return the index after the key.
     */
    int writeKey(final ByteBuffer buffer, final int index, final int key)
    {
        buffer.put(index, KEY_PREFIX);
        int value = key;
        for (int i = index + keySize - 1; i > index; i--)
        {
            buffer.put(i, (byte)('0' + value % 10));
            value /= 10;
        }
        return index + keySize;
    }

    /**
     * Whether the bytes at {@code index} are key {@code key}; the caller has checked that they are available.
     *
     * @param buffer source.
     * @param index  absolute index of the first byte.
     * @param key    key index.
     * @return true if they are.
     */
    boolean keyEquals(final ByteBuffer buffer, final int index, final int key)
    {
        if (buffer.get(index) != KEY_PREFIX)
        {
            return false;
        }
        int value = key;
        for (int i = index + keySize - 1; i > index; i--)
        {
            if (buffer.get(i) != (byte)('0' + value % 10))
            {
                return false;
            }
            value /= 10;
        }
        return true;
    }

    /**
     * Length of the value of key {@code key}.
     *
     * @param key key index.
     * @return value length in bytes.
     */
    int valueSize(final int key)
    {
        if (valueMin == valueMax)
        {
            return valueMin;
        }
        long h = key * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        final long range = (long)valueMax - valueMin + 1;
        return valueMin + (int)(((h >>> 32) * range) >>> 32);
    }

    /**
     * Write the value of key {@code key}.
     *
     * @param buffer destination.
     * @param index  absolute index of the first byte.
     * @param key    key index.
     * @param length value length, {@link #valueSize(int)}.
     * @return the index after the value.
     */
    int writeValue(final ByteBuffer buffer, final int index, final int key, final int length)
    {
        buffer.put(index, pattern, key & (OFFSETS - 1), length);
        return index + length;
    }

    /**
     * Whether {@code length} bytes at {@code index} are the value of key {@code key}; the caller has checked that
     * they are available.
     *
     * @param buffer source.
     * @param index  absolute index of the first byte.
     * @param key    key index.
     * @param length length of the value received.
     * @return true if the length and every byte are right.
     */
    boolean valueEquals(final ByteBuffer buffer, final int index, final int key, final int length)
    {
        if (length != valueSize(key))
        {
            return false;
        }
        final int offset = key & (OFFSETS - 1);
        int i = 0;
        for (; i <= length - Long.BYTES; i += Long.BYTES)
        {
            if (buffer.getLong(index + i) != pattern.getLong(offset + i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (buffer.get(index + i) != pattern.get(offset + i))
            {
                return false;
            }
        }
        return true;
    }
}
