/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.OptionalDouble;

/**
 * C's {@code strtod} as glibc reads text in the C locale, for the numbers memcached reads with {@code atof} (its
 * {@code -f} and three {@code -o} factors) and with its {@code safe_strtod} ({@code lru tune}, {@code slabs automove
 * ratio}, {@code -o slab_automove_freeratio}). What glibc takes and Java's {@link Double#parseDouble} does not, or
 * reads otherwise:
 * <ul>
 *     <li>leading white space ({@code isspace}), then one sign;</li>
 *     <li>{@code inf} and {@code infinity}, {@code nan} and {@code nan(}letters, digits, underscores{@code )}, in
 *     any case; a minus keeps its sign on a NaN ({@code -nan} is printed so);</li>
 *     <li>hexadecimal numbers, {@code 0x} digits with an optional point and an optional binary exponent
 *     ({@code 0x10} is 16, {@code 0x1.8p1} is 3); {@code 0x} without a hexadecimal digit reads as {@code 0};</li>
 *     <li>the longest prefix that is a number: an exponent without digits is not part of it ({@code 1e} is 1);</li>
 *     <li>a result that overflows, or that underflows to a subnormal number or zero and is not exact, is out of
 *     range ({@code ERANGE}): {@code 1e-310} and {@code 1e999} are, {@code 0x1p-1074} and {@code 0e-999} are not.</li>
 * </ul>
 */
public final class CStrtod
{
    private static final long NEGATIVE_NAN_BITS = 0xFFF8_0000_0000_0000L;

    private CStrtod()
    {
    }

    /**
     * What one conversion read.
     *
     * @param value      the number (0 when nothing was read).
     * @param end        how many characters were read, 0 when the text does not start with a number.
     * @param outOfRange whether C would set {@code errno} to {@code ERANGE}.
     */
    public record Result(double value, int end, boolean outOfRange)
    {
    }

