/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.memcached4j.server.TestServers.asRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code bind()} that fails: memcached prints its {@code perror} line where it fails, between the lines of the
 * sockets it opens, and its "failed to listen" line ends with what {@code errno} holds after that {@code perror}:
 * {@code Invalid argument} when nothing was printed on standard error before and the descriptor is open for writing
 * only (a file, a pipe), the bind's own error otherwise (after {@code -vv}'s lines, another failure's line, or on a
 * terminal). Compared with the real memcached, on a pipe and on a file opened for reading and writing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BindFailureTest
{
    /** An address no machine of the tests has (TEST-NET-2). */
    private static final String NOT_LOCAL = "198.51.100.1";

    /** Command lines whose start fails in a bind(), each after {@code -u root} as root and {@code -p <free port>}. */
    private static final String[][] FAILURES = {
        {"-l", NOT_LOCAL},
        {"-vv", "-l", NOT_LOCAL},
        // memcached's own warning comes first
        {"-t", "65", "-l", NOT_LOCAL},
        {"-l", NOT_LOCAL + ",198.51.100.2"},
        {"-vv", "-l", NOT_LOCAL + ",127.0.0.1"},
        {"-l", "127.0.0.1," + NOT_LOCAL},
        {"-l", "nosuchhost.invalid," + NOT_LOCAL},
        {"-l", "127.0.0.1:abc," + NOT_LOCAL},
        {"-s", "/nonexistent-m4j/m.sock"},
        {"-vv", "-s", "/nonexistent-m4j/m.sock"},
    };

    @Test
    void shouldSayWhatPerrorLeavesInErrno()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Log log = new Log(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("Invalid argument", log.errnoAfterPerror("Cannot assign requested address"));
        // memcached does not print memcached4j's notices
        log.notice("-k (lock memory) has no effect: the JVM cannot lock its memory in RAM.");
        assertEquals("Invalid argument", log.errnoAfterPerror("Cannot assign requested address"));
        log.line("slab class   1: chunk size        96 perslab   10922");
        assertEquals("Cannot assign requested address", log.errnoAfterPerror("Cannot assign requested address"));
        final Log terminal = new Log(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        assertEquals("Cannot assign requested address", terminal.errnoAfterPerror("Cannot assign requested address"));
    }

    @Test
    void shouldReadTheAccessModeOfADescriptor(@TempDir final Path dir) throws Exception
    {
        final Path fdinfo = dir.resolve("fdinfo");
        Files.writeString(fdinfo, "pos:\t0\nflags:\t0100002\nmnt_id:\t26\n");
        assertTrue(Main.readWrite(fdinfo));
        Files.writeString(fdinfo, "pos:\t0\nflags:\t0100001\nmnt_id:\t26\n");
        assertFalse(Main.readWrite(fdinfo));
        Files.writeString(fdinfo, "pos:\t0\nflags:\t02\n");
        assertTrue(Main.readWrite(fdinfo));
        assertFalse(Main.readWrite(dir.resolve("none")));
    }

    /** memcached 1.6.39's lines, each seen with its standard error a file. */
    @Test
    void shouldPrintTheLinesInMemcachedsOrderWithItsErrno() throws Exception
    {
        assertEquals(List.of("bind(): Cannot assign requested address", "<N server listening (auto-negotiate)",
            "failed to listen on one of interface(s) " + NOT_LOCAL + ",127.0.0.1: Cannot assign requested address"),
            ours("-vv", "-p", "-1", "-l", NOT_LOCAL + ",127.0.0.1"));
        assertEquals(List.of("bind(): Cannot assign requested address", "bind(): Cannot assign requested address",
            "failed to listen on one of interface(s) " + NOT_LOCAL + ",198.51.100.2: Invalid argument"),
            ours("-p", "-1", "-l", NOT_LOCAL + ",198.51.100.2"));
        assertEquals(List.of("bind(): No such file or directory",
            "failed to listen on UNIX socket: /nonexistent-m4j/m.sock: No such file or directory"),
            ours("-vv", "-s", "/nonexistent-m4j/m.sock"));
        assertEquals(List.of("bind(): No such file or directory",
            "failed to listen on UNIX socket: /nonexistent-m4j/m.sock: Invalid argument"),
            ours("-s", "/nonexistent-m4j/m.sock"));
    }

    @Test
    void shouldPrintWhatMemcachedPrintsOnAPipe() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> differences = new ArrayList<>();
        for (final String[] failure : FAILURES)
        {
            final String[] args = withPort(failure);
            final Outcome theirs = run(memcachedCommand(args), null);
            final Outcome mine = run(oursCommand(args), null);
            if (!theirs.equals(mine))
            {
                differences.add(String.join(" ", args) + "\n  memcached:   " + theirs + "\n  memcached4j: " + mine);
            }
        }
        assertTrue(differences.isEmpty(), () -> String.join("\n", differences));
    }

    /**
     * On a terminal, standard error is open for reading and writing; a file opened so ({@code 2<>}) stands for it.
     */
    @Test
    void shouldPrintWhatMemcachedPrintsOnAStandardErrorOpenForReading(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> differences = new ArrayList<>();
        int n = 0;
        for (final String[] failure : FAILURES)
        {
            final String[] args = withPort(failure);
            final Outcome theirs = run(memcachedCommand(args), dir.resolve("memcached" + n));
            final Outcome mine = run(oursCommand(args), dir.resolve("ours" + n));
            n++;
            if (!theirs.equals(mine))
            {
                differences.add(String.join(" ", args) + "\n  memcached:   " + theirs + "\n  memcached4j: " + mine);
            }
        }
        assertTrue(differences.isEmpty(), () -> String.join("\n", differences));
    }

    private record Outcome(int status, List<String> lines)
    {
    }

    private static List<String> ours(final String... args) throws Exception
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Main.Started started = Main.start(CommandLine.parse(asRoot(args)),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertNull(started.server());
        assertEquals(71, started.status());
        return lines(err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Run a server that fails to start, with standard error a pipe, or the file given opened for reading and writing.
     */
    private static Outcome run(final List<String> command, final Path readWrite) throws Exception
    {
        final List<String> cmd = new ArrayList<>();
        if (readWrite != null)
        {
            cmd.addAll(List.of("sh", "-c", "f=$1; shift; exec \"$@\" 2<>\"$f\"", "sh", readWrite.toString()));
        }
        cmd.addAll(command);
        final Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        final byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new AssertionError("did not stop: " + cmd);
        }
        final String text = readWrite == null ? new String(err, StandardCharsets.UTF_8) : Files.readString(readWrite);
        return new Outcome(p.exitValue(), lines(text));
    }

    /** The lines after the slab classes of {@code -vv}, connection numbers masked. */
    private static List<String> lines(final String text)
    {
        final List<String> lines = new ArrayList<>();
        for (final String line : text.split("\n"))
        {
            if (!line.startsWith("slab class ") && !line.isEmpty())
            {
                lines.add(line.replaceFirst("^<\\d+ ", "<N "));
            }
        }
        return lines;
    }

    private static String[] withPort(final String[] args)
    {
        final List<String> all = new ArrayList<>(List.of("-p", Integer.toString(freePort())));
        all.addAll(List.of(args));
        return asRoot(all.toArray(new String[0]));
    }

    private static int freePort()
    {
        try
        {
            return TestServers.freePort();
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static List<String> memcachedCommand(final String... args)
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(TestServers.MEMCACHED.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> oursCommand(final String... args)
    {
        final List<String> cmd = new ArrayList<>(TestServers.Forked.classpathCommand());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
