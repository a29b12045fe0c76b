/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
 * What memcached prints about its internals, compared with the real memcached for the same session: the connection
 * state changes and key lookups of {@code -vvv}, its LRU crawler's lines at {@code -vvv} and {@code -vv}, and the
 * lines of its graceful stop. Lines of the server's other threads come in an order that depends on timing, in
 * memcached too, so each test compares the lines of one kind, in their order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VerboseInternalsTest
{
    /** Lines of memcached's LRU crawler and maintainer threads. */
    private static final Predicate<String> BACKGROUND = line -> line.startsWith("Kicking LRU crawler off") ||
        line.startsWith("Nothing left to crawl for") || line.startsWith("LRU crawler thread") ||
        line.startsWith("Starting LRU") || line.startsWith("LRU maintainer thread");

    @Test
    void shouldFollowMemcachedsConnectionStatesAtVvv() throws Exception
    {
        final List<String> ours = likeMemcached1639("vvv-text", VerboseInternalsTest::textSession, "-vvv");
        assertTrue(ours.contains("N: going from conn_parse_cmd to conn_nread"), ours::toString);
        assertTrue(ours.contains("> NOT FOUND kB"), ours::toString);
        assertTrue(ours.contains("kA"), "a key found: memcached 1.6.39 prints the key alone");
    }

    @Test
    void shouldFollowMemcachedsConnectionStatesForTheBinaryProtocolAtVvv() throws Exception
    {
        likeMemcached1639("vvv-binary", VerboseInternalsTest::binarySession, "-vvv");
    }

    @Test
    void shouldPrintABinaryProtocolErrorAfterTheStateItsReplyPutsTheConnectionInAtVvv() throws Exception
    {
        final List<String> ours = likeMemcached1639("vvv-binary-protocol-error",
            VerboseInternalsTest::binaryProtocolErrorSession, "-vvv");
        int error = 0;
        while (error < ours.size() && !ours.get(error).startsWith("Protocol error (opcode 00), close connection "))
        {
            error++;
        }
        assertEquals("N: going from conn_parse_cmd to conn_mwrite", ours.get(error - 1), ours::toString);
    }

    @Test
    void shouldFollowMemcachedsConnectionStatesWhenRequestsPerEventRunOut() throws Exception
    {
        likeMemcached1639("vvv-requests-per-event", VerboseInternalsTest::pipelinedSession, "-vvv", "-R", "2");
    }

    @Test
    void shouldPrintItsListeningLinesBeforeTheCrawlersFirstPassAtVvv() throws Exception
    {
        // memcached's main thread opens its sockets as its crawler thread starts its first pass, and prints first
        try (InProcess server = new InProcess("-vvv"))
        {
            awaitCount(server::stderr, "LRU crawler thread sleeping", 1);
            final String text = server.stderr();
            final int listening = text.indexOf(" server listening (auto-negotiate)");
            assertTrue(listening > text.indexOf("Starting LRU maintainer background thread"), text);
            assertTrue(listening >= 0 && listening < text.indexOf("Kicking LRU crawler off for LRU "), text);
        }
    }

    @Test
    void shouldFollowTheStatesOfConnectionsServedByOtherThreadsAtVvv() throws Exception
    {
        final List<String> ours = likeMemcached1639("vvv-side-threads", VerboseInternalsTest::sideThreadSession,
            "-vvv");
        assertTrue(ours.contains("N: going from conn_parse_cmd to conn_watch"), ours::toString);
    }

    @Test
    void shouldPrintTheErrorOfASetTooLargeBeforeItsLookupAtVvv() throws Exception
    {
        final List<String> ours = likeMemcached1639("vvv-refused-stores", VerboseInternalsTest::refusedStoreSession,
            "-vvv");
        final int error = ours.indexOf(">N SERVER_ERROR object too large for cache");
        assertEquals(List.of("N: going from conn_parse_cmd to conn_new_cmd",
            "N: going from conn_new_cmd to conn_swallow", "k"), ours.subList(error + 1, error + 4),
            "set: the error, the swallow, then the lookup that unlinks k");
    }

    @Test
    void shouldFollowMemcachedsConnectionStatesForValuesLargerThanTheSocketBuffers() throws Exception
    {
        likeMemcached1639("vvv-large-values", VerboseInternalsTest::largeValueSession, "-vvv");
    }

    @Test
    void shouldSendTheReplyToAValueReadAfterItsCommandBeforeTheNextRequestAsMemcachedDoes() throws Exception
    {
        likeMemcached1639("vvv-values-read-after-their-command", VerboseInternalsTest::valuesReadAfterTheirCommand,
            "-vvv");
    }

    @Test
    void shouldCountRequestsPerEventAfreshAfterAValueReadAfterItsCommand() throws Exception
    {
        likeMemcached1639("vvv-values-read-after-their-command-r2", VerboseInternalsTest::valuesReadAfterTheirCommand,
            "-vvv", "-R", "2");
    }

    @Test
    void shouldFollowTheStatesOfTheUdpConnectionAtVvv() throws Exception
    {
        final Path recording = Path.of("src/test/resources/verbose/vvv-udp.txt");
        if (TestServers.memcachedAvailable() && oracleVersion().equals("1.6.39"))
        {
            final List<String> theirs;
            final int port = UdpTest.freeUdpPort();
            try (Forked memcached = TestServers.memcached("-vvv", "-t", "1", "-U", Integer.toString(port)))
            {
                theirs = udpSession(port, memcached::stderrText);
            }
            if (Boolean.getBoolean("memcached4j.record"))
            {
                Files.write(recording, theirs, StandardCharsets.UTF_8);
            }
            assertEquals(Files.readAllLines(recording, StandardCharsets.UTF_8), theirs,
                "memcached 1.6.39 prints what was recorded");
        }
        final List<String> ours;
        final int port = UdpTest.freeUdpPort();
        try (InProcess server = new InProcess("-vvv", "-t", "1", "-U", Integer.toString(port)))
        {
            ours = udpSession(port, server::stderr);
        }
        assertEquals(Files.readAllLines(recording, StandardCharsets.UTF_8), ours);
    }

    @Test
    void shouldCloseAWatcherFromItsSideThreadAtVv() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached("-vv"))
        {
            awaitCount(memcached::stderrText, "connection closed.", 1);
            watcherSession(memcached.port);
            theirs = awaitConnectionLines(memcached::stderrText);
        }
        final List<String> ours;
        try (InProcess server = new InProcess("-vv"))
        {
            watcherSession(server.port);
            ours = awaitConnectionLines(server::stderr);
        }
        assertEquals(theirs, ours);
        assertTrue(ours.contains("<N connection closing from side thread."), ours::toString);
    }

    @Test
    void shouldPrintTheIdleTimeoutThreadsPassAtVvv() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String[] args = {"-vvv", "-c", "4096", "-o", "idle_timeout=5"};
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached(args))
        {
            theirs = firstIdlePass(memcached::stderrText);
        }
        final List<String> ours;
        try (InProcess server = new InProcess(args))
        {
            ours = firstIdlePass(server::stderr);
        }
        assertEquals(theirs, ours);
        // -c 4096: 41 slices of 100 descriptors, 40 to a second
        assertEquals("idle timeout thread sleeping for 25000lus", ours.get(1));
        assertEquals(43, ours.size());
    }

    @Test
    void shouldPrintTheLruCrawlersLinesAtVvv() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached("-vvv"))
        {
            crawlerSession(memcached.port, memcached::stderrText);
            theirs = background(memcached.stderrText());
        }
        final List<String> ours;
        try (InProcess server = new InProcess("-vvv"))
        {
            crawlerSession(server.port, server::stderr);
            ours = background(server.stderr());
        }
        assertEquals(theirs, ours);
        assertEquals(List.of("Starting LRU crawler background thread", "Starting LRU maintainer background thread",
            "Kicking LRU crawler off for LRU 1"), ours.subList(0, 3));
        assertTrue(ours.contains("Kicking LRU crawler off for LRU 252"), "classes that do not exist are crawled too");
    }

    @Test
    void shouldPrintTheHashTableExpansionAtVv() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached("-vv"))
        {
            theirs = expansionSession(memcached.port, memcached::stderrText);
        }
        final List<String> ours;
        try (InProcess server = new InProcess("-vv"))
        {
            ours = expansionSession(server.port, server::stderr);
        }
        // memcached doubles its table at 98,305 items; the index here reaches 2^17 slots near that count
        assertEquals(List.of("Hash table expansion starting", "Hash table expansion done"), theirs);
        assertEquals(theirs, ours);
    }

    @Test
    void shouldPrintTheExpiredItemsTheCrawlerReclaimsAtVv() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String[] args = {"-vv", "-o", "no_lru_maintainer"};
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached(args))
        {
            theirs = expirySession(memcached.port, memcached::stderrText);
        }
        final List<String> ours;
        try (InProcess server = new InProcess(args))
        {
            ours = expirySession(server.port, server::stderr);
        }
        assertEquals(theirs, ours);
        // without the maintainer, items are linked into COLD (LRU 129 of class 1)
        assertEquals(List.of("LRU crawler found an expired item (flags: 259, slab: 129): a",
            "LRU crawler found an expired item (flags: 11, slab: 129): b",
            "LRU crawler found an expired item (flags: 523, slab: 129): c"), ours);
    }

    @Test
    void shouldPrintMemcachedsGracefulStop() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> ours = gracefulStopLikeMemcached("Gracefully stopping", "-vv", "-A");
        assertEquals(List.of("Gracefully stopping", "stopped assoc", "asking workers to stop",
            "asking background threads to stop", "stopped lru crawler", "stopped maintainer", "stopped slab mover",
            "stopped logger thread", "stopped idle timeout thread", "closing connections", "<N connection closed.",
            "<N connection closed.", "reaping worker threads", "all background threads stopped"), ours);
    }

    @Test
    void shouldPrintTheStatesOfTheConnectionsAGracefulStopClosesAtVvv() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> ours = gracefulStopLikeMemcached("closing connections", "-vvv", "-A");
        // the listener, then the connection that waits for its next request
        assertEquals(List.of("closing connections",
            "<N connection closed.", "N: going from conn_listening to conn_closed",
            "<N connection closed.", "N: going from conn_read to conn_closed",
            "reaping worker threads", "all background threads stopped"), ours);
    }

    @Test
    void shouldFollowTheStatesOfAConnectionClosedBeforeItSentAnythingAtVvv() throws Exception
    {
        // memcached learns of the close from a read: a new connection first waits and reads, as for a request
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached("-vvv"))
        {
            theirs = connectAndClose(memcached.port, memcached::stderrText);
        }
        final List<String> ours;
        try (InProcess server = new InProcess("-vvv"))
        {
            ours = connectAndClose(server.port, server::stderr);
        }
        assertEquals(theirs, ours);
        assertEquals(List.of("<N new auto-negotiating client connection", "N: going from conn_new_cmd to conn_waiting",
            "N: going from conn_waiting to conn_read", "N: going from conn_read to conn_closing",
            "<N connection closed.", "N: going from conn_closing to conn_closed"), ours);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // conversations
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * A conversation with a server on a port.
     */
    private interface Conversation
    {
        void run(int port) throws Exception;
    }

    /**
     * Requests alone and pipelined, a value and a request cut across two writes, a forced flush ({@code mn}), a
     * noreply, an error, then {@code quit}. Each write waits for its replies, so both servers read the same pieces.
     */
    private static void textSession(final int port) throws Exception
    {
        try (Client c = new Client(port))
        {
            c.request("set kA 0 0 1\r\nx\r\n", "STORED\r\n");
            c.request("get kA\r\nget kB\r\n", "END\r\nEND\r\n");
            c.request("me kA\r\nme kB\r\n", "EN\r\n");
            c.request("mg kA v\r\nmn\r\nge", "MN\r\n");
            c.request("t kB\r\n", "END\r\n");
            c.send("set kC 0 0 5\r\nab");
            Thread.sleep(300);
            c.request("cde\r\n", "STORED\r\n");
            c.request("delete kA noreply\r\nbogus\r\nincr kZ 1\r\n", "NOT_FOUND\r\n");
            c.send("quit\r\n");
            assertTrue(c.closedByServer(10_000), "quit closes the connection");
        }
        try (Client c = new Client(port))
        {
            c.request("get kB\r\n", "END\r\n");
        }
    }

    /**
     * Binary requests alone and pipelined: hits, a miss (an error, which memcached sends at once), quiet requests,
     * a value cut across two writes, then QUIT.
     */
    private static void binarySession(final int port) throws Exception
    {
        final byte[] setExtras = {0, 0, 0, 0, 0, 0, 0, 0};
        try (Client c = new Client(port))
        {
            c.out.write(TestServers.binaryRequest(0x01, "k", setExtras, "hello", 0));
            c.out.flush();
            c.in.readNBytes(24);
            final java.io.ByteArrayOutputStream pipelined = new java.io.ByteArrayOutputStream();
            pipelined.writeBytes(TestServers.binaryRequest(0x09, "nope", new byte[0], "", 0));
            pipelined.writeBytes(TestServers.binaryRequest(0x00, "k", new byte[0], "", 0));
            pipelined.writeBytes(TestServers.binaryRequest(0x00, "nope", new byte[0], "", 0));
            pipelined.writeBytes(TestServers.binaryRequest(0x0a, "", new byte[0], "", 0));
            c.out.write(pipelined.toByteArray());
            c.out.flush();
            c.in.readNBytes(24 + 4 + 5 + 24 + 9 + 24);
            final byte[] split = TestServers.binaryRequest(0x01, "s", setExtras, "value", 0);
            c.out.write(split, 0, 30);
            c.out.flush();
            Thread.sleep(300);
            c.out.write(split, 30, split.length - 30);
            c.out.flush();
            c.in.readNBytes(24);
            c.out.write(TestServers.binaryRequest(0x07, "", new byte[0], "", 0));
            c.out.flush();
            c.in.readNBytes(24);
            assertTrue(c.closedByServer(10_000), "QUIT closes the connection");
        }
    }

    /**
     * A binary GET whose key is longer than 250 bytes: a protocol error, which closes the connection.
     */
    private static void binaryProtocolErrorSession(final int port) throws Exception
    {
        try (Client c = new Client(port))
        {
            c.out.write(TestServers.binaryRequest(0x00, "k".repeat(251), new byte[0], "", 0));
            c.out.flush();
            assertTrue(c.closedByServer(10_000), "a protocol error closes the connection");
        }
    }

    /**
     * Seven gets in one write under {@code -R 2}: memcached sends what it has and yields every third request.
     */
    private static void pipelinedSession(final int port) throws Exception
    {
        try (Client c = new Client(port))
        {
            c.request("get a\r\nget b\r\nget c\r\nget d\r\nget e\r\nget f\r\nget g\r\nge",
                "END\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\nEND\r\n");
            c.request("t f\r\nget h\r\n", "END\r\nEND\r\n");
            c.request("get i\r\n", "END\r\n");
            assertEquals("4", c.stat("conn_yields"));
        }
    }

    /**
     * A value of 1,000,000 bytes, which arrives in many reads, then read back twice by a client that waits before
     * it reads, so that the replies wait for the socket.
     */
    private static void largeValueSession(final int port) throws Exception
    {
        final String value = "v".repeat(1_000_000);
        try (Client c = new Client(port))
        {
            c.request("set big 0 0 " + value.length() + "\r\n" + value + "\r\n", "STORED\r\n");
            c.send("get big\r\nget big\r\n");
            Thread.sleep(300);
            c.readUntil("END\r\nVALUE big 0 1000000\r\n" + value + "\r\nEND\r\n");
        }
    }

    /**
     * Values that arrive after their command line, with more requests behind them in the same write: memcached reads
     * such a value from the socket for itself alone, so it sends its reply before it reads what follows, in an event
     * of its own. A get with a key over 250 bytes then cannot take that reply back. The same for a value too large,
     * swallowed, and for the binary protocol.
     */
    private static void valuesReadAfterTheirCommand(final int port) throws Exception
    {
        try (Client c = new Client(port))
        {
            c.send("set kA 0 0 10\r\n12345");
            Thread.sleep(300);
            final String replies = "STORED\r\n" + "VALUE kA 0 10\r\n1234567890\r\nEND\r\n".repeat(5);
            assertEquals(replies, c.request("67890\r\n" + "get kA\r\n".repeat(5), replies));
            c.send("set kB 0 0 3\r\nab");
            Thread.sleep(300);
            assertEquals("STORED\r\nCLIENT_ERROR bad command line format\r\n",
                c.request("c\r\nget " + "k".repeat(251) + "\r\n", "format\r\n"));
            assertEquals("SERVER_ERROR object too large for cache\r\nVERSION 1.6.39\r\n",
                c.request("set kC 0 0 2000000\r\n" + "x".repeat(2_000_000) + "\r\nversion\r\n", "1.6.39\r\n"));
        }
        // the first connection's close is printed before the next one opens (another worker may serve it)
        Thread.sleep(300);
        final byte[] setExtras = {0, 0, 0, 0, 0, 0, 0, 0};
        try (Client c = new Client(port))
        {
            final byte[] split = TestServers.binaryRequest(0x01, "s", setExtras, "value", 0);
            c.out.write(split, 0, 30);
            c.out.flush();
            Thread.sleep(300);
            // the rest of the value and a GET in one write
            final java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
            rest.write(split, 30, split.length - 30);
            rest.writeBytes(TestServers.binaryRequest(0x00, "s", new byte[0], "", 0));
            c.out.write(rest.toByteArray());
            c.out.flush();
            c.in.readNBytes(24 + 24 + 4 + 5);
        }
    }

    /**
     * Stores of a value over the item size limit: a text set (memcached prints its error reply, then the lookup that
     * unlinks the key's old value), ms (the lookup, then the error), add (no lookup), then binary SET and ADD.
     */
    private static void refusedStoreSession(final int port) throws Exception
    {
        final String value = "x".repeat((1 << 20) + 10);
        try (Client c = new Client(port))
        {
            c.request("set k 0 0 1\r\nv\r\n", "STORED\r\n");
            c.request("set k 0 0 " + value.length() + "\r\n" + value + "\r\n",
                "SERVER_ERROR object too large for cache\r\n");
            c.request("ms k " + value.length() + " T0\r\n" + value + "\r\n",
                "SERVER_ERROR object too large for cache\r\n");
            c.request("add k 0 0 " + value.length() + "\r\n" + value + "\r\n",
                "SERVER_ERROR object too large for cache\r\n");
            // the server closes it, so its lines come before the next connection's
            c.send("quit\r\n");
            assertTrue(c.closedByServer(10_000), "quit closes the connection");
        }
        final byte[] setExtras = {0, 0, 0, 0, 0, 0, 0, 0};
        try (Client c = new Client(port))
        {
            for (final int opcode : new int[] {0x01, 0x02})
            {
                c.out.write(TestServers.binaryRequest(opcode, "k", setExtras, value, 0));
                c.out.flush();
                c.in.readNBytes(24 + "Too large.".length());
            }
        }
    }

    /**
     * A metadump and a key dump, which memcached's crawler thread serves, then {@code watch} on the same connection,
     * which the client closes and memcached's logger thread notices.
     */
    private static void sideThreadSession(final int port) throws Exception
    {
        try (Client c = new Client(port))
        {
            c.request("set a 0 0 1\r\nx\r\n", "STORED\r\n");
            c.request("lru_crawler metadump all\r\n", "END\r\n");
            c.request("get a\r\n", "END\r\n");
            c.request("lru_crawler mgdump 1\r\n", "EN\r\n");
            c.request("mn\r\n", "MN\r\n");
            c.request("watch fetchers\r\n", "OK\r\n");
        }
    }

    /**
     * 150,000 quiet sets, then the expansion lines once the table grew past 2^17 slots.
     */
    private static List<String> expansionSession(final int port, final Supplier<String> stderr) throws Exception
    {
        try (Client c = new Client(port))
        {
            for (int batch = 0; batch < 150; batch++)
            {
                final StringBuilder sets = new StringBuilder();
                for (int i = 0; i < 1000; i++)
                {
                    sets.append("set k").append(batch * 1000 + i).append(" 0 0 1 noreply\r\nv\r\n");
                }
                c.send(sets.append("mn\r\n").toString());
                c.readUntil("MN\r\n");
            }
            assertEquals("150000", c.stat("curr_items"));
        }
        awaitCount(stderr, "Hash table expansion done", 1);
        return linesStartingWith(stderr.get(), "Hash table expansion");
    }

    private static void watcherSession(final int port) throws Exception
    {
        try (Client watcher = new Client(port))
        {
            watcher.request("watch fetchers\r\n", "OK\r\n");
        }
    }

    /**
     * Datagrams to the UDP connection: a set, two gets in one datagram, a request cut short by the datagram's end.
     *
     * @return the lines of the UDP connection, its number masked, once the last datagram was read.
     */
    private static List<String> udpSession(final int port, final Supplier<String> stderr) throws Exception
    {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket())
        {
            socket.setSoTimeout(5_000);
            final byte[] reply = new byte[1500];
            // requests, then datagrams dropped for their frame header (no request, a count of 2), a line too long
            // (memcached closes, which cleans its UDP connection up), a partial line after a reply, and quit; the
            // last, a partial line, ends the session
            final List<String> requests = List.of("set a 0 0 1\r\nx\r\n", "get a\r\nget b\r\n", "", "2version\r\n",
                "x".repeat(3000), "version\r\nver", "quit\r\n", "get a");
            for (final String request : requests)
            {
                final boolean severalDatagrams = request.startsWith("2");
                final byte[] payload = request.substring(severalDatagrams ? 1 : 0).getBytes(StandardCharsets.US_ASCII);
                final byte[] datagram = new byte[8 + payload.length];
                datagram[1] = 1;
                datagram[5] = (byte)(severalDatagrams ? 2 : 1);
                System.arraycopy(payload, 0, datagram, 8, payload.length);
                socket.send(new java.net.DatagramPacket(datagram, datagram.length,
                    java.net.InetAddress.getLoopbackAddress(), port));
                if (request.startsWith("set") || request.startsWith("get a\r") || request.startsWith("version"))
                {
                    socket.receive(new java.net.DatagramPacket(reply, reply.length));
                }
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline)
        {
            lines = new ArrayList<>();
            String udp = null;
            for (final String line : stderr.get().split("\n"))
            {
                if (line.endsWith("server listening (udp)"))
                {
                    udp = line.replaceFirst("^<(\\d+) .*", "$1");
                    continue;
                }
                if (udp != null && (line.startsWith(udp + ":") || line.startsWith("<" + udp + " ") ||
                    line.startsWith(">" + udp + " ") || line.startsWith("> NOT FOUND ") || line.equals("a")) &&
                    !line.contains("send buffer"))
                {
                    lines.add(line.replaceFirst("^([<>]?)\\d+", "$1N"));
                }
            }
            // the last datagram (after quit) ends in the connection reading again, after it parsed and waited
            if (lines.contains("<N quit") && lines.get(lines.size() - 2).endsWith("conn_parse_cmd to conn_waiting"))
            {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }

    /**
     * A crawl of class 1, then the crawler disabled and enabled again.
     */
    private static void crawlerSession(final int port, final Supplier<String> stderr) throws Exception
    {
        // the maintainer's first crawl of every LRU ends with the crawler's first "sleeping" line
        awaitCount(stderr, "LRU crawler thread sleeping", 1);
        try (Client c = new Client(port))
        {
            c.request("lru_crawler crawl 1\r\n", "OK\r\n");
            awaitCount(stderr, "LRU crawler thread sleeping", 2);
            c.request("lru_crawler crawl 60\r\n", "OK\r\n");
            awaitCount(stderr, "LRU crawler thread sleeping", 3);
            c.request("lru_crawler disable\r\n", "OK\r\n");
            awaitCount(stderr, "LRU crawler thread stopping", 1);
            c.request("lru_crawler enable\r\n", "OK\r\n");
            awaitCount(stderr, "Starting LRU crawler background thread", 2);
        }
    }

    /**
     * Three items with a TTL of one second (with client flags, fetched, and a vivified one whose recache token was
     * sent), then a crawl of their class once they expired.
     */
    private static List<String> expirySession(final int port, final Supplier<String> stderr) throws Exception
    {
        try (Client c = new Client(port))
        {
            c.request("set a 5 1 1\r\nx\r\nset b 0 1 1\r\ny\r\nget b\r\n", "END\r\n");
            c.request("mg c T1 N1\r\n", "W\r\n");
            Thread.sleep(2_500);
            c.request("lru_crawler crawl 1\r\n", "OK\r\n");
            awaitCount(stderr, "LRU crawler found an expired item", 3);
        }
        return linesStartingWith(stderr.get(), "LRU crawler found an expired item");
    }

    private static List<String> linesStartingWith(final String text, final String prefix)
    {
        final List<String> lines = new ArrayList<>();
        for (final String line : text.split("\n"))
        {
            if (line.startsWith(prefix))
            {
                lines.add(line);
            }
        }
        return lines;
    }

    /**
     * One connection that waits, another that asks for a graceful stop.
     */
    private static void gracefulStop(final int port) throws Exception
    {
        try (Client idle = new Client(port); Client c = new Client(port))
        {
            idle.request("get a\r\n", "END\r\n");
            c.send("shutdown graceful\r\n");
            assertTrue(c.closedByServer(10_000), "the connection that asked is closed");
            assertTrue(idle.closedByServer(10_000), "every connection is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // connections closing
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * A connection that closes without sending anything, once every connection before it closed.
     *
     * @return the lines of that connection, numbers masked.
     */
    private static List<String> connectAndClose(final int port, final Supplier<String> stderr) throws Exception
    {
        // the port probe of a forked server is a connection of the same kind, which the crawler's first pass
        // follows: wait for its close
        awaitCount(stderr, "LRU crawler thread sleeping", 1);
        final int closedBefore = count(stderr.get(), "connection closed.");
        final int openedBefore = count(stderr.get(), "client connection");
        if (openedBefore > closedBefore)
        {
            awaitCount(stderr, "connection closed.", openedBefore);
        }
        final int opened = count(stderr.get(), "client connection");
        new Client(port).close();
        awaitCount(stderr, "to conn_closed", count(stderr.get(), "to conn_closed") + 1);
        final List<String> lines = new ArrayList<>();
        int seen = 0;
        String number = null;
        for (final String line : stderr.get().split("\n"))
        {
            if (line.endsWith("client connection") && seen++ == opened)
            {
                number = line.replaceFirst("^<(\\d+) .*", "$1");
            }
            if (number != null && (line.startsWith("<" + number + " ") || line.startsWith(number + ": ")))
            {
                lines.add(masked(line));
                if (line.endsWith("to conn_closed"))
                {
                    // that connection's life: a later one may take the same number (a port probe printed late
                    // makes the chosen connection the probe, which is the same case)
                    break;
                }
            }
        }
        return lines;
    }

    private static int count(final String text, final String suffix)
    {
        int n = 0;
        for (final String line : text.split("\n"))
        {
            n += line.endsWith(suffix) ? 1 : 0;
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The conversation's connection lines from this server equal memcached 1.6.39's, recorded in
     * {@code verbose/<name>.txt} (Debian's 1.6.18, the usual oracle, prints some of them differently). When the
     * oracle is 1.6.39 ({@code MEMCACHED_BIN}), its lines are taken again and must equal the recording; with
     * {@code -Dmemcached4j.record=true} they replace it. Every conversation starts once the crawler's first pass
     * over the LRUs ended (all run at {@code -vvv}, which prints it): a {@code lru_crawler metadump} sent during that
     * pass is refused as busy, by memcached as by this server.
     *
     * @return this server's lines.
     */
    private static List<String> likeMemcached1639(final String name, final Conversation conversation,
        final String... args) throws Exception
    {
        final Path recording = Path.of("src/test/resources/verbose/" + name + ".txt");
        if (TestServers.memcachedAvailable() && oracleVersion().equals("1.6.39"))
        {
            final List<String> theirs;
            try (Forked memcached = TestServers.memcached(args))
            {
                awaitCount(memcached::stderrText, "connection closed.", 1);
                awaitCount(memcached::stderrText, "LRU crawler thread sleeping", 1);
                conversation.run(memcached.port);
                theirs = awaitConnectionLines(memcached::stderrText);
            }
            if (Boolean.getBoolean("memcached4j.record"))
            {
                Files.createDirectories(recording.getParent());
                Files.write(recording, theirs, StandardCharsets.UTF_8);
            }
            assertEquals(Files.readAllLines(recording, StandardCharsets.UTF_8), theirs,
                "memcached 1.6.39 prints what was recorded");
        }
        final List<String> ours;
        try (InProcess server = new InProcess(args))
        {
            awaitCount(server::stderr, "LRU crawler thread sleeping", 1);
            conversation.run(server.port);
            ours = awaitConnectionLines(server::stderr);
        }
        assertEquals(Files.readAllLines(recording, StandardCharsets.UTF_8), ours);
        return ours;
    }

    private static String oracleVersion() throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(TestServers.MEMCACHED.toString(), "-V").redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out.replaceFirst("^memcached ", "");
    }


    private static void awaitCount(final Supplier<String> text, final String prefix, final int count)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            int n = 0;
            for (final String line : text.get().split("\n"))
            {
                n += line.startsWith(prefix) || line.endsWith(prefix) ? 1 : 0;
            }
            if (n >= count)
            {
                return;
            }
            Thread.sleep(20);
        }
    }

    private static List<String> background(final String text)
    {
        final List<String> lines = new ArrayList<>();
        for (final String line : text.split("\n"))
        {
            if (BACKGROUND.test(line))
            {
                lines.add(line);
            }
        }
        return lines;
    }

    /**
     * The idle timeout thread's first pass, from its first line to the end of the pass, the seconds it then sleeps
     * masked (they depend on where the server's clock ticks).
     */
    private static List<String> firstIdlePass(final Supplier<String> stderr) throws InterruptedException
    {
        awaitCount(stderr, "idle timeout thread finished pass", 1);
        final List<String> lines = new ArrayList<>();
        for (final String line : stderr.get().split("\n"))
        {
            if (line.startsWith("idle timeout thread"))
            {
                lines.add(line.replaceFirst("sleeping for \\d+s$", "sleeping for <n>s"));
                if (line.startsWith("idle timeout thread finished pass"))
                {
                    break;
                }
            }
        }
        return lines;
    }

    /**
     * A graceful stop of memcached and of this server with the same arguments: the lines from {@code first} on
     * must be the same.
     *
     * @return this server's lines, connection numbers masked.
     */
    private static List<String> gracefulStopLikeMemcached(final String first, final String... args) throws Exception
    {
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached(args))
        {
            gracefulStop(memcached.port);
            assertTrue(memcached.process.waitFor(10, TimeUnit.SECONDS), "memcached stopped");
            theirs = linesFrom(memcached.stderrText(), first);
        }
        final List<String> ours;
        try (InProcess server = new InProcess(args))
        {
            gracefulStop(server.port);
            assertTrue(server.server.awaitStop(10, TimeUnit.SECONDS), "the server stopped");
            ours = linesFrom(server.stderr(), first);
        }
        assertEquals(theirs, ours);
        return ours;
    }

    /**
     * A connection's line with its number masked, as N after the opening angle bracket or before the colon.
     */
    private static String masked(final String line)
    {
        return line.replaceFirst("^<\\d+", "<N").replaceFirst("^\\d+:", "N:");
    }

    /**
     * The lines from {@code first} on, connection numbers masked.
     */
    private static List<String> linesFrom(final String text, final String first)
    {
        final List<String> lines = new ArrayList<>();
        boolean from = false;
        for (final String line : text.split("\n"))
        {
            from |= line.equals(first);
            if (from)
            {
                lines.add(masked(line));
            }
        }
        return lines;
    }

    /**
     * The lines of the session's connections once they closed: everything but the slab table, notices, the
     * listening line and the background threads' lines, numbers masked. A connection that sent no request is the
     * test's probe for the port: its lines are dropped.
     */
    private static List<String> awaitConnectionLines(final Supplier<String> text) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline)
        {
            final List<String> kept = new ArrayList<>();
            final List<boolean[]> recordOf = new ArrayList<>();
            final Map<String, boolean[]> open = new HashMap<>();
            boolean[] current = new boolean[1];
            int opened = 0;
            int closed = 0;
            for (final String line : text.get().split("\n"))
            {
                if (line.isEmpty() || line.startsWith("slab class") || line.contains("server listening") ||
                    BACKGROUND.test(line) || line.startsWith("WARNING") || line.startsWith("Exiting"))
                {
                    continue;
                }
                if (line.matches("^[<>]\\d+ .*|^\\d+: .*"))
                {
                    final String number = line.replaceFirst("^[<>]?(\\d+).*", "$1");
                    boolean[] record = open.get(number);
                    if (record == null || line.endsWith("client connection"))
                    {
                        record = new boolean[1];
                        open.put(number, record);
                    }
                    current = record;
                    opened += line.endsWith("client connection") ? 1 : 0;
                    closed += line.endsWith("connection closed.") ? 1 : 0;
                    if (line.matches("^<\\d+ .*") && !line.endsWith("client connection") &&
                        !line.endsWith("connection closed."))
                    {
                        record[0] = true;
                    }
                }
                // a key lookup line belongs to the request before it
                kept.add(line);
                recordOf.add(current);
            }
            lines = new ArrayList<>();
            for (int i = 0; i < kept.size(); i++)
            {
                if (recordOf.get(i)[0])
                {
                    lines.add(kept.get(i).replaceFirst("^([<>])\\d+", "$1N").replaceFirst("^\\d+:", "N:"));
                }
            }
            // at -vvv the state change to conn_closed follows the close line
            final boolean states = lines.stream().anyMatch(l -> l.contains(": going from "));
            if (opened > 0 && opened == closed && !lines.isEmpty() &&
                lines.get(lines.size() - 1).endsWith(states ? "conn_closed" : "connection closed."))
            {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }

}
