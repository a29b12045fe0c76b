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
    private static final String SECOND = "get a\r\nget b " + "k".repeat(251) + "\r\ndelete a\r\n";

    @Test
    void shouldPrintWhatMemcachedPrintsAtVv() throws Exception
    {
        final List<List<String>> lines = bothServers(VerboseOutputTest::session, 4);
        assertEquals(lines.get(0), lines.get(1));
    }

    @Test
    void shouldPrintWhatMemcachedPrintsForTheBinaryProtocolAtVv() throws Exception
    {
        final List<List<String>> lines = bothServers(VerboseOutputTest::binarySession, 40);
        assertEquals(withoutCas(lines.get(0)), withoutCas(lines.get(1)));
    }

    @Test
    void shouldEchoAGetLineLongerThan2048BytesThatArrivesInPiecesAsMemcachedDoes() throws Exception
    {
        // memcached keeps reading a get line without a newline past 2048 bytes, then echoes and serves it whole
        final List<List<String>> lines = bothServers(VerboseOutputTest::longGetSession, 8);
        assertEquals(lines.get(0), lines.get(1));
    }

    @Test
    void shouldPrintTheBytesOfAKeyAsTheClientSentThem() throws Exception
    {
        // not UTF-8: memcached prints the bytes whatever the locale, and so must a JVM whatever its default charset
        final String key = "\u00e9\u00e8\u00ff";
        final String conversation = "set " + key + " 0 0 1\r\nx\r\nget " + key + "\r\n";
        final String expected = " set " + key + " 0 0 1\n>N STORED\n<N get " + key + "\n>N sending key " + key + "\n";
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        try (Forked memcached = TestServers.memcached("-vv"))
        {
            awaitProbeClosed(memcached);
            try (Client c = new Client(memcached.port))
            {
                c.request(conversation, "END\r\n");
            }
            assertTrue(awaitBytes(() -> Files.readString(memcached.stderr, StandardCharsets.ISO_8859_1), expected),
                "memcached printed the key's bytes");
        }
        try (InProcess server = new InProcess("-vv"))
        {
            try (Client c = new Client(server.port))
            {
                c.request(conversation, "END\r\n");
            }
            assertTrue(awaitBytes(server::stderrBytes, expected), server::stderrBytes);
        }
    }

    private interface Text
    {
        String get() throws Exception;
    }

    /**
     * Wait until the text, connection numbers masked, contains what is expected.
     */
    private static boolean awaitBytes(final Text text, final String expected) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            if (text.get().replaceAll("([<>])\\d+ ", "$1N ").contains(expected))
            {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * A conversation with a server on a port.
     */
    private interface Conversation
    {
        void run(int port) throws Exception;
    }

    /**
     * The same conversation with the real memcached and with this server, both at {@code -vv}.
     *
     * @return memcached's lines, then this server's.
     */
    private static List<List<String>> bothServers(final Conversation conversation, final int minimum) throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached("-vv"))
        {
            awaitProbeClosed(memcached);
            conversation.run(memcached.port);
            theirs = awaitLines(memcached::stderrText, minimum);
        }
        final List<String> ours;
        try (InProcess server = new InProcess("-vv"))
        {
            conversation.run(server.port);
            ours = awaitLines(server::stderr, minimum);
            assertTrue(server.stderr().contains("slab class   1: chunk size "), "the slab class table is printed");
        }
        return List.of(theirs, ours);
    }

    /**
     * The lines with the CAS bytes of each dumped response header masked (memcached 1.6.18's CAS numbers start one
     * lower than 1.6.39's and this server's) and the connection number of a protocol error masked.
     */
    private static List<String> withoutCas(final List<String> lines)
    {
        final List<String> out = new ArrayList<>();
        int sinceResponse = -1;
        for (final String line : lines)
        {
            if (line.endsWith("Writing bin response:"))
            {
                sinceResponse = 0;
                out.add(line);
                continue;
            }
            sinceResponse = sinceResponse >= 0 && line.startsWith(">N  ") ? sinceResponse + 1 : -1;
            out.add(sinceResponse >= 5 ? ">N   <cas>" :
                line.replaceFirst("close connection \\d+$", "close connection N"));
        }
        return out;
    }

    /**
     * Header dumps, command lines and error lines of the binary protocol, a protocol error that closes the connection,
     * then a bad magic byte on a second connection.
     */
    private static void binarySession(final int port) throws Exception
    {
        final java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        final byte[] setExtras = {0, 0, 0, 5, 0, 0, 0, 0};
        final byte[] arithmetic = {0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0};
        final byte[] expiry = {0, 0, 0, 100};
        first.writeBytes(TestServers.binaryRequest(0x01, "k", setExtras, "hello", 1));
        first.writeBytes(TestServers.binaryRequest(0x00, "k", new byte[0], "", 2));
        first.writeBytes(TestServers.binaryRequest(0x00, "nope", new byte[0], "", 3));
        first.writeBytes(TestServers.binaryRequest(0x0c, "nope", new byte[0], "", 4));
        first.writeBytes(TestServers.binaryRequest(0x11, "q", setExtras, "v", 5));
        first.writeBytes(TestServers.binaryRequest(0x0e, "q", new byte[0], "zz", 6));
        first.writeBytes(TestServers.binaryRequest(0x05, "cnt", arithmetic, "", 7));
        first.writeBytes(TestServers.binaryRequest(0x06, "cnt", arithmetic, "", 8));
        first.writeBytes(TestServers.binaryRequest(0x04, "k", new byte[0], "", 9));
        first.writeBytes(TestServers.binaryRequest(0x10, "nosuch", new byte[0], "", 10));
        first.writeBytes(TestServers.binaryRequest(0x1c, "q", expiry, "", 11));
        first.writeBytes(TestServers.binaryRequest(0x1d, "q", expiry, "", 12));
        first.writeBytes(TestServers.binaryRequest(0x0b, "", new byte[0], "", 13));
        first.writeBytes(TestServers.binaryRequest(0x0a, "", new byte[0], "", 14));
        first.writeBytes(TestServers.binaryRequest(0x50, "", new byte[0], "", 15));
        first.writeBytes(TestServers.binaryRequest(0x01, "k", new byte[0], "x", 16));
        try (Client c = new Client(port))
        {
            c.out.write(first.toByteArray());
            c.out.flush();
            assertTrue(c.closedByServer(10_000), "a protocol error closes the connection");
        }
        try (Client c = new Client(port))
        {
            // the first byte chose the binary protocol; a header with another magic byte then closes
            final byte[] bad = new byte[24];
            bad[0] = (byte)0x81;
            c.out.write(TestServers.binaryRequest(0x0a, "", new byte[0], "", 17));
            c.out.write(bad);
            c.out.flush();
            assertTrue(c.closedByServer(10_000), "a bad magic byte closes the connection");
        }
    }


    /**
     * Wait until memcached logged the close of the connection that checked its port: it is served by another of its
     * threads, whose lines could otherwise land in the middle of the session's.
     */
    private static void awaitProbeClosed(final Forked memcached) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!memcached.stderrText().contains("connection closed.") && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
    }


    private static void longGetSession(final int port) throws Exception
    {
        final StringBuilder keys = new StringBuilder("get");
        for (int i = 0; i < 500; i++)
        {
            keys.append(String.format(" k%04d", i));
        }
        try (Client c = new Client(port))
        {
            c.request("set k0007 0 0 1\r\nx\r\n", "STORED\r\n");
            c.send(keys.toString());
            Thread.sleep(200);
            c.request("\r\n", "END\r\n");
            c.send("get " + "k".repeat(3000));
            Thread.sleep(200);
            c.request("\r\n", "CLIENT_ERROR bad command line format\r\n");
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
     * A line memcached prints without a connection number for a command (the binary protocol's {@code incr},
     * {@code Deleting}, {@code Value len is}, {@code Invalid magic}, {@code Protocol error} lines).
     */
    private static boolean isSessionLine(final String line)
    {
        return line.startsWith("incr ") || line.startsWith("Deleting ") || line.startsWith("Value len is ") ||
            line.startsWith("Invalid magic:") || line.startsWith("Protocol error ");
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
                if (!line.matches("^[<>]\\d+ .*|^\\d+: .*") && isSessionLine(line))
                {
                    raw.add(line);
                    recordOf.add(new int[1]);
                    continue;
                }
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
