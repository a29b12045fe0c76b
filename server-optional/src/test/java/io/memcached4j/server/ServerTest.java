/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static io.memcached4j.server.TestServers.InProcess;
import static io.memcached4j.server.TestServers.assertStored;
import static io.memcached4j.server.TestServers.nc;
import static io.memcached4j.server.TestServers.stats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server over real sockets, started in this JVM on a free loopback port.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerTest
{
    @Test
    void shouldAnswerTheCommandsOfMemcachedsImageDocumentation() throws Exception
    {
        try (InProcess server = new InProcess("-m", "256", "-c", "2048"))
        {
            final String stats = nc(server.port, "stats\n");
            final List<String> shown = new ArrayList<>();
            for (final String line : stats.split("\r\n"))
            {
                if (line.matches(".*(version|limit_maxbytes|max_connections).*"))
                {
                    shown.add(line);
                }
            }
            assertEquals(List.of("STAT version 1.6.39", "STAT max_connections 2048",
                "STAT limit_maxbytes 268435456"), shown);
            assertEquals("STORED\r\n", nc(server.port, "set testkey 0 900 5\r\nhello\r\n"));
            assertEquals("VALUE testkey 0 5\r\nhello\r\nEND\r\n", nc(server.port, "get testkey\r\n"));
        }
    }

    @Test
    void shouldStoreAndReturnANineMegabyteValueWithI10m() throws Exception
    {
        try (InProcess server = new InProcess("-I", "10m");
            Client c = server.client())
        {
            final byte[] value = new byte[9 << 20];
            new Random(5).nextBytes(value);
            c.send(("set big 0 0 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            c.send(value);
            c.send("\r\n");
            assertEquals("STORED\r\n", c.readUntil("\r\n"));
            c.send("get big\r\n");
            final String reply = c.readUntil("\r\nEND\r\n");
            final String header = "VALUE big 0 " + value.length + "\r\n";
            assertTrue(reply.startsWith(header));
            final byte[] got = reply.substring(header.length(), reply.length() - "\r\nEND\r\n".length())
                .getBytes(StandardCharsets.ISO_8859_1);
            assertArrayEquals(value, got);
        }
    }

    @Test
    void shouldRefuseConnectionsBeyondTheLimitAsMemcached16() throws Exception
    {
        // -t 4: memcached 1.6.39 holds 6 descriptors, then 5 per worker, so the listener is 26 and clients 27 on
        // (seen with -vv); -c 40 refuses number 39 and above
        try (InProcess server = new InProcess("-c", "40"))
        {
            final List<Client> clients = new ArrayList<>();
            try
            {
                for (int i = 0; i < 20; i++)
                {
                    clients.add(server.client());
                }
                int rejected = 0;
                final List<Client> served = new ArrayList<>();
                for (final Client c : clients)
                {
                    c.socket.setSoTimeout(2000);
                    c.send("version\r\n");
                    final String reply = c.readUntil("\r\n");
                    if (reply.startsWith("ERROR Too many open connections\r\n"))
                    {
                        rejected++;
                        assertTrue(c.closedByServer(2000));
                    }
                    else
                    {
                        assertEquals("VERSION 1.6.39\r\n", reply);
                        served.add(c);
                    }
                }
                assertEquals(8, rejected);
                assertEquals(12, served.size());
                assertEquals("8", served.get(0).stat("rejected_connections"));
                // the listener and the 12 served: memcached closes a refused client before it makes a connection of it
                assertEquals("13", served.get(0).stat("total_connections"));
                // memcached and the server count a connection out just after closing its socket, so a refused
                // client can see the close a moment before the count drops
                String current = served.get(0).stat("curr_connections");
                for (int i = 0; i < 100 && !"12".equals(current); i++)
                {
                    Thread.sleep(20);
                    current = served.get(0).stat("curr_connections");
                }
                assertEquals("12", current);
            }
            finally
            {
                for (final Client c : clients)
                {
                    c.close();
                }
            }
            awaitStat(server, "curr_connections", "1");
        }
    }

    @Test
    void shouldLeaveTheClientBeyondTheLimitWaitingUnderNoMaxconnsFastAsMemcachedDoes() throws Exception
    {
        // memcached's descriptor limit is -c: with -t 4 clients get 27 on, so -c 30 serves three; the fourth accept()
        // fails with EMFILE, accepting pauses, and that client is served once another closes (seen on 1.6.39)
        try (InProcess server = new InProcess("-c", "30", "-o", "no_maxconns_fast", "-v"))
        {
            final List<Client> clients = new ArrayList<>();
            try
            {
                for (int i = 0; i < 3; i++)
                {
                    clients.add(server.client());
                    assertEquals("VERSION 1.6.39\r\n", clients.get(i).request("version\r\n", "\r\n"));
                }
                final Client first = clients.get(0);
                assertEquals("1", first.stat("accepting_conns"));
                assertEquals("0", first.stat("listen_disabled_num"));
                assertEquals("4", first.stat("total_connections"));
                assertFalse(server.stderr().contains("Too many open connections"), server.stderr());

                final Client waiting = server.client();
                clients.add(waiting);
                waiting.send("version\r\n");
                waiting.socket.setSoTimeout(500);
                assertThrows(SocketTimeoutException.class, () -> waiting.readUntil("\r\n"));
                assertEquals("0", first.stat("accepting_conns"));
                assertEquals("1", first.stat("listen_disabled_num"));
                assertTrue(server.stderr().contains("accept4(): Too many open files\nToo many open connections\n"),
                    server.stderr());

                clients.get(1).close();
                waiting.socket.setSoTimeout(5000);
                assertEquals("VERSION 1.6.39\r\n", waiting.readUntil("\r\n"));
                assertEquals("1", first.stat("accepting_conns"));
                assertEquals("1", first.stat("listen_disabled_num"));
                assertEquals("5", first.stat("total_connections"));
            }
            finally
            {
                for (final Client c : clients)
                {
                    c.close();
                }
            }
        }
    }

    @Test
    void shouldResetAConnectionItClosesWithInputUnreadAsMemcachedDoes() throws Exception
    {
        // 20,000 bytes of a line that is no get and has no newline: memcached reads 16 KiB, closes, and its close()
        // with bytes unread resets the connection; a normal end would let the client read EOF instead
        onTheOracle(ServerTest::assertResetAfterALongLine);
        try (InProcess server = new InProcess())
        {
            assertResetAfterALongLine(server.port);
            // a connection closed with nothing unread ends normally
            try (Client c = server.client())
            {
                c.send("quit\r\n");
                c.socket.setSoTimeout(5000);
                assertEquals(-1, c.in.read());
            }
        }
    }

    private static void assertResetAfterALongLine(final int port) throws IOException
    {
        try (Client c = new Client(port))
        {
            c.send("x".repeat(20_000));
            c.socket.setSoTimeout(5000);
            final java.net.SocketException reset =
                assertThrows(java.net.SocketException.class, () -> c.in.read());
            assertTrue(reset.getMessage().contains("reset"), reset::toString);
        }
    }

    @Test
    void shouldReportTheReadBuffersItsConnectionsHold() throws Exception
    {
        try (InProcess server = new InProcess())
        {
            final List<Client> clients = new ArrayList<>();
            try
            {
                for (int i = 0; i < 3; i++)
                {
                    clients.add(server.client());
                    assertEquals("VERSION 1.6.39\r\n", clients.get(i).request("version\r\n", "\r\n"));
                }
                // one of the three asks, and all three figures come from one reply: a connection opened only to ask
                // would count too, and one closed just before might not have been released yet
                final Map<String, String> stats = stats(clients.get(0));
                assertEquals("3", stats.get("read_buf_count"));
                assertEquals(Integer.toString(3 * Connection.INPUT_CAPACITY), stats.get("read_buf_bytes"));
                assertEquals("0", stats.get("read_buf_bytes_free"));
            }
            finally
            {
                for (final Client c : clients)
                {
                    c.close();
                }
            }
            awaitStat(server, "read_buf_count", "1");
        }
    }

    @Test
    void shouldParseWhatFollowsACrawlerDumpOnlyOnceTheSocketIsReadableAgainAsMemcachedDoes() throws Exception
    {
        // memcached's crawler hands the connection back to its worker, which parses what the client sent after the
        // dump only on its next read event: more bytes, or the end of the input
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached())
        {
            theirs = afterDump(memcached.port);
        }
        final List<String> ours;
        try (InProcess server = new InProcess())
        {
            ours = afterDump(server.port);
        }
        assertEquals(theirs, ours);
        assertEquals(List.of("<nothing>", "MN\r\nVERSION\r\n", "VALUE a 0 1\r\n1\r\nEND\r\nMN\r\n<end>"), ours);
    }

    @Test
    void shouldCountNeitherDumpsNorWatcherLinesInBytesWrittenAndShowADumpsConnectionBackInNewCmd() throws Exception
    {
        // memcached's crawler and logger threads write those bytes themselves, outside the worker's count; a
        // connection back from the crawler waits in conn_new_cmd for its next read event
        onTheOracle(ServerTest::assertSideThreadsUncounted);
        try (InProcess server = new InProcess())
        {
            assertSideThreadsUncounted(server.port);
        }
    }

    /**
     * A check of a server on a port.
     */
    private interface PortCheck
    {
        void run(int port) throws Exception;
    }

    /**
     * Run a check against the reference memcached, when there is one: what the test then asserts of this server is
     * what memcached does.
     */
    private static void onTheOracle(final PortCheck check) throws Exception
    {
        if (TestServers.memcachedAvailable())
        {
            try (Forked memcached = TestServers.memcached())
            {
                check.run(memcached.port);
            }
        }
    }

    private static void assertSideThreadsUncounted(final int port) throws Exception
    {
        try (Client c = new Client(port);
            Client observer = new Client(port))
        {
            // stored through the observer: a worker counts a reply just after writing it, so the count of a reply
            // to another connection could still be missing from the observer's next stats
            assertStored(observer, "a", "1");
            final String first = observer.request("stats\r\n", "END\r\n");
            long counted = Long.parseLong(statValue(first, "bytes_written")) + first.length();
            dump(c, "");
            // memcached's crawler hands the connection back to its worker a moment after the END
            String conns = observer.request("stats conns\r\n", "END\r\n");
            counted += conns.length();
            for (int i = 0; i < 50 && conns.contains(":state conn_watch"); i++)
            {
                Thread.sleep(20);
                conns = observer.request("stats conns\r\n", "END\r\n");
                counted += conns.length();
            }
            assertEquals(1, conns.lines().filter(l -> l.contains(":state conn_new_cmd")).count(), conns);
            final String stats = observer.request("stats\r\n", "END\r\n");
            // counted since the first stats: the replies to the observer, not the dump
            assertEquals(counted, Long.parseLong(statValue(stats, "bytes_written")), stats);
            try (Client watcher = new Client(port))
            {
                watcher.request("watch fetchers\r\n", "OK\r\n");
                final String watching = observer.request("stats\r\n", "END\r\n");
                final String hit = c.request("get a\r\n", "END\r\n");
                assertTrue(watcher.readUntil("\n").contains(" key=a "));
                // the stats reply before and the hit: the watcher's line is not counted. A worker counts a reply
                // just after writing it, so the client can read it first: ask again until it shows
                long expected = Long.parseLong(statValue(watching, "bytes_written")) + watching.length() + hit.length();
                String after = observer.request("stats\r\n", "END\r\n");
                for (int i = 0; i < 50 && Long.parseLong(statValue(after, "bytes_written")) < expected; i++)
                {
                    // that reply counts too
                    expected += after.length();
                    Thread.sleep(20);
                    after = observer.request("stats\r\n", "END\r\n");
                }
                assertEquals(expected, Long.parseLong(statValue(after, "bytes_written")), after);
            }
        }
    }

    private static String statValue(final String stats, final String name)
    {
        return stats.lines().filter(l -> l.startsWith("STAT " + name + " ")).findFirst().orElseThrow()
            .substring(("STAT " + name + " ").length());
    }

    /**
     * A dump with a request after it in the same write: what comes before the client writes again, and after; then
     * the same before the client ends its output.
     */
    private static List<String> afterDump(final int port) throws Exception
    {
        final List<String> seen = new ArrayList<>();
        try (Client c = new Client(port))
        {
            assertStored(c, "a", "1");
            dump(c, "mn\r\n");
            c.socket.setSoTimeout(500);
            try
            {
                seen.add("early: " + (char)c.in.read());
            }
            catch (final java.net.SocketTimeoutException ex)
            {
                seen.add("<nothing>");
            }
            c.socket.setSoTimeout(10_000);
            c.send("version\r\n");
            String replies = c.readUntil("\r\n");
            if (!replies.contains("VERSION"))
            {
                replies += c.readUntil("\r\n");
            }
            seen.add(replies.replaceFirst("VERSION \\S+", "VERSION"));
            dump(c, "get a\r\nmn\r\n");
            Thread.sleep(300);
            c.socket.shutdownOutput();
            seen.add(new String(c.in.readAllBytes(), StandardCharsets.ISO_8859_1) + "<end>");
        }
        return seen;
    }

    /**
     * {@code lru_crawler metadump all} followed by {@code more} in one write, until its {@code END}; asked again while
     * the crawler is busy (its first pass after the start).
     */
    private static void dump(final Client c, final String more) throws Exception
    {
        while (true)
        {
            c.send("lru_crawler metadump all\r\n" + more);
            // the dump's lines end in a newline alone: the first CRLF is its END, or the busy reply's
            final String reply = c.readUntil("\r\n");
            if (!reply.startsWith("BUSY"))
            {
                assertTrue(reply.startsWith("key=a ") && reply.endsWith("\nEND\r\n"), reply);
                return;
            }
            // the busy reply came at once, and the replies to the rest with it
            if (!reply.endsWith("MN\r\n"))
            {
                c.readUntil("MN\r\n");
            }
            Thread.sleep(100);
        }
    }

    @Test
    void shouldCloseIdleConnections() throws Exception
    {
        try (InProcess server = new InProcess("-vv", "-o", "idle_timeout=1");
            Client idle = server.client();
            Client busy = server.client())
        {
            assertEquals("VERSION 1.6.39\r\n", idle.request("version\r\n", "\r\n"));
            final long start = System.nanoTime();
            boolean busyClosed = false;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3))
            {
                busyClosed |= !"VERSION 1.6.39\r\n".equals(busy.request("version\r\n", "\r\n"));
                Thread.sleep(200);
            }
            assertTrue(!busyClosed, "a connection that sends commands stays open");
            assertTrue(idle.closedByServer(5000), "the idle connection is closed");
            assertEquals("1", busy.stat("idle_kicks"));
            // as memcached logs it at -vv
            assertTrue(java.util.regex.Pattern.compile("Closing idle fd (\\d+)\n<\\1 connection closed\\.\n")
                .matcher(server.stderr()).find(), server.stderr());
        }
    }

    @Test
    void shouldTimeOutAConnectionInTheMiddleOfACommandLineButNotOneInTheMiddleOfAValueAsMemcachedDoes()
        throws Exception
    {
        try (InProcess server = new InProcess("-o", "idle_timeout=1");
            Client trickling = server.client();
            Client midValue = server.client();
            Client binaryMidValue = server.client())
        {
            // memcached's last_cmd_time moves when a command line or binary header is complete, not on every read;
            // and its idle timeout closes only connections waiting for, or reading, a command
            midValue.send("set k 0 0 10\r\n12345");
            final byte[] header = new byte[24];
            header[0] = (byte)0x80;
            header[1] = 0x01;
            header[3] = 1;
            header[4] = 8;
            header[11] = 19;
            final byte[] partial = new byte[24 + 8 + 1 + 5];
            System.arraycopy(header, 0, partial, 0, 24);
            partial[32] = 'b';
            binaryMidValue.send(partial);
            trickling.send("get aaaa");
            final long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3))
            {
                try
                {
                    trickling.send("a");
                }
                catch (final IOException ex)
                {
                    break;
                }
                Thread.sleep(200);
            }
            assertTrue(trickling.closedByServer(5000), "a connection that never completes its line is timed out");
            assertEquals("STORED\r\n", midValue.request("67890\r\n", "\r\n"));
            binaryMidValue.send("12345");
            final byte[] reply = binaryMidValue.in.readNBytes(24);
            assertEquals(24, reply.length);
            // a SET reply with status 0
            assertEquals((byte)0x81, reply[0]);
            assertEquals(0, reply[6] | reply[7]);
            assertEquals("1", midValue.stat("idle_kicks"));
        }
    }

    @Test
    void shouldStopReadingFromAClientThatDoesNotReadItsReplies() throws Exception
    {
        try (InProcess server = new InProcess();
            Client setter = server.client();
            SocketChannel slow = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port)))
        {
            final String value = "v".repeat(500_000);
            assertStored(setter, "big", value);
            slow.configureBlocking(false);
            final ByteBuffer gets = ByteBuffer.wrap("get big\r\n".repeat(1000).getBytes(StandardCharsets.US_ASCII));
            long sent = 0;
            long lastProgress = System.nanoTime();
            while (System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(2))
            {
                if (!gets.hasRemaining())
                {
                    gets.rewind();
                }
                final int n = slow.write(gets);
                if (n > 0)
                {
                    sent += n;
                    lastProgress = System.nanoTime();
                }
                else
                {
                    Thread.sleep(10);
                }
                assertTrue(sent < (256L << 20), "the server keeps reading from a client that does not read");
            }
            // every get asks for 500 KB: what was accepted would make gigabytes of replies had the server kept reading
            final long readByServer = Long.parseLong(setter.stat("bytes_read"));
            assertTrue(readByServer < (64L << 20), "server read " + readByServer + " bytes");
            assertTrue(sent / 9 * value.length() > (1L << 30), "the client sent enough to matter: " + sent);
            // everyone else is still served
            assertEquals("VERSION 1.6.39\r\n", setter.request("version\r\n", "\r\n"));
            assertTrue(Runtime.getRuntime().totalMemory() < (1L << 30));
        }
    }

    @Test
    void shouldStoreInANewSlabClassWhileAClientThatDoesNotReadHoldsALargeValue() throws Exception
    {
        // memory full of 400 KB values; a client asks for the first one stored and never reads, so the value it is sent
        // stays held; a store in a class that has no page yet takes a page from the large values' class, and must not
        // keep choosing the held value's page (memcached gives such a class a page beyond the limit instead)
        try (InProcess server = new InProcess("-m", "8");
            Client c = server.client();
            SocketChannel stuck = SocketChannel.open())
        {
            final String value = "v".repeat(400_000);
            assertStored(c, "a", value);
            assertStored(c, "b", value);
            stuck.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4096);
            stuck.connect(new InetSocketAddress("127.0.0.1", server.port));
            stuck.write(ByteBuffer.wrap("get a\r\n".repeat(20).getBytes(StandardCharsets.US_ASCII)));
            Thread.sleep(200);
            for (int i = 0; i < 40; i++)
            {
                assertStored(c, "k" + i, value);
            }
            assertEquals("STORED\r\n", c.request("set small 0 0 1\r\nx\r\n", "\r\n"));
            assertEquals("VALUE small 0 1\r\nx\r\nEND\r\n", c.request("get small\r\n", "END\r\n"));
        }
    }

    @Test
    void shouldForgetAHalfSentValueWhenTheClientCloses() throws Exception
    {
        try (InProcess server = new InProcess();
            Client other = server.client())
        {
            try (Client c = server.client())
            {
                c.send("set half 0 0 100\r\nabc");
            }
            Thread.sleep(200);
            assertEquals("END\r\n", other.request("get half\r\n", "END\r\n"));
            assertStored(other, "half", "whole");
            assertEquals("VALUE half 0 5\r\nwhole\r\nEND\r\n", other.request("get half\r\n", "END\r\n"));
        }
    }

    @Test
    void shouldCloseAConnectionSendingMegabytesWithoutANewline() throws Exception
    {
        try (InProcess server = new InProcess();
            Client other = server.client();
            Client flood = server.client())
        {
            final byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte)'x');
            boolean closed = false;
            try
            {
                for (int i = 0; i < 64; i++)
                {
                    flood.send(chunk);
                }
            }
            catch (final IOException ex)
            {
                closed = true;
            }
            assertTrue(closed || flood.closedByServer(5000));
            assertEquals("VERSION 1.6.39\r\n", other.request("version\r\n", "\r\n"));
        }
    }

    @Test
    void shouldKeepTheStatsDetailTableWithinItsBoundWhateverPrefixesAClientSends() throws Exception
    {
        // any client may turn stats detail on; memcached's table then grows with every new prefix (here it would fill
        // the Java heap: some 440,000 prefixes of 200 bytes ended a server with its default heap of 128 MiB)
        try (InProcess server = new InProcess();
            Client c = server.client())
        {
            assertEquals("OK\r\n", c.request("stats detail on\r\n", "\r\n"));
            final String pad = "p".repeat(195);
            final StringBuilder deletes = new StringBuilder();
            for (int i = 0; i < 40_000; i++)
            {
                deletes.append("delete ").append(String.format("%05d", i)).append(pad).append(":k noreply\r\n");
            }
            assertEquals("MN\r\n", c.request(deletes.append("mn\r\n").toString(), "MN\r\n"));
            final String dump = c.request("stats detail dump\r\n", "END\r\n");
            assertTrue(dump.length() < (4 << 20), () -> dump.length() + " bytes of dump");
            assertTrue(dump.startsWith("PREFIX ") && dump.contains(" del 1\r\n"), () -> dump.substring(0, 300));
            assertEquals("VERSION 1.6.39\r\n", c.request("version\r\n", "\r\n"));
        }
    }

    @Test
    void shouldSurviveClientsThatDisconnectMidRequest() throws Exception
    {
        final String[] partial = {"get", "set k 0 0 10\r\n12345", "gets a b c", "incr", "set k 0 0 5\r\nhel",
            "\u0080\u0001\u0000", "mg key v", "stats", "delete k", "set k 0 0 1000000\r\nxx"};
        try (InProcess server = new InProcess();
            Client other = server.client())
        {
            final Random random = new Random(7);
            for (int i = 0; i < 200; i++)
            {
                final Client c = server.client();
                c.send(partial[random.nextInt(partial.length)]);
                if (random.nextBoolean())
                {
                    c.socket.setSoLinger(true, 0);
                }
                c.close();
            }
            // "other" and the connection that asks
            awaitStat(server, "curr_connections", "2");
            assertStored(other, "k", "after");
            assertEquals("VALUE k 0 5\r\nafter\r\nEND\r\n", other.request("get k\r\n", "END\r\n"));
        }
    }

    @Test
    void shouldLeaveItsSocketFileReplaceOnlyAStaleSocketAndNeverAnotherKindOfFile() throws Exception
    {
        final Path dir = Files.createTempDirectory("memcached4j");
        final Path socket = dir.resolve("m.sock");
        try
        {
            try (InProcess server = new InProcess(false, "-s", socket.toString()))
            {
                assertTrue(server.server.localAddresses().size() == 1);
            }
            // as memcached: the file stays when the server stops (it may be the next server's by then)
            final int mode = (Integer)Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            assertEquals(0140000, mode & 0170000);
            // and the next server removes it as stale
            try (InProcess server = new InProcess(false, "-s", socket.toString());
                SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket)))
            {
                assertTrue(ch.isConnected());
                assertEquals(1, server.server.localAddresses().size());
            }
            Files.delete(socket);
            // a FIFO, or a link, at the path is not a stale socket: memcached's bind fails, and so does this one
            final Process mkfifo = new ProcessBuilder("mkfifo", socket.toString()).start();
            assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, mkfifo.exitValue());
            final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            final int status = Main.run(new String[] {"-s", socket.toString()}, System.out,
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(71, status);
            assertTrue(err.toString(StandardCharsets.UTF_8).endsWith("bind(): Address already in use\n" +
                "failed to listen on UNIX socket: " + socket + ": Invalid argument\n"), err.toString());
            assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.isRegularFile(socket));
            // an empty path: memcached binds an abstract socket, which the JDK cannot
            final java.io.ByteArrayOutputStream empty = new java.io.ByteArrayOutputStream();
            assertEquals(71, Main.run(new String[] {"-s", ""}, System.out,
                new java.io.PrintStream(empty, true, StandardCharsets.UTF_8)));
            assertTrue(empty.toString(StandardCharsets.UTF_8).endsWith("failed to listen on UNIX socket: : an empty " +
                "path names an abstract socket, which memcached4j cannot bind\n"), empty.toString());
        }
        finally
        {
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }

    @Test
    void shouldCutASocketPathLongerThanSunPathAt107BytesAsMemcachedDoes() throws Exception
    {
        final Path base = Files.createTempDirectory("memcached4j");
        // a short directory: the socket is staged privately; a directory of 100 bytes: bound in place
        final Path shortDir = base;
        final Path longDir = Files.createDirectory(base.resolve("d".repeat(100 - base.toString().length() - 1)));
        assertEquals(100, longDir.toString().length());
        try
        {
            for (final Path dir : new Path[] {shortDir, longDir})
            {
                final String given = dir + "/" + "s".repeat(130 - dir.toString().length() - 1);
                final Path cut = Path.of(given.substring(0, 107));
                // the JDK connects to paths of up to 106 bytes: through a link to the directory
                final Path link = Files.createSymbolicLink(Files.createTempDirectory("m4j").resolve("d"), dir);
                try (InProcess server = new InProcess(false, "-s", given, "-a", "600");
                    SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(
                        link.resolve(cut.getFileName()))))
                {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cut)));
                    ch.write(ByteBuffer.wrap("version\r\n".getBytes(StandardCharsets.US_ASCII)));
                    final ByteBuffer buf = ByteBuffer.allocate(64);
                    while (buf.position() < "VERSION 1.6.39\r\n".length() && ch.read(buf) >= 0)
                    {
                        // until the whole line is in
                    }
                    assertEquals("VERSION 1.6.39\r\n", new String(buf.array(), 0, buf.position(),
                        StandardCharsets.US_ASCII));
                    assertEquals(List.of(cut.toString()), server.server.localAddresses().stream()
                        .map(Object::toString).toList());
                }
                finally
                {
                    Files.delete(link);
                    Files.delete(link.getParent());
                }
                assertFalse(Files.exists(Path.of(given)));
                Files.delete(cut);
                try (java.util.stream.Stream<Path> left = Files.list(dir))
                {
                    assertEquals(dir == longDir ? 0 : 1, left.count(), "no staging directory is left behind");
                }
            }
            // a multi-byte character the cut would split is left out
            assertEquals(Path.of("/" + "a".repeat(105)), MemcachedServer.socketPath(Path.of("/" + "a".repeat(105) +
                "\u00e9z")));
            assertEquals(Path.of("/" + "a".repeat(104) + "\u00e9"), MemcachedServer.socketPath(Path.of("/" +
                "a".repeat(104) + "\u00e9z")));
        }
        finally
        {
            for (final Path dir : new Path[] {shortDir, longDir})
            {
                Files.deleteIfExists(Path.of((dir + "/" + "s".repeat(130)).substring(0, 107)));
            }
            Files.delete(longDir);
            Files.delete(base);
        }
    }

    @Test
    void shouldServeAUnixDomainSocket() throws Exception
    {
        final Path dir = Files.createTempDirectory("memcached4j");
        final Path socket = dir.resolve("memcached.sock");
        try (InProcess server = new InProcess(false, "-s", socket.toString(), "-a", "600");
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("set u 0 0 2\r\nok\r\nget u\r\nstats settings\r\n"
                .getBytes(StandardCharsets.US_ASCII)));
            final StringBuilder got = new StringBuilder();
            final ByteBuffer buf = ByteBuffer.allocate(65536);
            while (!got.toString().endsWith("END\r\nEND\r\n") && !(got.indexOf("STAT client_flags_size") > 0 &&
                got.toString().endsWith("END\r\n")))
            {
                buf.clear();
                if (ch.read(buf) < 0)
                {
                    break;
                }
                got.append(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1));
            }
            assertTrue(server.server.localAddresses().size() == 1);
            assertTrue(got.toString().startsWith("STORED\r\nVALUE u 0 2\r\nok\r\nEND\r\n"), got.toString());
            assertTrue(got.toString().contains("STAT domain_socket " + socket + "\r\n"), got.toString());
            assertTrue(got.toString().contains("STAT tcpport 11211\r\n") || got.toString().contains("STAT tcpport"));
            // memcached shows no address for a unix socket's client
            ch.write(ByteBuffer.wrap("stats conns\r\n".getBytes(StandardCharsets.US_ASCII)));
            final StringBuilder conns = new StringBuilder();
            final ByteBuffer more = ByteBuffer.allocate(65536);
            while (!conns.toString().endsWith("END\r\n") && ch.read(more.clear()) >= 0)
            {
                conns.append(new String(more.array(), 0, more.position(), StandardCharsets.ISO_8859_1));
            }
            assertTrue(conns.toString().matches("(?s).*STAT \\d+:addr \\?:<AF 0>\r\nSTAT \\d+:listen_addr unix:" +
                java.util.regex.Pattern.quote(socket.toString()) + "\r\n.*"), conns.toString());
            // the listener itself shows as much of its path as memcached's address structure holds: 26 bytes
            assertTrue(socket.toString().length() > 26, socket::toString);
            assertTrue(conns.toString().matches("(?s)STAT \\d+:addr unix:" +
                java.util.regex.Pattern.quote(socket.toString().substring(0, 26)) + "\r\nSTAT \\d+:state " +
                "conn_listening\r\n.*"), conns.toString());
        }
        finally
        {
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }

    @Test
    void shouldReportTheCommandLineInStatsSettings() throws Exception
    {
        try (InProcess server = new InProcess("-c", "2048", "-t", "2", "-R", "5", "-o", "idle_timeout=9",
            "-B", "ascii", "-m", "128", "-I", "2m", "-f", "1.5", "-n", "64", "-C", "-M", "-F", "-X", "-A",
            "-D", "/", "-b", "512");
            Client c = server.client())
        {
            final String settings = c.request("stats settings\r\n", "END\r\n");
            for (final String expected : new String[] {"maxbytes 134217728", "maxconns 2048", "inter 127.0.0.1",
                "evictions off", "shutdown_command yes", "growth_factor 1.50", "chunk_size 64", "num_threads 2",
                "stat_key_prefix /", "detail_enabled yes", "reqs_per_event 5", "cas_enabled no", "tcp_backlog 512",
                "binding_protocol ascii", "item_size_max 2097152", "slab_chunk_max 524288", "flush_enabled no",
                "dump_enabled no", "idle_timeout 9", "udpport 0"})
            {
                assertTrue(settings.contains("STAT " + expected + "\r\n"), expected + " in\n" + settings);
            }
        }
    }

    @Test
    void shouldStopOnShutdownOnlyWithA() throws Exception
    {
        try (InProcess server = new InProcess();
            Client c = server.client())
        {
            assertEquals("ERROR: shutdown not enabled\r\n", c.request("shutdown\r\n", "\r\n"));
        }
        try (InProcess server = new InProcess("-A");
            Client c = server.client())
        {
            c.send("shutdown\r\n");
            assertTrue(server.server.awaitStop(10, TimeUnit.SECONDS));
            assertTrue(c.closedByServer(2000));
        }
    }

    @Test
    void shouldServeWhatWasPipelinedBeforeTheClientEndedItsInputAsMemcachedDoes() throws Exception
    {
        // -R 1: most requests wait behind a yield when the end of the input arrives; memcached serves them first
        try (InProcess server = new InProcess("-R", "1", "-t", "1");
            java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.port))
        {
            socket.setSoTimeout(10_000);
            final StringBuilder req = new StringBuilder();
            final StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 200; i++)
            {
                req.append("set k").append(i).append(" 0 0 1\r\nv\r\nget k").append(i).append("\r\n");
                expected.append("STORED\r\nVALUE k").append(i).append(" 0 1\r\nv\r\nEND\r\n");
            }
            socket.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            final String replies = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals(expected.toString(), replies);
        }
    }

    @Test
    void shouldAnswerDeepPipelinesInOrderWithFewRequestsPerEvent() throws Exception
    {
        try (InProcess server = new InProcess("-R", "2", "-t", "1");
            Client c = server.client())
        {
            final StringBuilder req = new StringBuilder();
            final StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 500; i++)
            {
                req.append("set k").append(i).append(" 0 0 ").append(Integer.toString(i).length()).append("\r\n")
                    .append(i).append("\r\nget k").append(i).append("\r\n");
                expected.append("STORED\r\nVALUE k").append(i).append(" 0 ").append(Integer.toString(i).length())
                    .append("\r\n").append(i).append("\r\nEND\r\n");
            }
            c.send(req.toString());
            assertEquals(expected.toString(), c.readUntil("VALUE k499 0 3\r\n499\r\nEND\r\n"));
            assertTrue(Long.parseLong(c.stat("conn_yields")) > 0);
        }
    }

    private static void awaitStat(final InProcess server, final String name, final String value) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = null;
        while (System.nanoTime() < deadline)
        {
            last = server.stat(name);
            if (value.equals(last))
            {
                return;
            }
            Thread.sleep(50);
        }
        assertEquals(value, last, name);
    }
}
