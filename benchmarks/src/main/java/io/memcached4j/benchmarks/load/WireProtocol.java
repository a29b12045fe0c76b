/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes requests into, and decodes replies from, a connection's direct buffers, in place and without allocating.
 * Not threadsafe: each worker thread has its own instance ({@link #outcome} is per decode).
 * <p>
 * {@link #decode} is given the request the reply answers (operation, key, opaque) and returns how many bytes the
 * complete reply takes, 0 when more bytes are needed, or {@link #DESYNC} when the bytes cannot be the reply to that
 * request (the connection is then out of step and is closed).
 */
abstract class WireProtocol
{
    /** Operation: get. */
    static final int GET = 0;
    /** Operation: set. */
    static final int SET = 1;

    /** Outcome: a get returned the expected value. */
    static final int HIT = 0;
    /** Outcome: a get found nothing. */
    static final int MISS = 1;
    /** Outcome: a set was stored. */
    static final int STORED = 2;
    /** Outcome: an error reply, or a value with the wrong length or bytes. */
    static final int ERROR = 3;

    /** Returned by {@link #decode} when the stream is out of step. */
    static final int DESYNC = -1;

    /** Returned by {@link #scanNumber} when the number may continue past the bytes received. */
    static final int NEED_MORE = -2;

    /** Longest reply line accepted before the stream is declared out of step. */
    static final int MAX_LINE = 1024;

    private static final byte[][] ERROR_LINES = {
        ascii("ERROR"), ascii("CLIENT_ERROR"), ascii("SERVER_ERROR"), ascii("NOT_STORED"), ascii("EXISTS"),
        ascii("NOT_FOUND"), ascii("NS"), ascii("EX"), ascii("NF")};

    /** The keys and values. */
    final KeySpace keys;
    /** Outcome of the last successful {@link #decode}. */
    int outcome;
    /** Value of the last number read by {@link #scanNumber}. */
    long number;

    /**
     * A protocol over a key space.
     *
     * @param keys keys and values.
     */
    WireProtocol(final KeySpace keys)
    {
        this.keys = keys;
    }

    /**
     * Create the codec named on the command line.
     *
     * @param name {@code text}, {@code meta} or {@code binary}.
     * @param keys keys and values.
     * @return the codec.
     */
    static WireProtocol create(final String name, final KeySpace keys)
    {
        switch (name)
        {
            case "text":
                return new TextProtocol(keys);
            case "meta":
                return new MetaProtocol(keys);
            case "binary":
                return new BinaryProtocol(keys);
            default:
                throw new IllegalArgumentException("unknown protocol (text, meta, binary): " + name);
        }
    }

    /**
     * Longest request this codec writes.
     *
     * @return bytes.
     */
    abstract int maxRequestLength();

    /**
     * Longest reply this codec expects.
     *
     * @return bytes.
     */
    abstract int maxReplyLength();

    /**
     * Encode a get of {@code key}.
     *
     * @param buffer destination.
     * @param index  absolute index to write at.
     * @param key    key index.
     * @param opaque request number (binary protocol only).
     * @return the index after the request.
     */
    abstract int encodeGet(ByteBuffer buffer, int index, int key, int opaque);

    /**
     * Encode a set of {@code key} to its value.
     *
     * @param buffer destination.
     * @param index  absolute index to write at.
     * @param key    key index.
     * @param opaque request number (binary protocol only).
     * @return the index after the request.
     */
    abstract int encodeSet(ByteBuffer buffer, int index, int key, int opaque);

    /**
     * Decode the reply to a request; on success {@link #outcome} says what it was.
     *
     * @param buffer source.
     * @param index  absolute index of the reply's first byte.
     * @param limit  index after the last byte received.
     * @param op     {@link #GET} or {@link #SET}.
     * @param key    key index of the request.
     * @param opaque request number.
     * @return bytes consumed, 0 if the reply is incomplete, {@link #DESYNC} if the bytes cannot be the reply.
     */
    abstract int decode(ByteBuffer buffer, int index, int limit, int op, int key, int opaque);

    /**
     * Consume a complete error line ({@code ERROR}, {@code CLIENT_ERROR ...}, {@code SERVER_ERROR ...},
     * {@code NOT_STORED}, meta's {@code NS} ...) as an {@link #ERROR} outcome.
     *
     * @param buffer source.
     * @param index  absolute index of the line's first byte.
     * @param limit  index after the last byte received.
     * @return bytes consumed, 0 if the line is incomplete, {@link #DESYNC} if it is no error line.
     */
    final int errorLine(final ByteBuffer buffer, final int index, final int limit)
    {
        final int end = Math.min(limit, index + MAX_LINE);
        int newline = -1;
        for (int i = index; i < end; i++)
        {
            if (buffer.get(i) == '\n')
            {
                newline = i;
                break;
            }
        }
        if (newline < 0)
        {
            return end - index >= MAX_LINE ? DESYNC : 0;
        }
        if (newline == index || buffer.get(newline - 1) != '\r')
        {
            return DESYNC;
        }
        for (final byte[] prefix : ERROR_LINES)
        {
            if (matches(buffer, index, newline - 1, prefix))
            {
                final int after = index + prefix.length;
                if (after == newline - 1 || buffer.get(after) == ' ')
                {
                    outcome = ERROR;
                    return newline + 1 - index;
                }
            }
        }
        return DESYNC;
    }

    /**
     * Whether {@code expected} is at {@code index}, all of it before {@code limit}.
     *
     * @param buffer   source.
     * @param index    absolute index.
     * @param limit    index after the last byte that may be compared.
     * @param expected bytes.
     * @return true if they match.
     */
    static boolean matches(final ByteBuffer buffer, final int index, final int limit, final byte[] expected)
    {
        if (limit - index < expected.length)
        {
            return false;
        }
        for (int i = 0; i < expected.length; i++)
        {
            if (buffer.get(index + i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Read an unsigned decimal number of 1 to 19 digits into {@link #number}.
     *
     * @param buffer source.
     * @param index  absolute index of the first digit.
     * @param limit  index after the last byte received.
     * @return the index of the first byte after the digits, {@link #NEED_MORE} if the digits reach {@code limit},
     * {@link #DESYNC} if there is no digit or too many.
     */
    final int scanNumber(final ByteBuffer buffer, final int index, final int limit)
    {
        long value = 0;
        int i = index;
        while (true)
        {
            if (i == limit)
            {
                return i - index > 19 ? DESYNC : NEED_MORE;
            }
            final int digit = buffer.get(i) - '0';
            if (digit < 0 || digit > 9)
            {
                break;
            }
            value = value * 10 + digit;
            i++;
        }
        if (i == index || i - index > 19)
        {
            return DESYNC;
        }
        number = value;
        return i;
    }

    /**
     * Write a non-negative decimal number.
     *
     * @param buffer destination.
     * @param index  absolute index.
     * @param value  number, at least 0.
     * @return the index after the digits.
     */
    static int putDecimal(final ByteBuffer buffer, final int index, final int value)
    {
        int digits = 1;
        for (int v = value; v >= 10; v /= 10)
        {
            digits++;
        }
        int v = value;
        for (int i = index + digits - 1; i >= index; i--)
        {
            buffer.put(i, (byte)('0' + v % 10));
            v /= 10;
        }
        return index + digits;
    }

    /**
     * Write {@code "\r\n"}.
     *
     * @param buffer destination.
     * @param index  absolute index.
     * @return the index after it.
     */
    static int putCrLf(final ByteBuffer buffer, final int index)
    {
        buffer.put(index, (byte)'\r');
        buffer.put(index + 1, (byte)'\n');
        return index + 2;
    }

    /**
     * Whether {@code "\r\n"} is at {@code index}; the caller has checked that two bytes are available.
     *
     * @param buffer source.
     * @param index  absolute index.
     * @return true if it is.
     */
    static boolean isCrLf(final ByteBuffer buffer, final int index)
    {
        return buffer.get(index) == '\r' && buffer.get(index + 1) == '\n';
    }

    /**
     * US-ASCII bytes of a constant.
     *
     * @param text the constant.
     * @return its bytes.
     */
    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
