/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.nio.ByteBuffer;

/**
 * The meta protocol: {@code mg <key> v} answered by {@code VA <bytes>} and the data (or {@code EN} on a miss);
 * {@code ms <key> <bytes>} with the data, answered by {@code HD}. Not threadsafe.
 */
final class MetaProtocol extends WireProtocol
{
    private static final byte[] GET_PREFIX = ascii("mg ");
    private static final byte[] GET_SUFFIX = ascii(" v\r\n");
    private static final byte[] SET_PREFIX = ascii("ms ");
    private static final byte[] VALUE = ascii("VA ");
    private static final byte[] MISS_LINE = ascii("EN\r\n");
    private static final byte[] STORED_LINE = ascii("HD\r\n");

    /**
     * A codec.
     *
     * @param keys keys and values.
     */
    MetaProtocol(final KeySpace keys)
    {
        super(keys);
    }

    @Override
    int maxRequestLength()
    {
        return SET_PREFIX.length + keys.keySize() + 1 + 10 + 2 + keys.valueMax() + 2;
    }

    @Override
    int maxReplyLength()
    {
        return MAX_LINE + keys.valueMax() + 2;
    }

    @Override
    int encodeGet(final ByteBuffer buffer, final int index, final int key, final int opaque)
    {
        buffer.put(index, GET_PREFIX);
        final int i = keys.writeKey(buffer, index + GET_PREFIX.length, key);
        buffer.put(i, GET_SUFFIX);
        return i + GET_SUFFIX.length;
    }

    @Override
    int encodeSet(final ByteBuffer buffer, final int index, final int key, final int opaque)
    {
        final int length = keys.valueSize(key);
        buffer.put(index, SET_PREFIX);
        int i = keys.writeKey(buffer, index + SET_PREFIX.length, key);
        buffer.put(i, (byte)' ');
        i = putDecimal(buffer, i + 1, length);
        i = putCrLf(buffer, i);
        i = keys.writeValue(buffer, i, key, length);
        return putCrLf(buffer, i);
    }

    @Override
    int decode(final ByteBuffer buffer, final int index, final int limit, final int op, final int key, final int opaque)
    {
        if (limit - index < STORED_LINE.length)
        {
            return 0;
        }
        if (op == SET)
        {
            if (matches(buffer, index, limit, STORED_LINE))
            {
                outcome = STORED;
                return STORED_LINE.length;
            }
            return errorLine(buffer, index, limit);
        }
        if (matches(buffer, index, limit, MISS_LINE))
        {
            outcome = MISS;
            return MISS_LINE.length;
        }
        if (!matches(buffer, index, limit, VALUE))
        {
            return errorLine(buffer, index, limit);
        }
        int i = scanNumber(buffer, index + VALUE.length, limit);
        if (i < 0)
        {
            return i == NEED_MORE ? 0 : DESYNC;
        }
        final long length = number;
        if (length > keys.valueMax())
        {
            return DESYNC;
        }
        // Return flags, if any, run to the end of the line.
        final int lineEnd = Math.min(limit, index + MAX_LINE);
        while (i < lineEnd && buffer.get(i) != '\r')
        {
            i++;
        }
        if (i == lineEnd)
        {
            return lineEnd == limit ? 0 : DESYNC;
        }
        if (limit < i + 2)
        {
            return 0;
        }
        if (buffer.get(i + 1) != '\n')
        {
            return DESYNC;
        }
        final int data = i + 2;
        final int end = data + (int)length + 2;
        if (limit < end)
        {
            return 0;
        }
        if (!isCrLf(buffer, data + (int)length))
        {
            return DESYNC;
        }
        outcome = keys.valueEquals(buffer, data, key, (int)length) ? HIT : ERROR;
        return end - index;
    }
}
