/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Root and {@code -u}: memcached refuses to start as root without {@code -u} and switches to the {@code -u} user; a JVM
 * can do neither, so the server warns and runs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivilegesTest
{
    private static final String WARNING = "WARNING: running as root. memcached refuses to (\"must add '-u root' to " +
        "start as root\"); memcached4j cannot drop privileges from a JVM and runs as root: start it as another user.";

    @Test
    void shouldWarnAsRootWithoutU()
    {
        assertEquals(WARNING, Main.privilegeNotice(true, null));
        assertEquals(WARNING, Main.privilegeNotice(true, ""));
    }

    @Test
    void shouldSayThatUCannotChangeTheUser()
    {
        assertEquals("-u memcache has no effect: a JVM cannot change its user; memcached4j runs as root. Start it as " +
            "memcache instead.", Main.privilegeNotice(true, "memcache"));
        assertNull(Main.privilegeNotice(true, "root"));
    }

    @Test
    void shouldSayNothingWhenNotRootAsMemcached()
    {
        assertNull(Main.privilegeNotice(false, null));
        assertNull(Main.privilegeNotice(false, "memcache"));
    }

    @Test
    void shouldServeAfterTheWarningWhenStartedAsRootWithoutU() throws Exception
    {
        try (InProcess server = new InProcess("-v");
            Client c = server.client())
        {
            TestServers.assertStored(c, "k", "v");
            assertEquals("VALUE k 0 1\r\nv\r\nEND\r\n", c.request("get k\r\n", "END\r\n"));
            if (TestServers.isRoot())
            {
                assertTrue(server.stderr().startsWith(WARNING + "\n"), server.stderr());
            }
            else
            {
                assertFalse(server.stderr().contains("running as root"), server.stderr());
            }
        }
    }

    @Test
    void shouldBeRefusedByMemcachedAsRootWithoutU() throws Exception
    {
        Assumptions.assumeTrue(TestServers.isRoot(), "memcached refuses only root");
        Assumptions.assumeTrue(TestServers.memcachedAvailable(), "the memcached oracle is installed");
        final int port = TestServers.freePort();
        final Process p = new ProcessBuilder(List.of(TestServers.MEMCACHED.toString(), "-p", Integer.toString(port),
            "-l", "127.0.0.1")).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "memcached refuses to start");
        assertEquals(CommandLineException.EX_USAGE, p.exitValue());
        final String refusal = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        // 1.6.39's words; Debian's 1.6.18 still says "can't run as root without the -u switch"
        assertTrue(refusal.equals("must add '-u root' to start as root\n") ||
            refusal.equals("can't run as root without the -u switch\n"), refusal);
    }
}