    /**
     * {@code strtod(s, &end)}.
     *
     * @param s the text; it ends where C's string would end at its terminating zero.
     * @return the value, where it ends, and whether it is out of range.
     */
    public static Result strtod(final CharSequence s)
    {
        final int n = s.length();
        int i = 0;
        while (i < n && isSpace(s.charAt(i)))
        {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-'))
        {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (startsWithIgnoreCase(s, i, "inf"))
        {
            final int end = startsWithIgnoreCase(s, i, "infinity") ? i + 8 : i + 3;
            return new Result(negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, end, false);
        }
        if (startsWithIgnoreCase(s, i, "nan"))
        {
            int end = i + 3;
            if (end < n && s.charAt(end) == '(')
            {
                int j = end + 1;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) && s.charAt(j) < 0x80 || s.charAt(j) == '_'))
                {
                    j++;
                }
                if (j < n && s.charAt(j) == ')')
                {
                    end = j + 1;
                }
            }
            return new Result(negative ? Double.longBitsToDouble(NEGATIVE_NAN_BITS) : Double.NaN, end, false);
        }
        if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X'))
        {
            final Result hex = hexadecimal(s, i + 2, negative);
            // "0x" with no hexadecimal digit after it: C reads the 0 alone
            return hex != null ? hex : new Result(negative ? -0.0 : 0.0, i + 1, false);
        }
        return decimal(s, i, negative);
    }

    /**
     * C's {@code atof}: {@code strtod} without its end or its range error.
     *
     * @param s the text.
     * @return the value, 0 when the text does not start with a number.
     */
    public static double atof(final CharSequence s)
    {
        return strtod(s).value();
    }

    /**
     * memcached's {@code safe_strtod}: the number must be followed by the end of the text or by white space, and be
     * in range.
     *
     * @param s the text.
     * @return the value, or empty when memcached refuses the text.
     */
    public static OptionalDouble safeStrtod(final CharSequence s)
    {
        final Result r = strtod(s);
        if (r.end() == 0 || r.outOfRange() || (r.end() < s.length() && !isSpace(s.charAt(r.end()))))
        {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(r.value());
    }

    /**
     * A double as C's {@code printf("%.Nf")} prints it: {@code nan}, {@code -nan}, {@code inf} and {@code -inf} for
     * the values that are not numbers, a rounded fixed-point number otherwise.
     *
     * @param value  the value.
     * @param places digits after the point.
     * @return the text.
     */
    public static String fixed(final double value, final int places)
    {
        if (Double.isNaN(value))
        {
            return Double.doubleToRawLongBits(value) < 0 ? "-nan" : "nan";
        }
        if (Double.isInfinite(value))
        {
            return value > 0 ? "inf" : "-inf";
        }
        final String text = new BigDecimal(value).setScale(places, java.math.RoundingMode.HALF_EVEN).toPlainString();
        return value < 0 || (value == 0 && 1 / value < 0) ? (text.startsWith("-") ? text : "-" + text) : text;
    }

    private static Result decimal(final CharSequence s, final int start, final boolean negative)
    {
        final int n = s.length();
        int i = start;
        boolean nonZero = false;
        int digits = 0;
        while (i < n && isDigit(s.charAt(i)))
        {
            nonZero |= s.charAt(i) != '0';
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.')
        {
            i++;
            while (i < n && isDigit(s.charAt(i)))
            {
                nonZero |= s.charAt(i) != '0';
                i++;
                digits++;
            }
        }
        if (digits == 0)
        {
            return new Result(0, 0, false);
        }
        i = exponent(s, i, 'e');
        final String text = s.subSequence(start, i).toString();
        final double magnitude = Double.parseDouble(text);
        final boolean outOfRange = Double.isInfinite(magnitude) || (nonZero && (magnitude == 0 ||
            magnitude < Double.MIN_NORMAL && !exactDecimal(text, magnitude)));
        return new Result(negative ? -magnitude : magnitude, i, outOfRange);
    }

    /**
     * The number after {@code 0x}, or null when no hexadecimal digit follows.
     */
    private static Result hexadecimal(final CharSequence s, final int start, final boolean negative)
    {
        final int n = s.length();
        int i = start;
        final StringBuilder whole = new StringBuilder();
        final StringBuilder fraction = new StringBuilder();
        while (i < n && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80)
        {
            whole.append(s.charAt(i++));
        }
        if (i < n && s.charAt(i) == '.')
        {
            final int point = i++;
            while (i < n && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80)
            {
                fraction.append(s.charAt(i++));
            }
            if (whole.length() == 0 && fraction.length() == 0)
            {
                i = point;
            }
        }
        if (whole.length() == 0 && fraction.length() == 0)
        {
            return null;
        }
        final int mantissaEnd = i;
        i = exponent(s, i, 'p');
        final String exponentText = i > mantissaEnd ? s.subSequence(mantissaEnd + 1, i).toString() : "0";
        // Java's hexadecimal literal needs the exponent; a huge one means zero or infinity either way
        final BigInteger binaryExponent = new BigInteger(exponentText.startsWith("+") ?
            exponentText.substring(1) : exponentText);
        final long clamped = binaryExponent.max(BigInteger.valueOf(-100_000_000))
            .min(BigInteger.valueOf(100_000_000)).longValueExact();
        final double magnitude = Double.parseDouble("0x" + whole + "." + fraction + "p" + clamped);
        final BigInteger mantissa = new BigInteger(whole.toString() + fraction, 16);
        final boolean outOfRange = Double.isInfinite(magnitude) || (mantissa.signum() != 0 && (magnitude == 0 ||
            magnitude < Double.MIN_NORMAL && !exactBinary(mantissa, clamped - 4L * fraction.length(), magnitude)));
        return new Result(negative ? -magnitude : magnitude, i, outOfRange);
    }

    /**
     * Past an exponent ({@code e} or {@code p}, a sign, at least one digit) at {@code i}, or {@code i} when there is
     * none.
     */
    private static int exponent(final CharSequence s, final int i, final char letter)
    {
        final int n = s.length();
        if (i < n && Character.toLowerCase(s.charAt(i)) == letter)
        {
            int j = i + 1;
            if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-'))
            {
                j++;
            }
            final int digits = j;
            while (j < n && isDigit(s.charAt(j)))
            {
                j++;
            }
            if (j > digits)
            {
                return j;
            }
        }
        return i;
    }

    private static boolean exactDecimal(final String text, final double value)
    {
        try
        {
            return new BigDecimal(text).compareTo(new BigDecimal(value)) == 0;
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            // an exponent beyond BigDecimal's scale: far from any double, so not exact
            return false;
        }
    }

    private static boolean exactBinary(final BigInteger mantissa, final long binaryExponent, final double value)
    {
        if (binaryExponent < -1_000_000 || binaryExponent > 1_000_000)
        {
            return false;
        }
        final BigDecimal exact = binaryExponent >= 0 ?
            new BigDecimal(mantissa.shiftLeft((int)binaryExponent)) :
            new BigDecimal(mantissa).divide(new BigDecimal(BigInteger.ONE.shiftLeft((int)-binaryExponent)));
        return exact.compareTo(new BigDecimal(value)) == 0;
    }

    private static boolean startsWithIgnoreCase(final CharSequence s, final int at, final String word)
    {
        if (at + word.length() > s.length())
        {
            return false;
        }
        for (int k = 0; k < word.length(); k++)
        {
            if (Character.toLowerCase(s.charAt(at + k)) != word.charAt(k) || s.charAt(at + k) >= 0x80)
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(final char c)
    {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(final char c)
    {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }
}
