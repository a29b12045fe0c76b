/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.nio.ByteBuffer;

/**
 * The binary protocol: GET (0x00) answered with status 0, 4 bytes of flags and the value (or status 1, key not
 * found); SET (0x01) with flags 0 and exptime 0, answered with status 0. Every reply's magic, opcode and opaque
 * (the request number) are checked. Not threadsafe.
 */
final class BinaryProtocol extends WireProtocol
{
    /** Header length of requests and replies. */
    static final int HEADER = 24;

    private static final byte REQUEST = (byte)0x80;
    private static final byte RESPONSE = (byte)0x81;
    private static final byte OPCODE_GET = 0x00;
    private static final byte OPCODE_SET = 0x01;
    private static final int SET_EXTRAS = 8;
    private static final int STATUS_KEY_NOT_FOUND = 1;

    /**
     * A codec.
     *
     * @param keys keys and values.
     */
    BinaryProtocol(final KeySpace keys)
    {
        super(keys);
    }

    @Override
    int maxRequestLength()
    {
        return HEADER + SET_EXTRAS + keys.keySize() + keys.valueMax();
    }

    @Override
    int maxReplyLength()
    {
        return HEADER + MAX_LINE + keys.valueMax();
    }

    @Override
    int encodeGet(final ByteBuffer buffer, final int index, final int key, final int opaque)
    {
        final int keySize = keys.keySize();
        header(buffer, index, OPCODE_GET, keySize, 0, keySize, opaque);
        return keys.writeKey(buffer, index + HEADER, key);
    }

    @Override
    int encodeSet(final ByteBuffer buffer, final int index, final int key, final int opaque)
    {
        final int keySize = keys.keySize();
        final int length = keys.valueSize(key);
        header(buffer, index, OPCODE_SET, keySize, SET_EXTRAS, SET_EXTRAS + keySize + length, opaque);
        buffer.putLong(index + HEADER, 0L);
        final int i = keys.writeKey(buffer, index + HEADER + SET_EXTRAS, key);
        return keys.writeValue(buffer, i, key, length);
    }

    @Override
    int decode(final ByteBuffer buffer, final int index, final int limit, final int op, final int key, final int opaque)
    {
        if (limit - index < HEADER)
        {
            return 0;
        }
        if (buffer.get(index) != RESPONSE || buffer.get(index + 1) != (op == GET ? OPCODE_GET : OPCODE_SET))
        {
            return DESYNC;
        }
        final int body = buffer.getInt(index + 8);
        if (body < 0 || body > maxReplyLength() - HEADER || buffer.getInt(index + 12) != opaque)
        {
            return DESYNC;
        }
        final int end = index + HEADER + body;
        if (limit < end)
        {
            return 0;
        }
        final int status = buffer.getShort(index + 6) & 0xFFFF;
        if (op == SET)
        {
            outcome = status == 0 ? STORED : ERROR;
        }
        else if (status == 0)
        {
            final int extras = buffer.get(index + 4) & 0xFF;
            final int keyLength = buffer.getShort(index + 2) & 0xFFFF;
            final int length = body - extras - keyLength;
            outcome = length >= 0 && keys.valueEquals(buffer, index + HEADER + extras + keyLength, key, length) ?
                HIT : ERROR;
        }
        else
        {
            outcome = status == STATUS_KEY_NOT_FOUND ? MISS : ERROR;
        }
        return end - index;
    }

    private static void header(
        final ByteBuffer buffer,
        final int index,
        final byte opcode,
        final int keyLength,
        final int extras,
        final int body,
        final int opaque)
    {
        buffer.put(index, REQUEST);
        buffer.put(index + 1, opcode);
        buffer.putShort(index + 2, (short)keyLength);
        buffer.put(index + 4, (byte)extras);
        buffer.put(index + 5, (byte)0);
        buffer.putShort(index + 6, (short)0);
        buffer.putInt(index + 8, body);
        buffer.putInt(index + 12, opaque);
        buffer.putLong(index + 16, 0L);
    }
}
