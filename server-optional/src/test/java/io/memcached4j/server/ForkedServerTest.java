/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server as its own process: signals and exit statuses.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForkedServerTest
{
    private static final List<String> JVM =
        Forked.classpathCommand("-Xmx64m", "-XX:MaxDirectMemorySize=256m");

    @Test
    void shouldExitZeroOnASigtermThatComesAsSoonAsItListens() throws Exception
    {
        // memcached takes the signal from the top of main(); the JVM's default handler would exit with 143
        for (int i = 0; i < 5; i++)
        {
            final int port = TestServers.freePort();
            try (Forked server = new Forked(JVM, port, "-p", Integer.toString(port), "-l", "127.0.0.1"))
            {
                server.process.destroy();
                assertTrue(server.process.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, server.process.exitValue(), server.stderrText());
            }
        }
    }

    @Test
    void shouldExitZeroOnSigterm() throws Exception
    {
        final int port = TestServers.freePort();
        try (Forked server = new Forked(JVM, port, "-p", Integer.toString(port),
            "-l", "127.0.0.1", "-v");
            Client c = new Client(port))
        {
            TestServers.assertStored(c, "k", "v");
            server.process.destroy();
            assertTrue(server.process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, server.process.exitValue(), server.stderrText());
            assertTrue(server.stderrText().contains("Exiting normally"), server.stderrText());
        }
    }

    @Test
    void shouldSayItExitsNormallyAtTheVerbosityInForceWhenItStops() throws Exception
    {
        // memcached looks at its verbose setting as it exits, which the verbosity command may have changed
        for (final boolean verboseAtStart : new boolean[] {false, true})
        {
            final int port = TestServers.freePort();
            final List<String> args = new ArrayList<>(List.of("-p", Integer.toString(port), "-l", "127.0.0.1"));
            if (verboseAtStart)
            {
                args.add("-v");
            }
            try (Forked server = new Forked(JVM, port, args.toArray(new String[0]));
                Client c = new Client(port))
            {
                assertEquals("OK\r\n", c.request(verboseAtStart ? "verbosity 0\r\n" : "verbosity 1\r\n", "\r\n"));
                server.process.destroy();
                assertTrue(server.process.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, server.process.exitValue(), server.stderrText());
                assertEquals(!verboseAtStart, server.stderrText().contains("Exiting normally"), server.stderrText());
            }
        }
    }

    @Test
    void shouldReadTheAuthFileAgainOnSighupAndKeepItsUsersWhenTheNewFileIsMalformed(@TempDir final Path dir)
        throws Exception
    {
        final Path file = dir.resolve("auth");
        Files.writeString(file, "u:old\n");
        final int port = TestServers.freePort();
        try (Forked server = new Forked(JVM, port, "-p", Integer.toString(port), "-l", "127.0.0.1",
            "-Y", file.toString()))
        {
            assertEquals("STORED\r\n", login(port, "u old"));
            Files.writeString(file, "u:new\nv:zq7x\n");
            hangUp(server.process);
            awaitLogin(port, "u new");
            assertEquals("STORED\r\n", login(port, "v zq7x"));
            assertEquals("CLIENT_ERROR authentication failure\r\n", login(port, "u old"));
            // a file memcached would refuse at start leaves the users as they were
            Files.writeString(file, "no colon\n");
            hangUp(server.process);
            Thread.sleep(500);
            assertTrue(server.process.isAlive(), server.stderrText());
            assertEquals("STORED\r\n", login(port, "u new"));
            // nothing about the file's entries reaches the log
            assertFalse(server.stderrText().contains("zq7x"), server.stderrText());
        }
    }

    private static void hangUp(final Process process) throws Exception
    {
        final Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    private static void awaitLogin(final int port, final String token) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String reply = login(port, token);
        while (!"STORED\r\n".equals(reply) && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
            reply = login(port, token);
        }
        assertEquals("STORED\r\n", reply);
    }

    private static String login(final int port, final String token) throws Exception
    {
        try (Client c = new Client(port))
        {
            return c.request("set x 0 0 " + token.length() + "\r\n" + token + "\r\n", "\r\n");
        }
    }

    @Test
    void shouldExitZeroAfterShutdownWithA() throws Exception
    {
        final int port = TestServers.freePort();
        try (Forked server = new Forked(JVM, port, "-p", Integer.toString(port),
            "-l", "127.0.0.1", "-A");
            Client c = new Client(port))
        {
            c.send("shutdown\r\n");
            assertTrue(server.process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, server.process.exitValue(), server.stderrText());
        }
    }

    @Test
    void shouldExitWithMemcachedsStatusWhenThePortIsTaken() throws Exception
    {
        final int port = TestServers.freePort();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(port, 1,
            java.net.InetAddress.getByName("127.0.0.1"));
            Forked server = new Forked(JVM, 0, "-p", Integer.toString(port),
                "-l", "127.0.0.1"))
        {
            assertTrue(taken.isBound());
            assertTrue(server.process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(71, server.process.exitValue());
            assertTrue(server.stderrText().contains("failed to listen on one of interface(s) 127.0.0.1: " +
                "Address already in use"), server.stderrText());
        }
    }

    @Test
    void shouldCloseOnlyTheConnectionsThatFailAndKeepEveryWorkerServingWhenDirectMemoryRunsOut() throws Exception
    {
        final int port = TestServers.freePort();
        final List<Socket> clients = new ArrayList<>();
        try (Forked server = new Forked(Forked.classpathCommand("-Xmx64m", "-XX:MaxDirectMemorySize=24m"), port,
            "-p", Integer.toString(port), "-l", "127.0.0.1", "-t", "2", "-m", "8");
            Client c = new Client(port))
        {
            final String value = "v".repeat(300_000);
            assertEquals("STORED\r\n", c.request("set big 0 0 " + value.length() + "\r\n" + value + "\r\n", "\r\n"));
            // clients that ask for large values and never read hold output buffers until direct memory runs out
            for (int i = 0; i < 300; i++)
            {
                final Socket s = new Socket("127.0.0.1", port);
                s.setReceiveBufferSize(4096);
                s.getOutputStream().write("get big\r\n".repeat(20).getBytes(StandardCharsets.US_ASCII));
                clients.add(s);
            }
            server.awaitStderr("Cannot reserve");
            for (final Socket s : clients)
            {
                s.close();
            }
            // the workers release those connections' buffers as they see them close: until then a new connection may
            // be refused its buffers too
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String first = "";
            while (!first.startsWith("VERSION ") && System.nanoTime() < deadline)
            {
                try (Client fresh = new Client(port))
                {
                    first = fresh.request("version\r\n", "\r\n");
                }
                catch (final java.io.IOException ex)
                {
                    first = ex.toString();
                }
                if (!first.startsWith("VERSION "))
                {
                    Thread.sleep(100);
                }
            }
            assertTrue(first.startsWith("VERSION "), first + "; " + server.stderrText());
            // both workers still serve: connections go to them in turn
            for (int i = 0; i < 8; i++)
            {
                try (Client fresh = new Client(port))
                {
                    assertTrue(fresh.request("version\r\n", "\r\n").startsWith("VERSION "), server.stderrText());
                }
            }
            assertTrue(server.process.isAlive(), server.stderrText());
            assertFalse(server.stderrText().contains("worker thread failed"), server.stderrText());
            // each refusal is counted, as memcached counts the read buffers and response objects it cannot have
            final Map<String, String> stats = TestServers.stats(c);
            assertTrue(Long.parseLong(stats.get("response_obj_oom")) + Long.parseLong(stats.get("read_buf_oom")) > 0,
                stats.toString());
        }
        finally
        {
            for (final Socket s : clients)
            {
                s.close();
            }
        }
    }


}
