/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.memcached4j.server.TestServers.Forked;
import static io.memcached4j.server.TestServers.InProcess;
import static io.memcached4j.server.TestServers.asRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -l proto[...]:} gives a listener its own protocol, and {@code tag[...]:} is read and has no effect, as in
 * memcached 1.6.39 built without its proxy: the same replies on each listener and the same {@code -vv} lines as the
 * real memcached, and the same replies recorded from 1.6.39 where the real memcached is not installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ListenerProtocolTest
{
    /** A binary NOOP request. */
    private static final byte[] NOOP = new byte[24];
    private static final byte[] VERSION = "version\r\n".getBytes(StandardCharsets.US_ASCII);

    static
    {
        NOOP[0] = (byte)0x80;
        NOOP[1] = 0x0a;
    }

    /**
     * Under {@code -B ascii}: a binary listener, a negotiating one and a tagged one, which keeps {@code -B}'s protocol.
     * memcached 1.6.39 closes the binary listener's connection on a text command, answers the NOOP on the binary and
     * negotiating listeners, and on the text one reads the NOOP's first byte as a command line (its second byte is a
     * line feed).
     */
    @Test
    void shouldServeEachListenerWithItsProtocol() throws Exception
    {
        final int[] ports = {TestServers.freePort(), TestServers.freePort(), TestServers.freePort()};
        final String[] args = {"-vv", "-B", "ascii", "-p", Integer.toString(ports[2]), "-l",
            "proto[binary]:127.0.0.1:" + ports[0] + ",proto[negotiating]:127.0.0.1:" + ports[1] + ",tag[t1]:127.0.0.1"};
        final List<String> ours = new ArrayList<>();
        try (InProcess server = new InProcess(false, asRoot(args)))
        {
            ours.addAll(conversation(ports));
            ours.addAll(lines(server::stderrBytes, 11));
        }
        final String noop = "81 0a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
        assertEquals(List.of(
            "", noop,
            "VERSION V\r\n", noop,
            "VERSION V\r\n", "ERROR\r\n",
            "<N server listening (binary)",
            "<N server listening (auto-negotiate)",
            "<N server listening (ascii)",
            "<N new binary client connection.",
            "<N new binary client connection.",
            "<N new auto-negotiating client connection",
            "N: Client using the ascii protocol",
            "<N new auto-negotiating client connection",
            "N: Client using the binary protocol",
            "<N new ascii client connection.",
            "<N new ascii client connection."), ours);
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> memcached = new ArrayList<>();
        try (Forked real = new Forked(memcachedCommand(), 0, args))
        {
            // memcached prints the bytes a client sent, which need not be UTF-8
            final Supplier<String> stderr = () -> read(real.stderr);
            lines(stderr, 3);
            memcached.addAll(conversation(ports));
            memcached.addAll(lines(stderr, 11));
        }
        assertEquals(memcached, ours);
    }

    /**
     * With {@code -Y}, a connection whose first byte chose the protocol ({@code proto[negotiating]}) is not asked to
     * authenticate, as memcached says: "authentication doesn't work with negotiated protocol"; one on a text listener
     * is.
     */
    @Test
    void shouldNotAuthenticateANegotiatedConnection(@TempDir final Path dir)
        throws Exception
    {
        final String auth = Files.writeString(dir.resolve("auth"), "user:pass\n").toString();
        final int[] ports = {TestServers.freePort(), TestServers.freePort()};
        final String[] args = {"-Y", auth, "-p", Integer.toString(ports[1]), "-l", "proto[negotiating]:127.0.0.1:" +
            ports[0] + ",127.0.0.1"};
        final byte[] get = "get foo\r\n".getBytes(StandardCharsets.US_ASCII);
        final List<String> ours = new ArrayList<>();
        try (InProcess server = new InProcess(false, asRoot(args)))
        {
            assertEquals(2, server.server.localAddresses().size());
            ours.add(exchange(ports[0], get));
            ours.add(exchange(ports[1], get));
        }
        assertEquals(List.of("END\r\n", "CLIENT_ERROR unauthenticated\r\n"), ours);
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> memcached = new ArrayList<>();
        try (Forked real = new Forked(memcachedCommand(), ports[1], args))
        {
            TestServers.awaitPort(ports[0], real.process);
            memcached.add(exchange(ports[0], get));
            memcached.add(exchange(ports[1], get));
        }
        assertEquals(memcached, ours);
    }

    /**
     * On each listener in turn: {@code version}, then a binary NOOP, each on a connection of its own whose sending side
     * is closed after the request, and everything read until the server closes.
     */
    private static List<String> conversation(final int[] ports) throws Exception
    {
        final List<String> replies = new ArrayList<>();
        for (final int port : ports)
        {
            replies.add(exchange(port, VERSION));
            replies.add(exchange(port, NOOP));
        }
        return replies;
    }

    private static String exchange(final int port, final byte[] request) throws Exception
    {
        final ByteArrayOutputStream reply = new ByteArrayOutputStream();
        try (Socket s = new Socket())
        {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            final OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            s.shutdownOutput();
            final InputStream in = s.getInputStream();
            final byte[] buffer = new byte[256];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
            {
                reply.write(buffer, 0, n);
            }
        }
        final byte[] bytes = reply.toByteArray();
        if (bytes.length > 0 && (bytes[0] & 0xFF) == 0x81)
        {
            final StringBuilder hex = new StringBuilder();
            for (final byte b : bytes)
            {
                hex.append(hex.length() == 0 ? "" : " ").append(String.format("%02x", b & 0xFF));
            }
            return hex.toString();
        }
        return new String(bytes, StandardCharsets.US_ASCII).replaceFirst("^VERSION \\S+", "VERSION V");
    }

    /**
     * The lines of standard error about listeners and new connections, their numbers masked, once there are at least
     * {@code count}.
     */
    private static List<String> lines(final Supplier<String> stderr, final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> found = List.of();
        while (System.nanoTime() < deadline)
        {
            found = new ArrayList<>();
            for (final String line : stderr.get().split("\n"))
            {
                if (line.contains("server listening") || line.contains("client connection") ||
                    line.contains("Client using the"))
                {
                    found.add(line.replaceFirst("^<\\d+ ", "<N ").replaceFirst("^\\d+: ", "N: "));
                }
            }
            if (found.size() >= count)
            {
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(found.size() >= count, () -> stderr.get());
        return found;
    }

    private static String read(final Path file)
    {
        try
        {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        }
        catch (final java.io.IOException ex)
        {
            return "";
        }
    }

    /** As root, memcached runs as root, so that it can read the test's files. */
    private static List<String> memcachedCommand()
    {
        return TestServers.isRoot() ? List.of(TestServers.MEMCACHED.toString(), "-u", "root") :
            List.of(TestServers.MEMCACHED.toString());
    }
}
