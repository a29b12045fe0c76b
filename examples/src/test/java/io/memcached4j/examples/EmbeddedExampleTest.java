/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class EmbeddedExampleTest
{
    @Test
    void shouldPrintTheValueItStored()
    {
        final PrintStream original = System.out;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try
        {
            EmbeddedExample.main(new String[0]);
        }
        finally
        {
            System.setOut(original);
        }
        assertEquals("hello (5 bytes)" + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
    }
}
