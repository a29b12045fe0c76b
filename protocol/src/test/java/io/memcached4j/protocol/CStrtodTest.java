/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CStrtodTest
{
    /**
     * What glibc's strtod returned for each text (a C program printing the value with %.17g, endptr - str and
     * errno == ERANGE, run on the build machine).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1e-310|9.9999999999999694e-311|6|true",
        "0x1p-1074|4.9406564584124654e-324|9|false",
        "0x1p-1022|2.2250738585072014e-308|9|false",
        "0x1.8p-1074|9.8813129168249309e-324|11|true",
        "4.9406564584124654e-324|4.9406564584124654e-324|23|true",
        "2.2250738585072014e-308|2.2250738585072014e-308|23|false",
        "2.2250738585072011e-308|2.2250738585072009e-308|23|true",
        "0|0|1|false",
        "0e-999|0|6|false",
        "-0|-0.0|2|false",
        "1e-324|0|6|true",
        "1.8e308|Infinity|7|true",
        "0x1p1024|Infinity|8|true",
        "0x1.fffffffffffffp1023|1.7976931348623157e308|22|false",
        "inf|Infinity|3|false",
        "-INF|-Infinity|4|false",
        "Infinity|Infinity|8|false",
        "infinit|Infinity|3|false",
        "nan|NaN|3|false",
        "nan(ab_c9)|NaN|10|false",
        "nan(ab|NaN|3|false",
        "nan()|NaN|5|false",
        "0x|0|1|false",
        "0x.8|0.5|4|false",
        "0x1.p1|2|6|false",
        "0X1P+1|2|6|false",
        "0x1p|1|3|false",
        "0x1p+|1|3|false",
        "0x10|16|4|false",
        "1e+|1|1|false",
        "1e|1|1|false",
        "' +2'|2|3|false",
        "+.5|0.5|3|false",
        ".|0|0|false",
        ".e1|0|0|false",
        "abc|0|0|false",
        "1e99999999999999999999|Infinity|22|true",
        "0x1p99999999999999999999|Infinity|24|true",
        "0x1p-99999999999999999999|0|25|true",
        "0.000000000000000000000000000000001e-300|0|40|true",
        "00000000000000000000000000000000000000000001|1|44|false",
        "0x0.0000000000000000000000000000000001p0|1.1479437019748901e-41|40|false",
        "2.5x|2.5|3|false",
    })
    void shouldReadAsGlibcDoes(final String text, final double value, final int end, final boolean outOfRange)
    {
        final CStrtod.Result r = CStrtod.strtod(text);
        assertEquals(value, r.value(), text);
        assertEquals(end, r.end(), text);
        assertEquals(outOfRange, r.outOfRange(), text);
    }

    @Test
    void shouldKeepTheSignOfANegativeNan()
    {
        final double value = CStrtod.strtod("-nan").value();
        assertTrue(Double.isNaN(value));
        assertTrue(Double.doubleToRawLongBits(value) < 0);
        assertEquals("-nan", CStrtod.fixed(value, 2));
        assertEquals("nan", CStrtod.fixed(CStrtod.atof("NAN"), 2));
        assertEquals("-inf", CStrtod.fixed(CStrtod.atof("-infinity"), 3));
        assertEquals("-0.00", CStrtod.fixed(CStrtod.atof("-0"), 2));
        assertEquals("0.25", CStrtod.fixed(CStrtod.atof("0x1p-2"), 2));
    }

    @Test
    void shouldRefuseWhatSafeStrtodRefuses()
    {
        assertEquals(16.0, CStrtod.safeStrtod("0x10").orElseThrow());
        assertEquals(2.0, CStrtod.safeStrtod("2\t").orElseThrow());
        assertTrue(Double.isInfinite(CStrtod.safeStrtod("inf").orElseThrow()));
        assertFalse(CStrtod.safeStrtod("1e999").isPresent());
        assertFalse(CStrtod.safeStrtod("1e-400").isPresent());
        assertFalse(CStrtod.safeStrtod("0x").isPresent());
        assertFalse(CStrtod.safeStrtod("1e").isPresent());
        assertFalse(CStrtod.safeStrtod("").isPresent());
        assertFalse(CStrtod.safeStrtod("nan(").isPresent());
        assertEquals(0.0, CStrtod.atof("x"));
    }
}
