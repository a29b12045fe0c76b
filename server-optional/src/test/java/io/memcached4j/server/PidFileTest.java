/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -P}: the pid file is written as memcached writes it (a {@code .tmp} file renamed over it), with memcached's
 * lines when that fails or when the file names a running process (seen with memcached 1.6.39 and 1.6.18).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PidFileTest
{
    @Test
    void shouldWriteThePidThroughATemporaryFile(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("m.pid");
        assertEquals("", save(file.toString(), 12345));
        assertEquals("12345\n", Files.readString(file));
        assertFalse(Files.exists(dir.resolve("m.pid.tmp")));
        // an old file naming no running process is replaced without a word
        Files.writeString(file, "2147483646\n");
        assertEquals("", save(file.toString(), 54321));
        assertEquals("54321\n", Files.readString(file));
    }

    @Test
    void shouldWarnWhenThePidFileNamesARunningProcess(@TempDir final Path dir) throws Exception
    {
        final long self = ProcessHandle.current().pid();
        final Path file = dir.resolve("m.pid");
        for (final String content : new String[] {self + "\n", self + " and more\n", String.valueOf(self)})
        {
            Files.writeString(file, content);
            assertEquals("WARNING: The pid file contained the following (running) pid: " + self + "\n",
                save(file.toString(), 12345), content);
            assertEquals("12345\n", Files.readString(file));
        }
        // memcached reads the number with safe_strtoul: text right after the digits is no number
        Files.writeString(file, self + "x\n");
        assertEquals("", save(file.toString(), 12345));
    }

    @Test
    void shouldSayWhatMemcachedSaysWhenThePidFileCannotBeWritten(@TempDir final Path dir) throws Exception
    {
        final Path missing = dir.resolve("none").resolve("m.pid");
        assertEquals("Could not open the pid file " + missing + ".tmp for writing: No such file or directory\n",
            save(missing.toString(), 12345));
        final Path directory = Files.createDirectory(dir.resolve("sub"));
        assertEquals("Could not rename the pid file from " + directory + ".tmp to " + directory +
            ": Is a directory\n", save(directory.toString(), 12345));
        // memcached leaves the temporary file
        assertEquals("12345\n", Files.readString(dir.resolve("sub.tmp")));
    }

    @Test
    void shouldReportAMissingDirectoryAsTheRealMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String name = "/nonexistent-m4j-" + ProcessHandle.current().pid() + "/m.pid";
        try (TestServers.InProcess ours = new TestServers.InProcess("-u", "root", "-P", name);
            TestServers.Forked memcached = TestServers.memcached("-P", name))
        {
            memcached.awaitStderr("\n");
            assertEquals(memcached.stderrText(), ours.stderr());
        }
    }

    @Test
    void shouldReadTheRunningPidAsMemcachedDoes(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("m.pid");
        assertEquals(-1, Main.runningPid(file.toString()));
        Files.writeString(file, "  " + ProcessHandle.current().pid() + "\t\n");
        assertEquals(ProcessHandle.current().pid(), Main.runningPid(file.toString()));
        // memcached keeps the low 32 bits of the number: 2^32 + 1 is pid 1, which runs
        Files.writeString(file, "4294967297\n");
        assertEquals(1, Main.runningPid(file.toString()));
        Files.writeString(file, "-1\n");
        assertEquals(-1, Main.runningPid(file.toString()));
        assertTrue(Main.runningPid(dir.toString()) < 0);
    }

    private static String save(final String name, final long pid)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.savePid(name, pid, new Log(new PrintStream(err, true, StandardCharsets.UTF_8)));
        return err.toString(StandardCharsets.UTF_8);
    }
}
