/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The health probe against servers that answer, that speak another protocol, that say nothing and that are not there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthProbeTest
{
    @Test
    void shouldAnswerZeroWithTheVersionOfARunningServer() throws Exception
    {
        try (InProcess server = new InProcess())
        {
            final Probe probe = probe(5000, "127.0.0.1", Integer.toString(server.port));
            assertEquals(0, probe.status, probe.err);
            assertEquals("VERSION 1.6.39\n", probe.out);
        }
    }

    @Test
    void shouldAskInTheBinaryProtocolWhenTheServerSpeaksOnlyThat() throws Exception
    {
        try (InProcess server = new InProcess("-B", "binary"))
        {
            final Probe probe = probe(5000, "localhost", Integer.toString(server.port));
            assertEquals(0, probe.status, probe.err);
            assertEquals("VERSION 1.6.39\n", probe.out);
        }
    }

    @Test
    void shouldTakeTheRefusalOfAnAnonymousClientAsAnAnswer(@TempDir final Path dir) throws Exception
    {
        final Path users = dir.resolve("users");
        Files.writeString(users, "probe:secret\n", StandardCharsets.US_ASCII);
        try (InProcess server = new InProcess("-Y", users.toString()))
        {
            final Probe probe = probe(5000, "127.0.0.1", Integer.toString(server.port));
            assertEquals(0, probe.status, probe.err);
            assertEquals("CLIENT_ERROR unauthenticated\n", probe.out);
        }
    }

    @Test
    void shouldProbeAUnixDomainSocket(@TempDir final Path dir) throws Exception
    {
        final Path socket = dir.resolve("memcached.sock");
        try (InProcess server = new InProcess(false, "-s", socket.toString()))
        {
            final Probe probe = probe(5000, socket.toString());
            assertEquals(0, probe.status, probe.err + server.stderr());
            assertEquals("VERSION 1.6.39\n", probe.out);
            assertEquals(1, probe(5000, socket.toString(), "11211").status);
        }
    }

    @Test
    void shouldAnswerOneWhenNothingListens() throws Exception
    {
        final int port = TestServers.freePort();
        final Probe probe = probe(5000, "127.0.0.1", Integer.toString(port));
        assertEquals(1, probe.status);
        assertEquals("", probe.out);
        assertTrue(probe.err.startsWith("memcached4j health probe: 127.0.0.1:" + port + ": "), probe.err);
    }

    @Test
    void shouldAnswerOneWithinTheTimeoutWhenTheServerSaysNothing() throws Exception
    {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress()))
        {
            final long start = System.nanoTime();
            final Probe probe = probe(500, "127.0.0.1", Integer.toString(silent.getLocalPort()));
            final long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, probe.status);
            assertTrue(probe.err.endsWith(": no answer within 500 ms\n"), probe.err);
            assertTrue(ms < 3000, ms + " ms");
        }
    }

    @Test
    void shouldAnswerOneWhenTheServerIsNotMemcached() throws Exception
    {
        try (ServerSocket http = new ServerSocket(0, 10, InetAddress.getLoopbackAddress()))
        {
            final Thread answering = new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < 2; i++)
                    {
                        try (Socket s = http.accept())
                        {
                            s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                }
                catch (final java.io.IOException ex)
                {
                    // the probe went away
                }
            });
            answering.setDaemon(true);
            answering.start();
            final Probe probe = probe(5000, "127.0.0.1", Integer.toString(http.getLocalPort()));
            assertEquals(1, probe.status);
            assertTrue(probe.err.contains("answered \"HTTP/1.1 400 Bad Request\" to version, and to the binary " +
                "protocol's version: not a memcached binary response"), probe.err);
        }
    }

    @Test
    void shouldRefuseArgumentsThatNameNoServer() throws Exception
    {
        assertEquals(1, probe(500, "127.0.0.1", "70000").status);
        assertEquals(1, probe(500, "127.0.0.1", "http").status);
        assertEquals(1, probe(500, "a", "1", "b").status);
        assertTrue(probe(500, "").err.contains("usage: HealthProbe"));
    }

    private record Probe(int status, String out, String err)
    {
    }

    private static Probe probe(final long timeoutMs, final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status = HealthProbe.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), timeoutMs);
        return new Probe(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
