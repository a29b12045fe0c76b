/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code stats conns} over TCP lists the same entries as the real memcached: the listening socket first, then each
 * client with its address, the listener's address, its state and idle seconds.
 */
class StatsConnsTest
{
    private static final Pattern STAT = Pattern.compile("STAT (\\d+):(\\S+) (.*)\r\n");

    @Test
    void shouldListTheListenerAndTheClientsAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        try (Forked memcached = TestServers.memcached();
            InProcess ours = new InProcess();
            Client theirs = new Client(memcached.port);
            Client mine = ours.client())
        {
            final List<String> expected = normalize(theirs.request("stats conns\r\n", "END\r\n"), memcached.port,
                theirs.socket.getLocalPort());
            final List<String> actual = normalize(mine.request("stats conns\r\n", "END\r\n"), ours.port,
                mine.socket.getLocalPort());
            assertEquals(List.of(
                "c1 addr tcp:127.0.0.1:<port>", "c1 state conn_listening", "c1 secs_since_last_cmd <n>",
                "c2 addr tcp:127.0.0.1:<client>", "c2 listen_addr tcp:127.0.0.1:<port>", "c2 state conn_parse_cmd",
                "c2 secs_since_last_cmd <n>"), expected);
            assertEquals(expected, actual);
        }
    }

    @Test
    void shouldShowTheStateOfEachConnectionAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> expected;
        try (Forked memcached = TestServers.memcached())
        {
            expected = states(memcached.port);
        }
        final List<String> actual;
        try (InProcess ours = new InProcess())
        {
            actual = states(ours.port);
        }
        assertEquals(List.of("conn_listening", "conn_read", "conn_nread", "conn_watch", "conn_parse_cmd"), expected);
        assertEquals(expected, actual);
    }

    /**
     * The states {@code stats conns} shows for: the listener, a connection waiting for a request, one in the middle
     * of a value, a watcher, and the one that asks.
     */
    private static List<String> states(final int port) throws Exception
    {
        try (Client idle = new Client(port); Client storing = new Client(port); Client watcher = new Client(port);
            Client asking = new Client(port))
        {
            idle.request("get a\r\n", "END\r\n");
            storing.send("set b 0 0 10\r\nab");
            watcher.request("watch\r\n", "OK\r\n");
            Thread.sleep(200);
            // connection numbers are descriptors, which the port probe of the server's start may leave out of order:
            // each connection is found by its client port
            final Map<String, String> addressOf = new HashMap<>();
            final Map<String, String> stateOf = new HashMap<>();
            String listener = null;
            final Matcher m = STAT.matcher(asking.request("stats conns\r\n", "END\r\n"));
            while (m.find())
            {
                if (m.group(2).equals("addr"))
                {
                    addressOf.put(m.group(3), m.group(1));
                }
                else if (m.group(2).equals("state"))
                {
                    stateOf.put(m.group(1), m.group(3));
                    listener = m.group(3).equals("conn_listening") ? m.group(1) : listener;
                }
            }
            final List<String> states = new ArrayList<>();
            states.add(stateOf.get(listener));
            for (final Client c : List.of(idle, storing, watcher, asking))
            {
                states.add(stateOf.get(addressOf.get("tcp:127.0.0.1:" + c.socket.getLocalPort())));
            }
            return states;
        }
    }

    /**
     * Connection numbers by order of appearance, the ports and idle seconds replaced by placeholders.
     */
    private static List<String> normalize(final String stats, final int port, final int clientPort)
    {
        final Map<String, String> ids = new HashMap<>();
        final List<String> lines = new ArrayList<>();
        final Matcher m = STAT.matcher(stats);
        while (m.find())
        {
            final String id = ids.computeIfAbsent(m.group(1), k -> "c" + (ids.size() + 1));
            final String value = m.group(2).equals("secs_since_last_cmd") ? "<n>" :
                m.group(3).replace(":" + port, ":<port>").replace(":" + clientPort, ":<client>");
            lines.add(id + " " + m.group(2) + " " + value);
        }
        return lines;
    }
}
