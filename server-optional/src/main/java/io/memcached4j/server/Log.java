/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.PrintStream;

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
