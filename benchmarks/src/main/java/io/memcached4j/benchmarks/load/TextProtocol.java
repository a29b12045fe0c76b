/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.nio.ByteBuffer;

/**
 * The ASCII text protocol: {@code get <key>} answered by {@code VALUE <key> <flags> <bytes>}, the data and
 * {@code END} (or {@code END} alone on a miss); {@code set <key> 0 0 <bytes>} with the data, answered by
 * {@code STORED}. The key in each {@code VALUE} line is checked against the request's. Not threadsafe.
 */
final class TextProtocol extends WireProtocol
{
    private static final byte[] GET_PREFIX = ascii("get ");
    private static final byte[] SET_PREFIX = ascii("set ");
    private static final byte[] SET_MIDDLE = ascii(" 0 0 ");
    private static final byte[] VALUE = ascii("VALUE ");
    private static final byte[] END = ascii("END\r\n");
    private static final byte[] STORED_LINE = ascii("STORED\r\n");

    /**
     * A codec.
     *
     * @param keys keys and values.
     */
    TextProtocol(final KeySpace keys)
    {
        super(keys);
    }

    @Override
    int maxRequestLength()
    {
        return SET_PREFIX.length + keys.keySize() + SET_MIDDLE.length + 10 + 2 + keys.valueMax() + 2;
    }

    @Override
    int maxReplyLength()
    {
        return VALUE.length + keys.keySize() + 2 * 21 + 2 + keys.valueMax() + 2 + END.length + MAX_LINE;
    }

    @Override
    int encodeGet(final ByteBuffer buffer, final int index, final int key, final int opaque)
    {
        buffer.put(index, GET_PREFIX);
        final int i = keys.writeKey(buffer, index + GET_PREFIX.length, key);
        return putCrLf(buffer, i);
    }

    @Override
    int encodeSet(final ByteBuffer buffer, final int index, final int key, final int opaque)
    {
        final int length = keys.valueSize(key);
        buffer.put(index, SET_PREFIX);
        int i = keys.writeKey(buffer, index + SET_PREFIX.length, key);
        buffer.put(i, SET_MIDDLE);
        i = putDecimal(buffer, i + SET_MIDDLE.length, length);
        i = putCrLf(buffer, i);
        i = keys.writeValue(buffer, i, key, length);
        return putCrLf(buffer, i);
    }

    @Override
    int decode(final ByteBuffer buffer, final int index, final int limit, final int op, final int key, final int opaque)
    {
        final int available = limit - index;
        if (op == SET)
        {
            if (available >= STORED_LINE.length && matches(buffer, index, limit, STORED_LINE))
            {
                outcome = STORED;
                return STORED_LINE.length;
            }
            return errorLine(buffer, index, limit);
        }
        if (available < END.length)
        {
            return 0;
        }
        if (matches(buffer, index, limit, END))
        {
            outcome = MISS;
            return END.length;
        }
        if (!matches(buffer, index, limit, VALUE))
        {
            return available < VALUE.length ? 0 : errorLine(buffer, index, limit);
        }
        final int keyStart = index + VALUE.length;
        final int keySize = keys.keySize();
        if (limit < keyStart + keySize + 1)
        {
            return 0;
        }
        if (!keys.keyEquals(buffer, keyStart, key) || buffer.get(keyStart + keySize) != ' ')
        {
            return DESYNC;
        }
        int i = scanNumber(buffer, keyStart + keySize + 1, limit);
        if (i < 0)
        {
            return i == NEED_MORE ? 0 : DESYNC;
        }
        if (buffer.get(i) != ' ')
        {
            return DESYNC;
        }
        i = scanNumber(buffer, i + 1, limit);
        if (i < 0)
        {
            return i == NEED_MORE ? 0 : DESYNC;
        }
        final long length = number;
        if (buffer.get(i) == ' ')
        {
            i = scanNumber(buffer, i + 1, limit);
            if (i < 0)
            {
                return i == NEED_MORE ? 0 : DESYNC;
            }
        }
        if (limit < i + 2)
        {
            return 0;
        }
        if (!isCrLf(buffer, i) || length > keys.valueMax())
        {
            return DESYNC;
        }
        final int data = i + 2;
        final int end = data + (int)length + 2 + END.length;
        if (limit < end)
        {
            return 0;
        }
        if (!isCrLf(buffer, data + (int)length) || !matches(buffer, data + (int)length + 2, limit, END))
        {
            return DESYNC;
        }
        outcome = keys.valueEquals(buffer, data, key, (int)length) ? HIT : ERROR;
        return end - index;
    }
}
