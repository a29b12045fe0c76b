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
    /** strerror's text for EINVAL. */
    private static final String INVALID_ARGUMENT = "Invalid argument";

    private final PrintStream err;
    private final boolean readable;
    private volatile boolean written;

    /**
     * @param err where the lines go: standard error, open for writing only (a file or a pipe).
     */
    Log(final PrintStream err)
    {
        this(err, false);
    }

    /**
     * @param err      where the lines go: standard error.
     * @param readable whether the descriptor behind it is open for reading and writing, as a terminal is.
     */
    Log(final PrintStream err, final boolean readable)
    {
        this.err = err;
        this.readable = readable;
    }

    /**
     * What {@code errno} holds after memcached printed a failed call's error with {@code perror}, for the line it
     * prints next (which ends with {@code errno}'s text): while nothing was printed on standard error yet, glibc's
     * {@code perror} writes through a new stream it opens for reading and writing on a copy of the descriptor, which
     * fails with {@code EINVAL} unless the descriptor is open for reading too (a terminal is); after that, or once
     * something was printed, {@code errno} stays the call's. memcached4j's own notices do not count, since memcached
     * does not print them. Ask before printing the call's line.
     *
     * @param callErrno the failed call's error text, which {@code perror} prints.
     * @return the error text memcached's next line shows.
     */
    String errnoAfterPerror(final String callErrno)
    {
        return readable || written ? callErrno : INVALID_ARGUMENT;
    }

    /**
     * Print one line.
     *
     * @param line the text without line end.
     */
    void line(final String line)
    {
        written = true;
        notice(line);
    }

    /**
     * Print a line of memcached4j's own, which memcached does not print: it does not count as printed for
     * {@link #errnoAfterPerror}.
     *
     * @param line the text without line end.
     */
    void notice(final String line)
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
            written = true;
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
            written = true;
            err.print(text);
            err.flush();
        }
    }
}
