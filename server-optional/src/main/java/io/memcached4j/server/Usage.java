/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import io.memcached4j.protocol.ServerSettings;

/**
 * The texts of {@code -h}, {@code -V} and {@code -i}. Stateless.
 */
public final class Usage
{
    private static final int FLAG_COLUMN = 30;

    private Usage()
    {
    }

    /**
     * memcached4j's version, from the build.
     *
     * @return e.g. {@code 0.1.0}.
     */
    public static String version()
    {
        try (InputStream in = Usage.class.getResourceAsStream("version.properties"))
        {
            if (in != null)
            {
                final Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        }
        catch (final IOException ex)
        {
            // fall through
        }
        return "unknown";
    }

    /**
     * What {@code -V} prints.
     *
     * @return one line without line end.
     */
    public static String versionLine()
    {
        return "memcached4j " + version();
    }

    /**
     * What {@code -i} prints.
     *
     * @return the licence text.
     */
    public static String license()
    {
        return versionLine() + "\n" +
            "Copyright 2026 The memcached4j authors.\n" +
            "Licensed under the Apache License, Version 2.0: https://www.apache.org/licenses/LICENSE-2.0\n" +
            "memcached4j is a new implementation in Java; it contains no code of memcached, whose\n" +
            "command line and protocols it follows (memcached is Copyright (c) 2003, Danga Interactive, Inc.,\n" +
            "BSD licence).\n";
    }

    /**
     * What {@code -h} prints: every flag of memcached 1.6.39, in our own words.
     *
     * @return the text.
     */
    public static String help()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(versionLine()).append(", a memcached server in Java speaking memcached ")
            .append(ServerSettings.PROTOCOL_VERSION).append("'s protocols.\n");
        sb.append("Usage: memcached4j [flags]   (memcached's flags; see FLAGS.md for what each does here)\n");
        for (final Flags.Flag f : Flags.FLAGS)
        {
            final StringBuilder left = new StringBuilder("-").append(f.shortName());
            if (f.longName() != null)
            {
                left.append(", --").append(f.longName());
            }
            if (f.argument() == Flags.Argument.REQUIRED)
            {
                left.append(f.longName() != null ? "=" : " ").append(argName(f.shortName()));
            }
            appendRow(sb, left.toString(), f.help());
        }
        sb.append("-o keys (several may be given, comma separated, as -o key=value,key2):\n");
        for (final Flags.SubOption s : Flags.SUB_OPTIONS)
        {
            if (s.help() != null)
            {
                appendRow(sb, "   " + s.key(), s.help());
            }
        }
        sb.append("   also read as memcached reads them: slab_reassign, slab_automove=<0|1|2>, " +
            "slab_automove_ratio,\n   slab_automove_window, slab_sizes=<a-b-c>, no_chunked_items, no_maxconns_fast, " +
            "lru_crawler,\n   lru_maintainer, inline_ascii_resp, no_inline_ascii_resp, no_slab_reassign, " +
            "no_slab_automove.\n");
        sb.append("   refused: extstore (ext_*), TLS (ssl_*), the proxy (proxy_*).\n");
        return sb.toString();
    }

    private static void appendRow(final StringBuilder sb, final String left, final String help)
    {
        sb.append(left);
        if (left.length() >= FLAG_COLUMN)
        {
            sb.append('\n').append(" ".repeat(FLAG_COLUMN));
        }
        else
        {
            sb.append(" ".repeat(FLAG_COLUMN - left.length()));
        }
        sb.append(help).append('\n');
    }

    private static String argName(final char flag)
    {
        return switch (flag)
        {
            case 'p', 'U', 'c', 't', 'R', 'b', 'N' -> "<num>";
            case 'm' -> "<megabytes>";
            case 'I' -> "<size>";
            case 'f' -> "<factor>";
            case 'n' -> "<bytes>";
            case 'a' -> "<mask>";
            case 'l' -> "<addr>";
            case 'u' -> "<user>";
            case 'B' -> "<ascii|binary|auto>";
            case 'D' -> "<char>";
            case 'o' -> "<key=value,...>";
            default -> "<file>";
        };
    }
}
