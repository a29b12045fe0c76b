/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every {@code stats} group lists the fields the real memcached lists, in its order, and {@code stats settings} shows
 * the values memcached shows for the same command line and the same admin commands, ext_* and ssl_* included
 * (memcached's images, and Debian's package, are built with extstore and TLS). The oracle may be memcached 1.6.18 or
 * 1.6.39; where they differ (a renamed counter, a changed default, a field 1.6.18 lacks) the comparison follows
 * the version it runs against.
 */
class StatsOracleTest
{
    private static final Pattern STAT = Pattern.compile("STAT (\\S+) ([^\r\n]*)\r\n");
    private static final Pattern CLASS_ID = Pattern.compile("^(items:)?(\\d+):");

    /** Two small items and a larger one: slab classes, item and size statistics to list. */
    private static final String DATA = "set a 0 0 1\r\nb\r\nset bb 0 0 3000\r\n" + "x".repeat(3000) + "\r\n" +
        "set c 0 0 2\r\nde\r\nget a\r\nget zz\r\n";

    /** Admin commands that change what {@code stats settings} shows, some of them refused. */
    private static final String[] ADMIN = {
        "extstore item_size 7", "extstore item_age 9 noreply", "extstore max_frag 0.5", "extstore drop_unread 3",
        "extstore low_ttl -5", "extstore recache_rate 5x", "extstore max_sleep 4294967297", "extstore bogus 1",
        "extstore drop_under 12", "lru tune 10 40 0.125 2", "lru_crawler sleep 1000", "lru_crawler tocrawl 7",
        "slabs automove 2", "slabs automove ratio 0.625", "verbosity 1"};

    @Test
    void shouldListEveryStatsGroupsFieldsInMemcachedsOrder() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        for (final String[] flags : new String[][] {{}, {"-o", "track_sizes"}, {"-C", "-I", "2m"}})
        {
            try (Forked memcached = TestServers.memcached(flags);
                InProcess ours = new InProcess(flags);
                Client theirs = new Client(memcached.port);
                Client mine = ours.client())
            {
                final boolean v1618 = isMemcached1618(theirs);
                theirs.request(DATA, "END\r\nEND\r\n");
                mine.request(DATA, "END\r\nEND\r\n");
                for (final String group : new String[] {"stats", "stats settings", "stats items", "stats slabs",
                    "stats sizes", "stats extstore", "stats detail dump"})
                {
                    final List<String> expected = names(theirs.request(group + "\r\n", "END\r\n"));
                    List<String> actual = names(mine.request(group + "\r\n", "END\r\n"));
                    if (v1618)
                    {
                        actual = as1618(actual);
                    }
                    assertEquals(expected, actual, () -> group + " with " + String.join(" ", flags));
                }
            }
        }
    }

    @Test
    void shouldShowTheSettingsMemcachedShowsAfterTheSameCommands() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String[] flags = {"-m", "100", "-c", "500", "-t", "2", "-R", "7", "-f", "1.125", "-n", "64", "-I", "2m",
            "-B", "ascii", "-o", "slab_automove_freeratio=0.0005,hot_max_factor=0.125,idle_timeout=30"};
        try (Forked memcached = TestServers.memcached(flags);
            InProcess ours = new InProcess(flags);
            Client theirs = new Client(memcached.port);
            Client mine = ours.client())
        {
            final boolean v1618 = isMemcached1618(theirs);
            final Map<String, String> before = TestServers.stats(theirs, "stats settings");
            assertTrue(before.containsKey("ext_item_size") && before.containsKey("ssl_enabled"),
                "the memcached compared against is not built with extstore and TLS, as its images are: " + before);
            for (final String command : ADMIN)
            {
                final String reply = theirs.request(command + "\r\n", command.endsWith("noreply") ? "" : "\r\n");
                assertEquals(reply, mine.request(command + "\r\n", command.endsWith("noreply") ? "" : "\r\n"),
                    command);
            }
            if (!v1618)
            {
                // 1.6.18 answers CLIENT_ERROR to these
                for (final String command : List.of("slabs automove freeratio 0.25", "extstore free_memchunks 1 2"))
                {
                    assertEquals(theirs.request(command + "\r\n", "\r\n"), mine.request(command + "\r\n", "\r\n"),
                        command);
                }
            }
            final List<String> expected = settings(theirs, memcached.port);
            List<String> actual = settings(mine, ours.port);
            if (v1618)
            {
                actual = as1618(actual);
            }
            assertEquals(expected, actual);
        }
    }

    @Test
    void shouldAnswerTheCommandsOfABuildWithExtstoreAndTlsAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String input = "refresh_certs\r\nrefresh_certs noreply\r\nextstore\r\nextstore x\r\n" +
            "extstore item_size\r\nextstore item_size x noreply\r\nextstore compact_under 0x1\r\nstats extstore\r\n";
        try (Forked memcached = TestServers.memcached();
            InProcess ours = new InProcess();
            Client theirs = new Client(memcached.port);
            Client mine = ours.client())
        {
            final String expected = theirs.request(input, "END\r\n");
            assertEquals("Error TLS not enabled\r\nError TLS not enabled\r\n" +
                "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nEND\r\n", expected);
            assertEquals(expected, mine.request(input, "END\r\n"));
        }
    }

    private static boolean isMemcached1618(final Client c) throws IOException
    {
        return c.request("version\r\n", "\r\n").startsWith("VERSION 1.6.18");
    }

    /**
     * What memcached 1.6.18 lists where 1.6.39 lists these fields: the nomem counter under its older name
     * and place, an older default, no {@code client_flags_size}.
     */
    private static List<String> as1618(final List<String> fields)
    {
        final List<String> out = new ArrayList<>();
        for (final String f : fields)
        {
            if (f.startsWith("client_flags_size") || f.equals("slab_reassign_busy_nomem"))
            {
                continue;
            }
            out.add(f.equals("slab_automove_window 10") ? "slab_automove_window 30" : f);
            if (f.equals("slab_reassign_chunk_rescues"))
            {
                out.add("slab_reassign_evictions_nomem");
            }
        }
        return out;
    }

    /**
     * The field names of a stats reply, slab class ids replaced by their order of appearance (an item can occupy a
     * smaller class here than in memcached, see the README).
     */
    private static List<String> names(final String reply)
    {
        final Map<String, String> ids = new HashMap<>();
        final List<String> names = new ArrayList<>();
        final Matcher m = STAT.matcher(reply);
        while (m.find())
        {
            final Matcher id = CLASS_ID.matcher(m.group(1));
            if (id.find())
            {
                final String prefix = id.group(1) == null ? "" : id.group(1);
                names.add(prefix + ids.computeIfAbsent(id.group(2), k -> "c" + (ids.size() + 1)) + ":" +
                    m.group(1).substring(id.end()));
            }
            else
            {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /**
     * {@code stats settings} as "name value" lines, the server's own port replaced.
     */
    private static List<String> settings(final Client c, final int port) throws IOException
    {
        final List<String> lines = new ArrayList<>();
        final Matcher m = STAT.matcher(c.request("stats settings\r\n", "END\r\n"));
        while (m.find())
        {
            lines.add(m.group(1) + " " + (m.group(1).equals("tcpport") && m.group(2).equals(Integer.toString(port)) ?
                "<port>" : m.group(2)));
        }
        return lines;
    }
}
