/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.util.Arrays;

/**
 * The container image's entry point: {@code docker run IMAGE [memcached] [memcached's flags]}.
 * <p>
 * memcached's official image runs its command through a shell script that puts {@code memcached} in front of a
 * command that starts with {@code -} and runs any other command as it is, so both {@code docker run memcached -m 64}
 * and {@code docker run memcached memcached -m 64} start memcached. This image has no shell and no program but the
 * server, so: flags alone, or flags after the word {@code memcached} (or {@code memcached4j}, or a path ending in
 * either, such as {@code /usr/local/bin/memcached}), start the server with those flags; no command at all starts it
 * with memcached's defaults, as the official image's {@code CMD ["memcached"]} does; any other command is refused with
 * a message and status {@value #EX_NOT_FOUND}, a shell's status for a command it cannot find, rather than ignored.
 */
public final class ImageMain
{
    /**
     * The exit status for a command this image does not have.
     */
    public static final int EX_NOT_FOUND = 127;

    private ImageMain()
    {
    }

    /**
     * Start the server, or refuse a command other than memcached.
     *
     * @param args the container's command.
     */
    public static void main(final String[] args)
    {
        final String[] serverArgs = serverArgs(args);
        if (serverArgs == null)
        {
            System.err.print(refusal(args[0]));
            System.err.flush();
            System.exit(EX_NOT_FOUND);
        }
        Main.main(serverArgs);
    }

    /**
     * The server's flags in the container's command.
     *
     * @param args the container's command.
     * @return the flags to start the server with, or null when the command is not memcached.
     */
    static String[] serverArgs(final String[] args)
    {
        if (args.length == 0 || args[0].startsWith("-"))
        {
            return args;
        }
        if (isServerName(args[0]))
        {
            return Arrays.copyOfRange(args, 1, args.length);
        }
        return null;
    }

    /**
     * The message for a command this image does not have.
     *
     * @param command the command's first word.
     * @return the message, ending in a line end.
     */
    static String refusal(final String command)
    {
        return "memcached4j: " + command + ": not found. This image has no shell and runs only memcached4j: give " +
            "memcached's flags, alone or after the word memcached (e.g. memcached -m 64).\n";
    }

    private static boolean isServerName(final String word)
    {
        final String name = word.substring(word.lastIndexOf('/') + 1);
        return "memcached".equals(name) || "memcached4j".equals(name);
    }
}
