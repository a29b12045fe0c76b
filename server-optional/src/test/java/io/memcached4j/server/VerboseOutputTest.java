/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -vv} prints the lines memcached prints for the same session (connection numbers masked).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VerboseOutputTest
{
    private static final String FIRST = "set a 0 0 1\r\nx\r\nget a\r\nget b\r\nbogus\r\nquit\r\n";
    private static final String SECOND = "get a\r\ndelete a\r\n";

    @Test
    void shouldPrintWhatMemcachedPrintsAtVv() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached("-vv"))
        {
            session(memcached.port);
            theirs = awaitLines(() -> read(memcached), 4);
        }
        final List<String> ours;
        try (InProcess server = new InProcess("-vv"))
        {
            session(server.port);
            ours = awaitLines(server::stderr, 4);
            assertTrue(server.stderr().contains("slab class   1: chunk size "), "the slab class table is printed");
        }
        assertEquals(theirs, ours);
    }

    private static String read(final Forked f)
    {
        try
        {
            return Files.readString(f.stderr, StandardCharsets.UTF_8);
        }
        catch (final java.io.IOException ex)
        {
            return "";
        }
    }

    private static void session(final int port) throws Exception
    {
        try (Client c = new Client(port))
        {
            c.send(FIRST);
            c.readUntil("<EOF>");
        }
        catch (final AssertionError | java.io.IOException ex)
        {
            // readUntil returns at EOF
        }
        try (Client c = new Client(port))
        {
            c.request(SECOND, "DELETED\r\n");
        }
    }

    /**
     * The connection lines (not the slab table, the listening line or notices), numbers masked, once {@code expected}
     * connections were closed.
     */
    private static List<String> awaitLines(final Supplier<String> text, final int minimum) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline)
        {
            // a connection that only opened and closed is the test's probe for the port: drop its two lines. They
            // are found by connection number, as other connections' lines may come between them; a number is
            // reused once its connection closed, so each "new ... connection" line starts a new record
            final List<String> raw = new ArrayList<>();
            final List<int[]> recordOf = new ArrayList<>();
            final java.util.Map<String, int[]> open = new java.util.HashMap<>();
            for (final String line : text.get().split("\n"))
            {
                if (line.matches("^[<>]\\d+ .*|^\\d+: .*") && !line.contains("server listening"))
                {
                    final String number = line.replaceFirst("^[<>]?(\\d+).*", "$1");
                    int[] record = open.get(number);
                    if (record == null || line.endsWith("client connection"))
                    {
                        record = new int[1];
                        open.put(number, record);
                    }
                    record[0]++;
                    raw.add(line);
                    recordOf.add(record);
                }
            }
            lines = new ArrayList<>();
            int opened = 0;
            int closed = 0;
            for (int i = 0; i < raw.size(); i++)
            {
                final String masked = raw.get(i).replaceFirst("^([<>])\\d+", "$1N").replaceFirst("^\\d+:", "N:");
                if (recordOf.get(i)[0] == 2 &&
                    (masked.endsWith("client connection") || masked.endsWith("connection closed.")))
                {
                    continue;
                }
                opened += masked.endsWith("client connection") ? 1 : 0;
                closed += masked.endsWith("connection closed.") ? 1 : 0;
                lines.add(masked);
            }
            if (closed >= 2 && opened == closed && lines.size() >= minimum)
            {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }
}
