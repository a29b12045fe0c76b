/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server as its own process: signals and exit statuses.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForkedServerTest
{
    private static final java.util.List<String> JVM =
        Forked.classpathCommand("-Xmx64m", "-XX:MaxDirectMemorySize=256m");

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
}
