/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Reusable views of the caller's value buffers, so that the engine copies values in and out through one interface
 * whatever the caller holds: a {@link ByteBuffer}, an Agrona buffer or a byte array. One set per
 * {@link ThreadContext}; not threadsafe.
 */
final class ValueAdapters
{
    final ByteBufferSource byteBufferSource = new ByteBufferSource();
    final DirectBufferSource directBufferSource = new DirectBufferSource();
    final ArraySource arraySource = new ArraySource();
    final ByteBufferSink byteBufferSink = new ByteBufferSink();
    final DirectBufferSink directBufferSink = new DirectBufferSink();
    final ArraySink arraySink = new ArraySink();
    final RegionSource regionSource = new RegionSource();

    /**
     * Bytes to be copied into item memory.
     */
    abstract static class ValueSource
    {
        int length;

        /**
         * Copy {@code length} bytes starting {@code offset} bytes into this source.
         */
        abstract void copyTo(int offset, Region dst, int dstIndex, int length);

        /**
         * Forget the caller's buffer once the operation is done.
         */
        abstract void clear();
    }

    /**
     * Room for a value copied out of item memory.
     */
    abstract static class ValueSink
    {
        int capacity;

        /**
         * Copy {@code length} bytes to {@code offset} bytes into this sink.
         */
        abstract void copyFrom(Region src, int srcIndex, int offset, int length);

        /**
         * The value of {@code length} bytes is complete: move the caller's position if it has one.
         */
        abstract void complete(int length);

        abstract void clear();
    }

    static final class ByteBufferSource extends ValueSource
    {
        ByteBuffer buffer;
        int position;

        ByteBufferSource wrap(final ByteBuffer buffer)
        {
            this.buffer = buffer;
            this.position = buffer.position();
            this.length = buffer.remaining();
            return this;
        }

        void copyTo(final int offset, final Region dst, final int dstIndex, final int length)
        {
            dst.putBytes(dstIndex, buffer, position + offset, length);
        }

        void clear()
        {
            buffer = null;
        }
    }

    static final class DirectBufferSource extends ValueSource
    {
        DirectBuffer buffer;
        int index;

        DirectBufferSource wrap(final DirectBuffer buffer, final int index, final int length)
        {
            this.buffer = buffer;
            this.index = index;
            this.length = length;
            return this;
        }

        void copyTo(final int offset, final Region dst, final int dstIndex, final int length)
        {
            dst.putBytes(dstIndex, buffer, index + offset, length);
        }

        void clear()
        {
            buffer = null;
        }
    }

    static final class ArraySource extends ValueSource
    {
        byte[] array;
        int index;

        ArraySource wrap(final byte[] array, final int index, final int length)
        {
            this.array = array;
            this.index = index;
            this.length = length;
            return this;
        }

        void copyTo(final int offset, final Region dst, final int dstIndex, final int length)
        {
            dst.putBytes(dstIndex, array, index + offset, length);
        }

        void clear()
        {
            array = null;
        }
    }

    /**
     * A span of item memory as a source, for copies between items.
     */
    static final class RegionSource extends ValueSource
    {
        Region region;
        int index;

        RegionSource wrap(final Region region, final int index, final int length)
        {
            this.region = region;
            this.index = index;
            this.length = length;
            return this;
        }

        void copyTo(final int offset, final Region dst, final int dstIndex, final int length)
        {
            region.copyTo(index + offset, dst, dstIndex, length);
        }

        void clear()
        {
            region = null;
        }
    }

    /**
     * A span of item memory as a sink, for copies between items.
     */
    static final class RegionSink extends ValueSink
    {
        Region region;
        int index;

        RegionSink wrap(final Region region, final int index, final int capacity)
        {
            this.region = region;
            this.index = index;
            this.capacity = capacity;
            return this;
        }

        void copyFrom(final Region src, final int srcIndex, final int offset, final int length)
        {
            src.copyTo(srcIndex, region, index + offset, length);
        }

        void complete(final int length)
        {
        }

        void clear()
        {
            region = null;
        }
    }

    static final class ByteBufferSink extends ValueSink
    {
        ByteBuffer buffer;
        int position;

        ByteBufferSink wrap(final ByteBuffer buffer)
        {
            this.buffer = buffer;
            this.position = buffer.position();
            this.capacity = buffer.remaining();
            return this;
        }

        void copyFrom(final Region src, final int srcIndex, final int offset, final int length)
        {
            src.getBytes(srcIndex, buffer, position + offset, length);
        }

        void complete(final int length)
        {
            buffer.position(position + length);
        }

        void clear()
        {
            buffer = null;
        }
    }

    static final class DirectBufferSink extends ValueSink
    {
        MutableDirectBuffer buffer;
        int index;

        DirectBufferSink wrap(final MutableDirectBuffer buffer, final int index)
        {
            this.buffer = buffer;
            this.index = index;
            this.capacity = buffer.capacity() - index;
            return this;
        }

        void copyFrom(final Region src, final int srcIndex, final int offset, final int length)
        {
            src.getBytes(srcIndex, buffer, index + offset, length);
        }

        void complete(final int length)
        {
        }

        void clear()
        {
            buffer = null;
        }
    }

    static final class ArraySink extends ValueSink
    {
        byte[] array;
        int index;

        ArraySink wrap(final byte[] array, final int index)
        {
            this.array = array;
            this.index = index;
            this.capacity = array.length - index;
            return this;
        }

        void copyFrom(final Region src, final int srcIndex, final int offset, final int length)
        {
            src.getBytes(srcIndex, array, index + offset, length);
        }

        void complete(final int length)
        {
        }

        void clear()
        {
            array = null;
        }
    }
}
