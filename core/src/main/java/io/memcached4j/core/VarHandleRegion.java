/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A {@link Region} over a direct {@link ByteBuffer}, accessed with byte-buffer view {@link VarHandle}s. Needs no JVM
 * flag on JDK 17 to 25. The buffer's own position, limit and byte order are never used: every access is absolute and
 * in native order.
 */
final class VarHandleRegion extends Region
{
    private static final VarHandle SHORTS =
        MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.nativeOrder());
    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final ByteBuffer buffer;

    VarHandleRegion(final ByteBuffer buffer)
    {
        super(buffer.capacity());
        if (!buffer.isDirect())
        {
            throw new IllegalArgumentException("a region needs a direct buffer");
        }
        this.buffer = buffer;
    }

    ByteBuffer byteBuffer()
    {
        return buffer;
    }

    byte getByte(final int index)
    {
        return buffer.get(index);
    }

    void putByte(final int index, final byte value)
    {
        buffer.put(index, value);
    }

    short getShort(final int index)
    {
        return (short)SHORTS.get(buffer, index);
    }

    void putShort(final int index, final short value)
    {
        SHORTS.set(buffer, index, value);
    }

    int getInt(final int index)
    {
        return (int)INTS.get(buffer, index);
    }

    void putInt(final int index, final int value)
    {
        INTS.set(buffer, index, value);
    }

    long getLong(final int index)
    {
        return (long)LONGS.get(buffer, index);
    }

    void putLong(final int index, final long value)
    {
        LONGS.set(buffer, index, value);
    }

    int getIntVolatile(final int index)
    {
        return (int)INTS.getVolatile(buffer, index);
    }

    void putIntRelease(final int index, final int value)
    {
        INTS.setRelease(buffer, index, value);
    }

    boolean compareAndSetInt(final int index, final int expected, final int value)
    {
        return INTS.compareAndSet(buffer, index, expected, value);
    }

    long getLongVolatile(final int index)
    {
        return (long)LONGS.getVolatile(buffer, index);
    }

    void putLongRelease(final int index, final long value)
    {
        LONGS.setRelease(buffer, index, value);
    }

    boolean compareAndSetLong(final int index, final long expected, final long value)
    {
        return LONGS.compareAndSet(buffer, index, expected, value);
    }

    void getBytes(final int index, final byte[] dst, final int dstOffset, final int length)
    {
        buffer.get(index, dst, dstOffset, length);
    }

    void putBytes(final int index, final byte[] src, final int srcOffset, final int length)
    {
        buffer.put(index, src, srcOffset, length);
    }

    void getBytes(final int index, final ByteBuffer dst, final int dstIndex, final int length)
    {
        dst.put(dstIndex, buffer, index, length);
    }

    void putBytes(final int index, final ByteBuffer src, final int srcIndex, final int length)
    {
        buffer.put(index, src, srcIndex, length);
    }

    void getBytes(final int index, final MutableDirectBuffer dst, final int dstIndex, final int length)
    {
        dst.putBytes(dstIndex, buffer, index, length);
    }

    void putBytes(final int index, final DirectBuffer src, final int srcIndex, final int length)
    {
        src.getBytes(srcIndex, buffer, index, length);
    }

    void copyTo(final int index, final Region dst, final int dstIndex, final int length)
    {
        ((VarHandleRegion)dst).buffer.put(dstIndex, buffer, index, length);
    }

    void setMemory(final int index, final int length, final byte value)
    {
        int i = 0;
        final long word = (value & 0xFFL) * 0x0101010101010101L;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            LONGS.set(buffer, index + i, word);
        }
        for (; i < length; i++)
        {
            buffer.put(index + i, value);
        }
    }
}
