/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

/**
 * A command line memcached refuses: the message it prints and its exit status.
 */
public final class CommandLineException extends Exception
{
    /** memcached's status for most refused values ({@code return 1} from its main). */
    public static final int EXIT_FAILURE = 1;
    /** sysexits' EX_USAGE, memcached's status for settings refused after parsing. */
    public static final int EX_USAGE = 64;
    /** sysexits' EX_OSERR, memcached's status when it cannot listen. */
    public static final int EX_OSERR = 71;
    /** sysexits' EX_NOUSER, memcached's status when, as root, the {@code -u} user does not exist. */
    public static final int EX_NOUSER = 67;

    private static final long serialVersionUID = 1L;

    /** Where memcached prints the message: most go to standard error, a few to standard output. */
    private final boolean toStdout;
    /** The exit status. */
    private final int exitCode;
    /** Whether memcached ends the message with a line end (a few of its messages have none). */
    private final boolean lineEnd;

    /**
     * A refusal printed on standard error.
     *
     * @param message  the text, possibly several lines, without the final line end.
     * @param exitCode the exit status.
     */
    public CommandLineException(final String message, final int exitCode)
    {
        this(message, exitCode, false);
    }

    /**
     * A refusal.
     *
     * @param message  the text, possibly several lines, without the final line end.
     * @param exitCode the exit status.
     * @param toStdout whether memcached prints it on standard output.
     */
    public CommandLineException(final String message, final int exitCode, final boolean toStdout)
    {
        this(message, exitCode, toStdout, true);
    }

    /**
     * A refusal.
     *
     * @param message  the text, possibly several lines, without the final line end.
     * @param exitCode the exit status.
     * @param toStdout whether memcached prints it on standard output.
     * @param lineEnd  whether memcached prints a line end after it.
     */
    public CommandLineException(
        final String message, final int exitCode, final boolean toStdout, final boolean lineEnd)
    {
        super(message);
        this.exitCode = exitCode;
        this.toStdout = toStdout;
        this.lineEnd = lineEnd;
    }

    /**
     * Whether memcached prints a line end after this message.
     *
     * @return false for the few messages memcached leaves unterminated.
     */
    public boolean lineEnd()
    {
        return lineEnd;
    }

    /**
     * The exit status.
     *
     * @return memcached's status for this refusal.
     */
    public int exitCode()
    {
        return exitCode;
    }

    /**
     * Whether memcached prints this message on standard output.
     *
     * @return true for standard output, false for standard error.
     */
    public boolean toStdout()
    {
        return toStdout;
    }
}
