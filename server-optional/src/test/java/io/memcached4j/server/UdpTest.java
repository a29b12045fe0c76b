/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * UDP ({@code -U}): the same datagrams sent to the real memcached and to memcached4j get the same datagrams back,
 * frame headers included, byte for byte (the version string and binary CAS values masked); {@code stats settings}
 * and {@code stats conns} report the UDP socket as memcached does; no UDP without {@code -U}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpTest
{
    /** How long no further reply datagram must come before a reply counts as complete. */
    private static final int QUIET_MS = 150;
    private static final String BIG = "x".repeat(5000);

    @Test
    void shouldAnswerDatagramsAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final int theirUdp = freeUdpPort();
        final int ourUdp = freeUdpPort();
        try (Forked memcached = TestServers.memcached("-U", Integer.toString(theirUdp));
            InProcess ours = new InProcess("-U", Integer.toString(ourUdp));
            UdpClient client = new UdpClient())
        {
            final List<byte[][]> scenarios = scenarios();
            for (int i = 0; i < scenarios.size(); i++)
            {
                final byte[][] datagrams = scenarios.get(i);
                final List<byte[]> theirs = client.exchange(theirUdp, datagrams);
                final List<byte[]> mine = client.exchange(ourUdp, datagrams);
                assertEquals(render(theirs), render(mine), "scenario " + i + ": " + describe(datagrams));
            }
            try (Client theirTcp = new Client(memcached.port);
                Client myTcp = ours.client())
            {
                for (final String name : new String[] {"cmd_get", "get_hits", "get_misses", "cmd_set", "curr_items"})
                {
                    assertEquals(theirTcp.stat(name), myTcp.stat(name), name);
                }
            }
        }
    }

    @Test
    void shouldDropFramesMemcachedDrops() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final int theirUdp = freeUdpPort();
        final int ourUdp = freeUdpPort();
        try (Forked memcached = TestServers.memcached("-U", Integer.toString(theirUdp));
            InProcess ours = new InProcess("-U", Integer.toString(ourUdp));
            UdpClient client = new UdpClient())
        {
            final byte[][] bad = {
                frame(11, 0, 2, 0, "version\r\n"),
                frame(12, 1, 2, 0, "version\r\n"),
                frame(13, 0, 0, 0, "version\r\n"),
                new byte[] {0, 14, 0, 0, 0, 1, 0, 0},
                new byte[] {0, 15, 0},
                new byte[0]};
            for (final byte[] d : bad)
            {
                // each bad datagram, then one memcached answers: only the answer comes back
                final byte[][] pair = {d, frame(99, 0, 1, 0, "mn\r\n")};
                final List<byte[]> theirs = client.exchange(theirUdp, pair);
                final List<byte[]> mine = client.exchange(ourUdp, pair);
                assertEquals(List.of("[99 0/1] MN\\r\\n"), render(theirs), describe(pair));
                assertEquals(render(theirs), render(mine), describe(pair));
            }
            assertTrue(memcached.process.isAlive());
            // bytes_read counts whole datagrams longer than a frame header (and here the 7 bytes of "stats\r\n")
            assertEquals(Long.toString(3L * (8 + 9) + 6 * (8 + 4) + 7), ours.stat("bytes_read"));
        }
    }

    @Test
    void shouldReportUdpInStatsAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final int theirUdp = freeUdpPort();
        final int ourUdp = freeUdpPort();
        try (Forked memcached = TestServers.memcached("-U", Integer.toString(theirUdp), "-t", "3");
            InProcess ours = new InProcess("-U", Integer.toString(ourUdp), "-t", "3");
            UdpClient client = new UdpClient())
        {
            final byte[][] settings = {frame(5, 0, 1, 0, "stats settings\r\n")};
            final String theirSettings = payload(client.exchange(theirUdp, settings));
            final String mySettings = payload(client.exchange(ourUdp, settings));
            assertTrue(theirSettings.contains("STAT udpport " + theirUdp + "\r\n"), theirSettings);
            assertTrue(mySettings.contains("STAT udpport " + ourUdp + "\r\n"), mySettings);
            assertEquals(field(theirSettings, "num_threads_per_udp"), field(mySettings, "num_threads_per_udp"));
            assertEquals("3", field(mySettings, "num_threads_per_udp"));

            // a reply of several datagrams; the listener and the three UDP connections are counted (memcached also
            // counted the test's port probe in its connection_structures)
            final byte[][] stats = {frame(4, 0, 1, 0, "stats\r\n")};
            final String theirStats = payload(client.exchange(theirUdp, stats));
            final String myStats = payload(client.exchange(ourUdp, stats));
            assertTrue(myStats.length() > UdpEndpoint.DATA_SIZE, myStats);
            assertEquals(field(theirStats, "curr_connections"), field(myStats, "curr_connections"));
            assertEquals("3", field(myStats, "curr_connections"));
            assertEquals("4", field(myStats, "connection_structures"));

            // over UDP: the connection serving the request shows its client; the others their socket's address
            final byte[][] conns = {frame(6, 0, 1, 0, "stats conns\r\n")};
            final String theirConns = payload(client.exchange(theirUdp, conns));
            final String myConns = payload(client.exchange(ourUdp, conns));
            assertEquals(udpConns(theirConns, theirUdp, client.port()), udpConns(myConns, ourUdp, client.port()));
            assertEquals(3, udpConns(myConns, ourUdp, client.port()).size());

            // over TCP: every UDP connection is idle
            try (Client theirTcp = new Client(memcached.port);
                Client myTcp = ours.client())
            {
                final String theirs = theirTcp.request("stats conns\r\n", "END\r\n");
                final String mine = myTcp.request("stats conns\r\n", "END\r\n");
                assertEquals(udpConns(theirs, theirUdp, client.port()), udpConns(mine, ourUdp, client.port()));
                // memcached counts each UDP connection in curr_connections and total_connections
                assertEquals(theirTcp.stat("curr_connections"), myTcp.stat("curr_connections"));
                // the listener, three UDP connections and this client (memcached also counts the test's port probe)
                assertEquals("5", myTcp.stat("total_connections"));
            }
        }
    }

    @Test
    void shouldPrintTheUdpListenersAtVvAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> theirs;
        try (Forked memcached = TestServers.memcached("-vv", "-t", "2", "-U", Integer.toString(freeUdpPort())))
        {
            theirs = awaitUdpLines(() -> Files.readString(memcached.stderr, StandardCharsets.UTF_8), 3);
        }
        final List<String> mine;
        try (InProcess ours = new InProcess("-vv", "-t", "2", "-U", Integer.toString(freeUdpPort())))
        {
            mine = awaitUdpLines(ours::stderr, 3);
        }
        assertEquals(theirs, mine);
    }

    @Test
    void shouldListenOnUdpOnlyWhenAsked() throws Exception
    {
        // -U 0, and command lines written for the 1.4 image (which had UDP on by default), have no UDP
        for (final String[] args : new String[][] {{"-U", "0"}, {"-m", "64", "-c", "1024"}, {}})
        {
            try (InProcess server = new InProcess(args))
            {
                assertTrue(server.server.udpAddresses().isEmpty(), Arrays.toString(args));
                assertEquals("0", settingsField(server, "udpport"), Arrays.toString(args));
                // the connection that asked for the settings may not have been seen closing yet
                String connections = server.stat("curr_connections");
                for (int i = 0; i < 100 && !"1".equals(connections); i++)
                {
                    Thread.sleep(20);
                    connections = server.stat("curr_connections");
                }
                assertEquals("1", connections, Arrays.toString(args));
            }
        }
        // -U alone: TCP takes the UDP port (memcached 1.6)
        final int port = freeUdpPort();
        try (InProcess server = new InProcess(false, "-U", Integer.toString(port), "-l", "127.0.0.1");
            UdpClient client = new UdpClient();
            Client tcp = new Client(port))
        {
            assertEquals(List.of(new InetSocketAddress("127.0.0.1", port)), server.server.udpAddresses());
            assertEquals("VERSION 1.6.39\r\n", tcp.request("version\r\n", "\r\n"));
            assertEquals(List.of("[1 0/1] VERSION 1.6.xx\\r\\n"),
                render(client.exchange(port, new byte[][] {frame(1, 0, 1, 0, "version\r\n")})));
            assertEquals(Integer.toString(port), settingsField(tcp, "udpport"));
        }
        // -l with several interfaces: one socket each, one worker serving each
        final int tcpPort = TestServers.freePort();
        try (InProcess server = new InProcess(false, "-p", Integer.toString(tcpPort), "-U", Integer.toString(port),
            "-l", "127.0.0.1,127.0.0.2", "-t", "3");
            UdpClient client = new UdpClient();
            Client tcp = new Client(tcpPort))
        {
            assertEquals(2, server.server.udpAddresses().size());
            assertEquals("1", settingsField(tcp, "num_threads_per_udp"));
            for (final String host : new String[] {"127.0.0.1", "127.0.0.2"})
            {
                assertEquals(List.of("[2 0/1] MN\\r\\n"), render(client.exchange(new InetSocketAddress(host, port),
                    new byte[][] {frame(2, 0, 1, 0, "mn\r\n")})));
            }
        }
    }

    @Test
    void shouldFailToStartAsMemcachedDoesWhenTheUdpPortIsTaken() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final int port = freeUdpPort();
        try (DatagramChannel taken = DatagramChannel.open())
        {
            taken.bind(new InetSocketAddress("127.0.0.1", port));
            final Process memcached = new ProcessBuilder(memcachedCommand("-U", Integer.toString(port), "-p",
                Integer.toString(TestServers.freePort()), "-l", "127.0.0.1")).redirectErrorStream(true).start();
            final String theirs = new String(memcached.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(memcached.waitFor(20, TimeUnit.SECONDS));
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final Main.Started started = Main.start(CommandLine.parse("-U", Integer.toString(port), "-p",
                Integer.toString(TestServers.freePort()), "-l", "127.0.0.1"),
                new PrintStream(err, true, StandardCharsets.UTF_8));
            if (started.server() != null)
            {
                started.server().close();
                started.cache().close();
                fail("started on a taken UDP port");
            }
            assertEquals(memcached.exitValue(), started.status());
            final String mine = err.toString(StandardCharsets.UTF_8);
            assertTrue(theirs.contains("failed to listen on one of interface(s) 127.0.0.1: Address already in use"),
                theirs);
            assertTrue(mine.endsWith("failed to listen on one of interface(s) 127.0.0.1: Address already in use\n"),
                mine);
        }
    }

    @Test
    void shouldNotAllocatePerDatagramOnTheWorkerThread() throws Exception
    {
        final int port = freeUdpPort();
        try (InProcess server = new InProcess("-U", Integer.toString(port), "-t", "1");
            UdpClient client = new UdpClient())
        {
            assertEquals(1, server.server.udpAddresses().size());
            final Thread worker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("memcached4j-worker-0") && t.isAlive()).findFirst().orElseThrow();
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
            final long start = threads.getThreadAllocatedBytes(worker.getId());
            client.exchange(port, new byte[][] {frame(1, 0, 1, 0, "set k 0 0 5\r\nhello\r\n")});
            final byte[] get = frame(2, 0, 1, 0, "get k nokey\r\n");
            client.pingPong(port, get, 2, 5000);
            final long before = threads.getThreadAllocatedBytes(worker.getId());
            // the probe sees the worker: its first datagram allocated (the session's text protocol)
            assertTrue(start >= 0 && before > start, "allocation probe: " + start + " -> " + before);
            client.pingPong(port, get, 2, 5000);
            final long allocated = threads.getThreadAllocatedBytes(worker.getId()) - before;
            assertTrue(allocated < 5000 * 16, "the worker allocated " + allocated + " bytes for 5000 datagrams");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the datagrams compared
    // ---------------------------------------------------------------------------------------------------------------

    private static List<byte[][]> scenarios()
    {
        final List<byte[][]> s = new ArrayList<>();
        s.add(one(1, "get nokey\r\n"));
        s.add(one(2, "set k 0 0 5\r\nhello\r\n"));
        s.add(one(3, "get k\r\n"));
        // each key of a multi-get is a message; a first key that misses is a frame header alone
        s.add(one(4, "get m1 k m2 k m3\r\n"));
        s.add(one(5, "get k m1 m2\r\n"));
        s.add(one(6, "get m1 m2 m3\r\n"));
        // a request longer than one reply datagram, a value longer than one
        s.add(one(7, "set big 0 0 " + BIG.length() + "\r\n" + BIG + "\r\n"));
        s.add(one(8, "get big\r\n"));
        for (int i = 1; i <= 3; i++)
        {
            s.add(one(8 + i, "set v" + i + " " + i + " 0 2000\r\n" + String.valueOf((char)('a' + i)).repeat(2000) +
                "\r\n"));
        }
        s.add(one(12, "get v1 v2 nokey v3 big\r\n"));
        s.add(one(13, "get big k\r\n"));
        // request id, sequence number and reserved field: only the id is echoed
        s.add(new byte[][] {frame(0xBEEF, 7, 1, 0x1234, "get k\r\n")});
        s.add(one(14, "set n 0 0 1 noreply\r\nx\r\nget n\r\n"));
        s.add(one(15, "set n 0 0 1 noreply\r\nx\r\nset n 0 0 1 noreply\r\nx\r\nmn\r\n"));
        s.add(one(16, "get k\r\nget nokey\r\n"));
        s.add(one(17, "get k\r\nget k"));
        s.add(one(18, "mg nokey v\r\nmn\r\n"));
        s.add(one(19, "mg nokey v q\r\nmn\r\n"));
        s.add(one(20, "mg k v f t\r\n"));
        s.add(one(21, "version\r\n"));
        s.add(one(22, "bogus\r\nincr k 1\r\ndelete nokey\r\n"));
        s.add(one(23, "get " + "k".repeat(251) + "\r\n"));
        // the binary protocol, chosen by the datagram's first byte
        s.add(new byte[][] {frame(24, 0, 1, 0, binary(0x0a, ""))});
        s.add(new byte[][] {frame(25, 0, 1, 0, binary(0x00, "k"))});
        s.add(new byte[][] {frame(26, 0, 1, 0, binary(0x00, "nokey"))});
        s.add(new byte[][] {frame(27, 0, 1, 0, concat(binary(0x09, "nokey"), binary(0x0a, "")))});
        s.add(new byte[][] {frame(28, 0, 1, 0, concat(binary(0x09, "k"), binary(0x09, "nokey"),
            binary(0x0a, "")))});
        s.add(new byte[][] {frame(29, 0, 1, 0, binary(0x0c, "big"))});
        s.add(new byte[][] {frame(30, 0, 1, 0, binary(0x0b, ""))});
        // quit ends the datagram: its empty response is a frame header alone
        s.add(one(31, "quit\r\nget k\r\n"));
        return s;
    }

    private static byte[][] one(final int requestId, final String payload)
    {
        return new byte[][] {frame(requestId, 0, 1, 0, payload)};
    }

    static byte[] frame(final int requestId, final int sequence, final int total, final int reserved,
        final String payload)
    {
        return frame(requestId, sequence, total, reserved, payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    static byte[] frame(final int requestId, final int sequence, final int total, final int reserved,
        final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short)requestId).putShort((short)sequence).putShort((short)total).putShort((short)reserved);
        b.put(payload);
        return b.array();
    }

    private static byte[] binary(final int opcode, final String key)
    {
        final byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer b = ByteBuffer.allocate(24 + k.length);
        b.put((byte)0x80).put((byte)opcode).putShort((short)k.length).put((byte)0).put((byte)0).putShort((short)0)
            .putInt(k.length).putInt(0x01020304).putLong(0).put(k);
        return b.array();
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (final byte[] p : parts)
        {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    /**
     * Each datagram as {@code [id seq/total] payload}, with the protocol version and binary CAS values masked.
     */
    private static List<String> render(final List<byte[]> datagrams)
    {
        final List<String> result = new ArrayList<>();
        for (final byte[] d : datagrams)
        {
            if (d.length < 8)
            {
                result.add("short datagram " + Arrays.toString(d));
                continue;
            }
            final ByteBuffer b = ByteBuffer.wrap(d);
            final String header = "[" + (b.getShort(0) & 0xFFFF) + " " + (b.getShort(2) & 0xFFFF) + "/" +
                (b.getShort(4) & 0xFFFF) + (b.getShort(6) == 0 ? "" : " reserved " + b.getShort(6)) + "] ";
            final byte[] payload = Arrays.copyOfRange(d, 8, d.length);
            if (payload.length >= 24 && (payload[0] & 0xFF) == 0x81)
            {
                Arrays.fill(payload, 16, 24, (byte)'c');
            }
            String text = escape(payload);
            text = text.replace("1.6.18", "1.6.xx").replace("1.6.39", "1.6.xx");
            result.add(header + text);
        }
        return result;
    }

    private static String escape(final byte[] bytes)
    {
        final StringBuilder sb = new StringBuilder();
        for (final byte b : bytes)
        {
            final int c = b & 0xFF;
            if (c == '\r')
            {
                sb.append("\\r");
            }
            else if (c == '\n')
            {
                sb.append("\\n");
            }
            else if (c >= 0x20 && c < 0x7F && c != '\\')
            {
                sb.append((char)c);
            }
            else
            {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    private static String describe(final byte[][] datagrams)
    {
        final StringBuilder sb = new StringBuilder();
        for (final byte[] d : datagrams)
        {
            final String text = escape(d);
            sb.append(text, 0, Math.min(text.length(), 120)).append(" | ");
        }
        return sb.toString();
    }

    /**
     * The payloads of one reply's datagrams, in order, after checking that they make one message.
     */
    private static String payload(final List<byte[]> datagrams)
    {
        assertFalse(datagrams.isEmpty(), "no reply");
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < datagrams.size(); i++)
        {
            final ByteBuffer b = ByteBuffer.wrap(datagrams.get(i));
            assertEquals(i, b.getShort(2) & 0xFFFF, "sequence");
            assertEquals(datagrams.size(), b.getShort(4) & 0xFFFF, "total");
            all.write(datagrams.get(i), 8, datagrams.get(i).length - 8);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private static String field(final String stats, final String name)
    {
        final Matcher m = Pattern.compile("STAT " + name + " (\\S*)\r\n").matcher(stats);
        assertTrue(m.find(), name + " in " + stats);
        return m.group(1);
    }

    private static String settingsField(final InProcess server, final String name) throws IOException
    {
        try (Client c = server.client())
        {
            return settingsField(c, name);
        }
    }

    private static String settingsField(final Client c, final String name) throws IOException
    {
        return field(c.request("stats settings\r\n", "END\r\n"), name);
    }

    /**
     * The UDP connections of {@code stats conns}, each as its lines with the connection number, ports and times
     * masked, sorted (which worker served the request is not fixed).
     */
    private static List<String> udpConns(final String stats, final int udpPort, final int clientPort)
    {
        final Map<String, StringBuilder> byConnection = new TreeMap<>();
        final Map<String, Boolean> udp = new HashMap<>();
        final Matcher m = Pattern.compile("STAT (\\d+):(\\S+) (.*)\r\n").matcher(stats);
        while (m.find())
        {
            final String id = m.group(1);
            if (m.group(2).equals("UDP"))
            {
                udp.put(id, true);
            }
            String value = m.group(3);
            if (m.group(2).equals("secs_since_last_cmd"))
            {
                value = "<n>";
            }
            else if (value.endsWith(":" + udpPort))
            {
                value = value.substring(0, value.lastIndexOf(':')) + ":<udp>";
            }
            else if (value.endsWith(":" + clientPort))
            {
                value = value.substring(0, value.lastIndexOf(':')) + ":<client>";
            }
            byConnection.computeIfAbsent(id, k -> new StringBuilder()).append(m.group(2)).append(' ').append(value)
                .append("; ");
        }
        final List<String> result = new ArrayList<>();
        for (final Map.Entry<String, StringBuilder> e : byConnection.entrySet())
        {
            if (udp.containsKey(e.getKey()))
            {
                result.add(e.getValue().toString());
            }
        }
        result.sort(null);
        return result;
    }

    private static List<String> awaitUdpLines(final IoSupplier<String> stderr, final int count) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true)
        {
            final List<String> lines = new ArrayList<>();
            for (final String line : stderr.get().split("\n"))
            {
                if (line.contains("(udp)") || line.contains("send buffer"))
                {
                    // connection numbers masked; the send buffer's sizes are the kernel's, the same for both
                    lines.add(line.replaceFirst("^<\\d+", "<N"));
                }
            }
            if (lines.size() >= count || System.nanoTime() > deadline)
            {
                return lines;
            }
            Thread.sleep(50);
        }
    }

    private static List<String> memcachedCommand(final String... args)
    {
        final List<String> cmd = new ArrayList<>(List.of(TestServers.MEMCACHED.toString()));
        if (TestServers.isRoot())
        {
            cmd.addAll(List.of("-u", "nobody"));
        }
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /**
     * A loopback UDP port that is free now.
     */
    /**
     * A loopback port free for UDP and for TCP both: {@code -U} alone has TCP take the UDP port too.
     */
    static int freeUdpPort() throws IOException
    {
        for (int attempt = 0; ; attempt++)
        {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                DatagramSocket udp = new DatagramSocket(tcp.getLocalPort(), InetAddress.getLoopbackAddress()))
            {
                return udp.getLocalPort();
            }
            catch (final BindException ex)
            {
                if (attempt == 100)
                {
                    throw ex;
                }
            }
        }
    }

    /**
     * A supplier that may fail with an I/O error.
     *
     * @param <T> what it supplies.
     */
    interface IoSupplier<T>
    {
        T get() throws IOException;
    }

    /**
     * A UDP client on a loopback port of its own.
     */
    static final class UdpClient implements AutoCloseable
    {
        private final DatagramSocket socket;
        private final byte[] buffer = new byte[65536];

        UdpClient() throws IOException
        {
            socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        }

        int port()
        {
            return socket.getLocalPort();
        }

        List<byte[]> exchange(final int port, final byte[][] datagrams) throws IOException
        {
            return exchange(new InetSocketAddress("127.0.0.1", port), datagrams);
        }

        /**
         * Send the datagrams and collect what comes back until nothing has for a while.
         */
        List<byte[]> exchange(final InetSocketAddress to, final byte[][] datagrams) throws IOException
        {
            drain();
            for (final byte[] d : datagrams)
            {
                socket.send(new DatagramPacket(d, d.length, to));
            }
            final List<byte[]> replies = new ArrayList<>();
            socket.setSoTimeout(replies.isEmpty() ? 2000 : QUIET_MS);
            while (true)
            {
                final DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try
                {
                    socket.receive(p);
                }
                catch (final SocketTimeoutException ex)
                {
                    return replies;
                }
                replies.add(Arrays.copyOf(p.getData(), p.getLength()));
                socket.setSoTimeout(QUIET_MS);
            }
        }

        /**
         * Send a datagram and wait for its replies, {@code times} times.
         */
        void pingPong(final int port, final byte[] datagram, final int replies, final int times) throws IOException
        {
            final DatagramPacket out = new DatagramPacket(datagram, datagram.length,
                new InetSocketAddress("127.0.0.1", port));
            final DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            socket.setSoTimeout(5000);
            for (int i = 0; i < times; i++)
            {
                socket.send(out);
                for (int r = 0; r < replies; r++)
                {
                    socket.receive(in);
                }
            }
        }

        private void drain() throws IOException
        {
            socket.setSoTimeout(1);
            try
            {
                while (true)
                {
                    socket.receive(new DatagramPacket(buffer, buffer.length));
                }
            }
            catch (final SocketTimeoutException ex)
            {
                // nothing left over
            }
        }

        @Override
        public void close()
        {
            socket.close();
        }
    }
}
