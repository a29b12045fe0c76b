/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.memcached4j.protocol.WatchOracle;

/**
 * {@code watch} over sockets: the server's watcher against the real memcached's for the same conversation, with the
 * watcher and the client on one worker thread and on different ones; idle timeouts, which close idle clients but not
 * watchers; and a watcher that does not read, which costs skipped lines and no memory.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WatchServerTest
{
    @Test
    void shouldLogTheConversationAsMemcachedDoes() throws Exception
    {
        WatchOracle.assumeMemcached();
        final int port = WatchOracle.freePort();
        // no LRU maintainer or crawler in either server: they would reclaim the expired and flushed items the script
        // looks at, each at its own pace
        final Process memcached = WatchOracle.startMemcached(port, "-o", "no_lru_maintainer,no_lru_crawler");
        final List<String> expected;
        try
        {
            expected = WatchOracle.normalize(WatchOracle.watchScript(port));
        }
        finally
        {
            WatchOracle.stop(memcached);
        }
        assertTrue(expected.size() > 60, expected.toString());
        for (final String threads : new String[] {"1", "4"})
        {
            try (InProcess server = new InProcess("-t", threads, "-o", "no_lru_maintainer,no_lru_crawler"))
            {
                final List<String> actual = WatchOracle.normalize(WatchOracle.watchScript(server.port));
                assertEquals(String.join("\n", expected), String.join("\n", actual), "-t " + threads);
            }
        }
    }

    @Test
    void shouldLogEvictionsAsMemcachedDoes() throws Exception
    {
        WatchOracle.assumeMemcached();
        final int port = WatchOracle.freePort();
        final Process memcached = WatchOracle.startMemcached(port, "-m", "2");
        final List<String> expected;
        try
        {
            expected = masked(WatchOracle.ofType(WatchOracle.normalize(WatchOracle.watchEvictions(port)),
                "type=eviction"));
        }
        finally
        {
            WatchOracle.stop(memcached);
        }
        final List<String> actual;
        try (InProcess server = new InProcess("-m", "2"))
        {
            actual = masked(WatchOracle.ofType(WatchOracle.normalize(WatchOracle.watchEvictions(server.port)),
                "type=eviction"));
        }
        // this engine's slab classes differ and it fits more items before evicting; what goes first does not
        assertTrue(expected.size() > 10 && actual.size() > 10, expected + "\n" + actual);
        assertEquals(expected.subList(0, 10), actual.subList(0, 10));
    }

    private static List<String> masked(final List<String> lines)
    {
        final List<String> result = new ArrayList<>();
        for (final String line : lines)
        {
            result.add(line.replaceAll("clsid=[0-9]+", "clsid=?").replaceAll("la=[0-9]+", "la=?"));
        }
        return result;
    }

    @Test
    void shouldCloseIdleClientsButNotWatchers() throws Exception
    {
        try (InProcess server = new InProcess("-o", "idle_timeout=1");
            Client watcher = server.client();
            Client idle = server.client())
        {
            // byte by byte up to the end of the OK: a conn_new line may follow in the same segment (log lines end
            // in a bare newline, so a read that takes both does not end in CR LF)
            watcher.send("watch connevents\r\n");
            assertEquals("OK\r\n", readLine(watcher, "OK\r"));
            try (Client late = server.client())
            {
                assertEquals("VERSION 1.6.39\r\n", late.request("version\r\n", "\r\n"));
                assertTrue(idle.closedByServer(5000), "the idle connection is closed");
                // the watcher has been idle as long, and stays
                final String lines = readLine(watcher, " reason=idle_timeout cfd=");
                assertTrue(lines.contains(" type=conn_new rip=127.0.0.1 rport=" + late.socket.getLocalPort() +
                    " transport=tcp cfd="), lines);
            }
            Thread.sleep(1500);
            try (Client another = server.client())
            {
                assertEquals("VERSION 1.6.39\r\n", another.request("version\r\n", "\r\n"));
                final String more = readLine(watcher, " rport=" + another.socket.getLocalPort() + " transport=tcp");
                assertTrue(more.contains("type=conn_new"), more);
            }
            assertEquals("1", server.stat("log_watchers"));
        }
    }

    @Test
    void shouldSkipLinesForAWatcherThatDoesNotReadAndSaySoWhenItDoes() throws Exception
    {
        try (InProcess server = new InProcess("-o", "watcher_logbuf_size=16");
            java.net.Socket watcher = new java.net.Socket();
            Client client = server.client())
        {
            // a small window, set before connecting, so that the kernel holds little of what the server sends
            watcher.setReceiveBufferSize(4096);
            watcher.connect(new java.net.InetSocketAddress("127.0.0.1", server.port), 2000);
            watcher.setSoTimeout(10_000);
            watcher.getOutputStream().write("watch fetchers\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(readLine(watcher.getInputStream(), "OK").startsWith("OK\r\n"));
            final StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 1000; i++)
            {
                batch.append("get key").append(i).append("\r\n");
            }
            final String replies = "END\r\n".repeat(1000);
            long skipped = 0;
            for (int round = 0; round < 300 && skipped == 0; round++)
            {
                client.send(batch.toString());
                client.readUntil(replies);
                skipped = Long.parseLong(client.stat("log_watcher_skipped"));
            }
            assertTrue(skipped > 0, "a watcher that does not read loses lines");
            assertEquals("1", client.stat("log_watchers"));
            assertEquals("VERSION 1.6.39\r\n", client.request("version\r\n", "\r\n"));
            // the watcher catches up: every line it was sent, and before the first line after each run of lines it
            // had no room for, the count of that run
            final StringBuilder received = new StringBuilder(drain(watcher));
            client.request("get final\r\n", "END\r\n");
            received.append(readLine(watcher.getInputStream(), " key=final "));
            long sent = 0;
            long reported = 0;
            for (final String line : received.toString().split("\n"))
            {
                if (line.startsWith("skipped="))
                {
                    reported += Long.parseLong(line.substring("skipped=".length()));
                }
                else
                {
                    assertTrue(line.matches("ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get key=[a-z0-9]+ " +
                        "status=not_found clsid=0 cfd=[0-9]+ size=0"), line);
                    sent++;
                }
            }
            assertEquals(Long.parseLong(client.stat("log_watcher_skipped")), reported);
            assertEquals(Long.parseLong(client.stat("log_watcher_sent")), sent);
            assertEquals(Long.parseLong(client.stat("log_worker_written")), sent + reported);
        }
    }

    private static String readLine(final Client c, final String needle) throws IOException
    {
        return readLine(c.in, needle);
    }

    /**
     * Read until what was read contains {@code needle} and the end of its line.
     */
    private static String readLine(final InputStream in, final String needle) throws IOException
    {
        final StringBuilder seen = new StringBuilder();
        final byte[] one = new byte[1];
        while (true)
        {
            final int at = seen.indexOf(needle);
            if (at >= 0 && seen.indexOf("\n", at) >= 0)
            {
                return seen.toString();
            }
            if (in.read(one) < 0)
            {
                return seen + "<EOF>";
            }
            seen.append((char)(one[0] & 0xFF));
        }
    }

    /**
     * Read what a watcher has been sent until nothing arrives for half a second.
     */
    private static String drain(final java.net.Socket watcher) throws IOException
    {
        watcher.setSoTimeout(500);
        final InputStream in = watcher.getInputStream();
        final java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        final byte[] buf = new byte[65536];
        try
        {
            int n;
            while ((n = in.read(buf)) >= 0)
            {
                all.write(buf, 0, n);
            }
        }
        catch (final SocketTimeoutException ex)
        {
            // quiet: caught up
        }
        watcher.setSoTimeout(10_000);
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
