/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * memcached's number parsing ({@code safe_strtoull}, {@code safe_strtoul}, {@code safe_strtol}, {@code safe_strtod}):
 * C's {@code strtoull}/{@code strtol} over one token, with their quirks kept, because clients see them. Leading
 * white space and a sign are accepted; the digits must be followed by the token's end or white space; out of range
 * fails; an unsigned value that reads as negative fails only when a minus sign was given; 32-bit results are the low
 * bits of the 64-bit value ({@code set k 4294967297 ...} stores flags 1). The parsed value is left in {@link #value};
 * one instance per session, not threadsafe.
 */
final class CNumbers
{
    /** The last value parsed. */
    long value;
    /** The last double parsed. */
    double doubleValue;

    private static boolean isSpace(final int c)
    {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** Whether the sign {@link #skipSpaceAndSign} passed over was a minus. */
    private boolean minus;

    /**
     * What C's {@code strtoull}/{@code strtoll} skip before the digits: white space, then one sign.
     *
     * @return where the digits start; the sign is in {@link #minus}.
     */
    private int skipSpaceAndSign(final ByteBuffer b, final int start, final int end)
    {
        int i = start;
        while (i < end && isSpace(b.get(i)))
        {
            i++;
        }
        minus = false;
        if (i < end && (b.get(i) == '+' || b.get(i) == '-'))
        {
            minus = b.get(i) == '-';
            i++;
        }
        return i;
    }

    /**
     * {@code safe_strtoull}: an unsigned 64-bit decimal.
     *
     * @return true when valid; the value in {@link #value}.
     */
    boolean strtoull(final ByteBuffer b, final int start, final int length)
    {
        value = 0;
        final int end = start + length;
        int i = skipSpaceAndSign(b, start, end);
        final boolean negative = minus;
        final int digitsStart = i;
        long v = 0;
        boolean overflow = false;
        while (i < end)
        {
            final int c = b.get(i);
            if (c < '0' || c > '9')
            {
                break;
            }
            final int d = c - '0';
            // v * 10 + d must stay below 2^64
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0)
            {
                overflow = true;
            }
            v = v * 10 + d;
            i++;
        }
        if (i == digitsStart || overflow)
        {
            return false;
        }
        if (i < end && !isSpace(b.get(i)))
        {
            return false;
        }
        final long result = negative ? -v : v;
        if (result < 0 && negative)
        {
            return false;
        }
        value = result;
        return true;
    }

    /**
     * {@code safe_strtoul} on a 64-bit system: as {@link #strtoull}, the result truncated to 32 bits (read it as
     * unsigned with {@code (int)value}).
     *
     * @return true when valid.
     */
    boolean strtoul(final ByteBuffer b, final int start, final int length)
    {
        if (!strtoull(b, start, length))
        {
            return false;
        }
        value &= 0xFFFF_FFFFL;
        return true;
    }

    /**
     * {@code safe_strtol} on a 64-bit system: a signed 64-bit decimal truncated to 32 bits.
     *
     * @return true when valid; the signed 32-bit value in {@link #value}.
     */
    boolean strtol(final ByteBuffer b, final int start, final int length)
    {
        if (!strtoll(b, start, length))
        {
            return false;
        }
        value = (int)value;
        return true;
    }

    /**
     * {@code safe_strtoll}: a signed 64-bit decimal.
     *
     * @return true when valid.
     */
    boolean strtoll(final ByteBuffer b, final int start, final int length)
    {
        value = 0;
        final int end = start + length;
        int i = skipSpaceAndSign(b, start, end);
        final boolean negative = minus;
        final int digitsStart = i;
        long v = 0;
        boolean overflow = false;
        while (i < end)
        {
            final int c = b.get(i);
            if (c < '0' || c > '9')
            {
                break;
            }
            final int d = c - '0';
            // accumulate negatively so that Long.MIN_VALUE fits
            if (v < (Long.MIN_VALUE + d) / 10)
            {
                overflow = true;
            }
            v = v * 10 - d;
            i++;
        }
        if (i == digitsStart)
        {
            return false;
        }
        if (!negative && v == Long.MIN_VALUE)
        {
            overflow = true;
        }
        if (overflow || (i < end && !isSpace(b.get(i))))
        {
            return false;
        }
        value = negative ? v : -v;
        return true;
    }

    /**
     * {@code safe_strtod}: C's {@code strtod} over the token ({@link CStrtod}), which must hold nothing after the
     * number and be in range.
     *
     * @return true when valid; the value in {@link #doubleValue}.
     */
    boolean strtod(final ByteBuffer b, final int start, final int length)
    {
        final byte[] text = new byte[length];
        b.get(start, text);
        final java.util.OptionalDouble d = CStrtod.safeStrtod(new String(text, StandardCharsets.ISO_8859_1));
        if (d.isEmpty())
        {
            return false;
        }
        doubleValue = d.getAsDouble();
        return true;
    }
}
