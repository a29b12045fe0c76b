/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link Region} over Agrona's {@link UnsafeBuffer}. Only constructed when the JVM exports
 * {@code jdk.internal.misc} (see {@link MemoryPath}); Agrona's bounds checks stay on.
 */
final class UnsafeRegion extends Region
{
    private final ByteBuffer byteBuffer;
    private final UnsafeBuffer buffer;

    UnsafeRegion(final ByteBuffer byteBuffer)
    {
        super(byteBuffer.capacity());
        this.byteBuffer = byteBuffer;
        this.buffer = new UnsafeBuffer(byteBuffer);
    }

    ByteBuffer byteBuffer()
    {
        return byteBuffer;
    }

    byte getByte(final int index)
    {
        return buffer.getByte(index);
    }

    void putByte(final int index, final byte value)
    {
        buffer.putByte(index, value);
    }

    short getShort(final int index)
    {
        return buffer.getShort(index);
    }

    void putShort(final int index, final short value)
    {
        buffer.putShort(index, value);
    }

    int getInt(final int index)
    {
        return buffer.getInt(index);
    }

    void putInt(final int index, final int value)
    {
        buffer.putInt(index, value);
    }

    long getLong(final int index)
    {
        return buffer.getLong(index);
    }

    void putLong(final int index, final long value)
    {
        buffer.putLong(index, value);
    }

    int getIntVolatile(final int index)
    {
        return buffer.getIntVolatile(index);
    }

    void putIntRelease(final int index, final int value)
    {
        buffer.putIntRelease(index, value);
    }

    boolean compareAndSetInt(final int index, final int expected, final int value)
    {
        return buffer.compareAndSetInt(index, expected, value);
    }

    long getLongVolatile(final int index)
    {
        return buffer.getLongVolatile(index);
    }

    void putLongRelease(final int index, final long value)
    {
        buffer.putLongRelease(index, value);
    }

    boolean compareAndSetLong(final int index, final long expected, final long value)
    {
        return buffer.compareAndSetLong(index, expected, value);
    }

    void getBytes(final int index, final byte[] dst, final int dstOffset, final int length)
    {
        buffer.getBytes(index, dst, dstOffset, length);
    }

    void putBytes(final int index, final byte[] src, final int srcOffset, final int length)
    {
        buffer.putBytes(index, src, srcOffset, length);
    }

    void getBytes(final int index, final ByteBuffer dst, final int dstIndex, final int length)
    {
        // Agrona copies through the buffer's address or array, past a read-only view; the VarHandle path refuses
        if (dst.isReadOnly())
        {
            throw new ReadOnlyBufferException();
        }
        buffer.getBytes(index, dst, dstIndex, length);
    }

    void putBytes(final int index, final ByteBuffer src, final int srcIndex, final int length)
    {
        buffer.putBytes(index, src, srcIndex, length);
    }

    void getBytes(final int index, final MutableDirectBuffer dst, final int dstIndex, final int length)
    {
        dst.putBytes(dstIndex, buffer, index, length);
    }

    void putBytes(final int index, final DirectBuffer src, final int srcIndex, final int length)
    {
        buffer.putBytes(index, src, srcIndex, length);
    }

    void copyTo(final int index, final Region dst, final int dstIndex, final int length)
    {
        ((UnsafeRegion)dst).buffer.putBytes(dstIndex, buffer, index, length);
    }

    void setMemory(final int index, final int length, final byte value)
    {
        buffer.setMemory(index, length, value);
    }
}
