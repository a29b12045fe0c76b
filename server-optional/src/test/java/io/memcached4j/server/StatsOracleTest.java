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
        for (final String[] flags : new String[][] {{}, {"-o", "track_sizes"}, {"-C", "-I", "2m"},
            {"-o", "no_lru_maintainer"}, {"-o", "temporary_ttl=100"}, {"-o", "no_lru_crawler,lru_maintainer"}})
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
    void shouldShowTheSettingsOfMemcached14sDefaultsAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        // no_modern also names the jenkins hash in stats settings
        final String[] flags = {"-o", "no_modern"};
        try (Forked memcached = TestServers.memcached(flags);
            InProcess ours = new InProcess(flags);
            Client theirs = new Client(memcached.port);
            Client mine = ours.client())
        {
            final boolean v1618 = isMemcached1618(theirs);
            final List<String> expected = settings(theirs, memcached.port);
            assertTrue(expected.contains("hash_algorithm jenkins"), expected::toString);
            List<String> actual = settings(mine, ours.port);
            if (v1618)
            {
                actual = as1618(actual);
            }
            assertEquals(expected, actual);
            // the jenkins hash orders the prefixes of stats detail dump
            final StringBuilder gets = new StringBuilder("stats detail on\r\n");
            for (final String prefix : new String[] {"a", "b", "c", "d", "user", "session", "x1", "x2"})
            {
                gets.append("get ").append(prefix).append(":1\r\n");
            }
            theirs.request(gets.toString(), "END\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\n");
            mine.request(gets.toString(), "END\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\n");
            final String dump = theirs.request("stats detail dump\r\n", "END\r\n");
            assertTrue(dump.startsWith("PREFIX "), dump);
            assertEquals(dump, mine.request("stats detail dump\r\n", "END\r\n"));
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

    @Test
    void shouldCountWhatMemcachedCountsForTheSameCommands() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String commands = DATA +
            "get a\r\nadd a 0 0 1\r\nc\r\nreplace q 0 0 1\r\nc\r\nappend a 0 0 2\r\nzz\r\n" +
            "prepend nope 0 0 1\r\nx\r\nincr a 1\r\nset n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\n" +
            "decr q 1\r\nincr q 1\r\ncas a 0 0 1 999\r\nx\r\ncas q 0 0 1 1\r\nx\r\ntouch a 100\r\n" +
            "touch q 1\r\ngat 100 a q\r\ndelete q\r\ndelete n\r\nset big 0 0 2000000 noreply\r\n" +
            "y".repeat(2_000_000) + "\r\nset e 0 -1 1\r\nx\r\nget e\r\nmg a v\r\nmg q v\r\n" +
            "ms m 2\r\nhi\r\nma m\r\nmd m\r\nmn\r\n";
        // without the LRU maintainer, whose moves depend on when it wakes up; -C before -o track_sizes, as 1.6.18
        // tracks no sizes when -C follows it
        for (final String[] flags : new String[][] {{"-o", "no_lru_maintainer"},
            {"-C", "-t", "2", "-o", "track_sizes,no_lru_maintainer"}})
        {
            try (Forked memcached = TestServers.memcached(flags);
                InProcess ours = new InProcess(flags);
                Client theirs = new Client(memcached.port);
                Client mine = ours.client())
            {
                final boolean v1618 = isMemcached1618(theirs);
                isMemcached1618(mine);
                assertEquals(theirs.request(commands, "MN\r\n"), mine.request(commands, "MN\r\n"));
                for (final String group : new String[] {"stats", "stats items", "stats slabs", "stats sizes"})
                {
                    final List<String> expected = counters(theirs.request(group + "\r\n", "END\r\n"), v1618);
                    List<String> actual = counters(mine.request(group + "\r\n", "END\r\n"), v1618);
                    if (v1618)
                    {
                        actual = as1618(actual);
                    }
                    assertEquals(expected, actual, () -> group + " with " + String.join(" ", flags));
                }
            }
        }
    }

    private static boolean isMemcached1618(final Client c) throws IOException
    {
        return c.request("version\r\n", "\r\n").startsWith("VERSION 1.6.18");
    }

    /**
     * What memcached 1.6.18 lists where 1.6.39 lists these fields: the nomem counter under its older name
     * and place, an older default, no {@code client_flags_size}.
     *
     * @param fields names, or "name value" lines.
     */
    private static List<String> as1618(final List<String> fields)
    {
        final List<String> out = new ArrayList<>();
        String nomem = null;
        for (final String f : fields)
        {
            final String name = f.split(" ", 2)[0];
            if (name.equals("slab_reassign_busy_nomem"))
            {
                nomem = f.replace("slab_reassign_busy_nomem", "slab_reassign_evictions_nomem");
                continue;
            }
            if (name.equals("client_flags_size"))
            {
                continue;
            }
            out.add(f.equals("slab_automove_window 10") ? "slab_automove_window 30" : f);
        }
        if (nomem != null)
        {
            final int after = out.indexOf(out.stream().filter(f -> f.startsWith("slab_reassign_chunk_rescues"))
                .findFirst().orElseThrow());
            out.add(after + 1, nomem);
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
     * A stats reply as "name value" lines, with placeholders for what differs between any two processes (process id,
     * clock, ages, CPU used, library, the oracle's start-up probe connection), for the figures of memcached's own
     * buffer caches, which this server does not have, for the bytes items occupy, which are this allocator's, and for
     * {@code lrutail_reflocked}, which memcached also counts for items its pending replies hold (see the README).
     * Against 1.6.18, also its version and its count of connection structures.
     */
    private static List<String> counters(final String reply, final boolean v1618)
    {
        final List<String> masked = new ArrayList<>(List.of("pid", "uptime", "time", "libevent", "rusage_user",
            "rusage_system", "total_connections", "response_obj_bytes", "read_buf_count", "read_buf_bytes",
            "read_buf_bytes_free", "bytes", "mem_requested", "age_hot", "age_warm", "age", "lrutail_reflocked"));
        if (v1618)
        {
            masked.addAll(List.of("version", "connection_structures"));
        }
        final List<String> lines = new ArrayList<>();
        final Matcher m = STAT.matcher(reply);
        while (m.find())
        {
            final String name = m.group(1).substring(m.group(1).lastIndexOf(':') + 1);
            lines.add(m.group(1) + " " + (masked.contains(name) ? "<masked>" : m.group(2)));
        }
        return lines;
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
