/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A contiguous block of off-heap memory: a slab page, an index table or a key scratch area. Every byte of item and
 * index memory is read and written through this class, so that the engine runs on either of two implementations
 * chosen once per JVM by {@link MemoryPath}:
 * <ul>
 *     <li>{@link UnsafeRegion}, over Agrona's {@code UnsafeBuffer}, when the JVM exports
 *     {@code jdk.internal.misc};</li>
 *     <li>{@link VarHandleRegion}, over a direct {@link ByteBuffer} with {@code VarHandle}s, which needs no JVM
 *     flag.</li>
 * </ul>
 * All multi-byte values are in native byte order. Plain accessors may be unaligned; the {@code …Volatile},
 * {@code …Release} and {@code compareAndSet…} accessors require natural alignment (4 for ints, 8 for longs).
 * <p>
 * Not threadsafe by itself: the callers' locks and the ordering named in each accessor give the guarantees.
 */
abstract class Region
{
    /**
     * The size, in the region object itself: a reader that has the region has its size without another load, and
     * as a final field it is seen with the region by any thread that sees the region, however it got it (an index
     * stripe's table is read under an optimistic stamp, racing with a resize).
     */
    private final int capacity;

    Region(final int capacity)
    {
        this.capacity = capacity;
    }

    /**
     * The byte buffer that backs this region.
     *
     * @return the backing direct buffer.
     */
    abstract ByteBuffer byteBuffer();

    /**
     * The size of this region in bytes, fixed for its life.
     *
     * @return the capacity in bytes.
     */
    final int capacity()
    {
        return capacity;
    }

    abstract byte getByte(int index);

    abstract void putByte(int index, byte value);

    abstract short getShort(int index);

    abstract void putShort(int index, short value);

    abstract int getInt(int index);

    abstract void putInt(int index, int value);

    abstract long getLong(int index);

    abstract void putLong(int index, long value);

    abstract int getIntVolatile(int index);

    abstract void putIntRelease(int index, int value);

    abstract boolean compareAndSetInt(int index, int expected, int value);

    abstract long getLongVolatile(int index);

    abstract void putLongRelease(int index, long value);

    abstract boolean compareAndSetLong(int index, long expected, long value);

    /**
     * Copy bytes out of this region into a heap array.
     */
    abstract void getBytes(int index, byte[] dst, int dstOffset, int length);

    /**
     * Copy bytes from a heap array into this region.
     */
    abstract void putBytes(int index, byte[] src, int srcOffset, int length);

    /**
     * Copy bytes out of this region into a buffer at an absolute index; the buffer's position is not changed.
     */
    abstract void getBytes(int index, ByteBuffer dst, int dstIndex, int length);

    /**
     * Copy bytes from a buffer at an absolute index into this region; the buffer's position is not changed.
     */
    abstract void putBytes(int index, ByteBuffer src, int srcIndex, int length);

    /**
     * Copy bytes out of this region into an Agrona buffer.
     */
    abstract void getBytes(int index, MutableDirectBuffer dst, int dstIndex, int length);

    /**
     * Copy bytes from an Agrona buffer into this region.
     */
    abstract void putBytes(int index, DirectBuffer src, int srcIndex, int length);

    /**
     * Copy bytes from this region to another region (of the same implementation).
     */
    abstract void copyTo(int index, Region dst, int dstIndex, int length);

    /**
     * Fill a range with one byte value.
     */
    abstract void setMemory(int index, int length, byte value);

    /**
     * Compare a range of this region with a range of another region.
     *
     * @return true when the bytes are equal.
     */
    final boolean rangeEquals(final int index, final Region other, final int otherIndex, final int length)
    {
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            if (getLong(index + i) != other.getLong(otherIndex + i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (getByte(index + i) != other.getByte(otherIndex + i))
            {
                return false;
            }
        }
        return true;
    }
}
