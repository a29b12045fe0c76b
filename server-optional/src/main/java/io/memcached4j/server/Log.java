/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Where the server prints memcached's verbose lines and its notices: standard error, one whole line at a time.
 * Threadsafe.
 */
final class Log
{
    private final PrintStream err;

    Log(final PrintStream err)
    {
        this.err = err;
    }

    /**
     * Print one line.
     *
     * @param line the text without line end.
     */
    void line(final String line)
    {
        synchronized (err)
        {
            err.print(line);
            err.print('\n');
            err.flush();
        }
    }

    /**
     * Print one line of what a client sent, whose characters stand for bytes (ISO-8859-1): memcached prints a key's
     * bytes as they are, whatever the locale's character set.
     *
     * @param line the text without line end, one character a byte.
     */
    void bytesLine(final String line)
    {
        final byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
        synchronized (err)
        {
            err.write(bytes, 0, bytes.length);
            err.write('\n');
            err.flush();
        }
    }

    /**
     * Print text that already ends in line ends.
     *
     * @param text the text.
     */
    void text(final String text)
    {
        synchronized (err)
        {
            err.print(text);
            err.flush();
        }
    }
}
