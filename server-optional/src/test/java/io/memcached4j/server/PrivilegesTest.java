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

    /**
     * memcached 1.6.39 as root with a {@code -u} user the system does not know: "can't find the user nosuchuser to
     * switch to", status 67 (EX_NOUSER). A name of digits is a name to {@code getpwnam}, not a user id.
     */
    @Test
    void shouldRefuseAUserTheSystemDoesNotKnowAsRootAsMemcachedDoes()
    {
        assertEquals("can't find the user m4j-no-such-user to switch to",
            Main.privilegeRefusal(true, "m4j-no-such-user"));
        assertEquals("can't find the user 424242 to switch to", Main.privilegeRefusal(true, "424242"));
        assertNull(Main.privilegeRefusal(true, "root"));
        assertNull(Main.privilegeRefusal(true, null));
        assertNull(Main.privilegeRefusal(true, ""));
        // not root, memcached does not look the user up
        assertNull(Main.privilegeRefusal(false, "m4j-no-such-user"));
    }

    @Test
    void shouldExitWithMemcachedsStatusAndMessageForAMissingUser() throws Exception
    {
        Assumptions.assumeTrue(TestServers.isRoot(), "memcached looks the user up only as root");
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final String[] args = {"-u", "m4j-no-such-user", "-p", "0", "-U", "0"};
        final int exit = Main.run(args, new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(CommandLineException.EX_NOUSER, exit);
        assertEquals("can't find the user m4j-no-such-user to switch to\n", err.toString(StandardCharsets.UTF_8));
        if (TestServers.memcachedAvailable())
        {
            final List<String> cmd = new java.util.ArrayList<>(List.of(TestServers.MEMCACHED.toString()));
            cmd.addAll(List.of(args));
            final Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "memcached refuses to start");
            assertEquals(exit, p.exitValue());
            assertEquals(err.toString(StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        }
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

    /**
     * memcached sets its open file limit (soft and hard) to {@code -c} and exits with 71 when it cannot (seen with
     * 1.6.39 as root without {@code CAP_SYS_RESOURCE}, hard limit 20000: {@code -c 20001} refused, {@code -c 20000}
     * started). A JVM cannot set it: where memcached could, the server starts with a notice.
     */
    @Test
    void shouldRefuseAConnectionLimitAboveTheOpenFileLimitAsMemcachedDoes(@org.junit.jupiter.api.io.TempDir
        final java.nio.file.Path proc) throws java.io.IOException
    {
        final java.nio.file.Path nrOpen = proc.resolve("nr_open");
        java.nio.file.Files.writeString(nrOpen, "1048576\n");
        java.nio.file.Files.writeString(proc.resolve("limits"), "Limit                     Soft Limit           " +
            "Hard Limit           Units     \nMax open files            20000                20000                " +
            "files     \n");
        java.nio.file.Files.writeString(proc.resolve("status"), "Name:\tjava\nCapEff:\t000001fffeffffff\n");
        assertEquals(0, Main.openFileLimit(20_000, proc, nrOpen));
        assertEquals(-1, Main.openFileLimit(20_001, proc, nrOpen));
        // with CAP_SYS_RESOURCE memcached raises the limit up to fs.nr_open
        java.nio.file.Files.writeString(proc.resolve("status"), "Name:\tjava\nCapEff:\t000001ffffffffff\n");
        assertEquals(20_000, Main.openFileLimit(65_536, proc, nrOpen));
        assertEquals(-1, Main.openFileLimit(2_000_000, proc, nrOpen));
        // nothing to read: nothing to compare with
        assertEquals(0, Main.openFileLimit(2_000_000, proc.resolve("absent"), nrOpen));
    }

    @Test
    void shouldStopWithMemcachedsMessageWhenTheOpenFileLimitCannotBeRaised() throws CommandLineException
    {
        final int refusal = Main.openFileLimit(Integer.MAX_VALUE, java.nio.file.Path.of("/proc/self"),
            java.nio.file.Path.of("/proc/sys/fs/nr_open"));
        Assumptions.assumeTrue(refusal < 0, "this process could raise its open file limit to 2^31-1");
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final Main.Started started = Main.start(CommandLine.parse("-c", String.valueOf(Integer.MAX_VALUE),
            "-p", "0", "-U", "0", "-l", "127.0.0.1"), new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        assertNull(started.server());
        assertEquals(71, started.status());
        assertEquals("failed to set rlimit for open files. Try starting as root or requesting smaller maxconns " +
            "value.\n", err.toString(StandardCharsets.UTF_8));
    }
}
