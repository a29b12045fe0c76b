/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.memcached4j.server.TestServers.asRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code MEMCACHED_PORT_FILENAME}: the ports the server listens on are written to that file as memcached 1.6.39
 * writes them (a {@code .lck} file appended to, then renamed), compared with the real memcached where it is
 * installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PortFileTest
{
    private static final String PORTS = "ports";

    @Test
    void shouldWriteEverySocketsPortThroughALockFile(@TempDir final Path dir) throws Exception
    {
        final Outcome o = ours(dir, "-p", "-1", "-U", "-1", "-l", "127.0.0.1");
        assertEquals(0, o.status(), o.stderr());
        assertEquals("", o.stderr());
        assertEquals("TCP INET: " + o.tcpPorts().get(0) + "\nUDP INET: " + o.udpPorts().get(0) + "\n", o.ports());
        assertNull(o.lockFile());
    }

    @Test
    void shouldWriteBothFamiliesForTheSocketOnEveryAddress(@TempDir final Path dir) throws Exception
    {
        // memcached binds an IPv4 and an IPv6 socket there; the JDK's one socket takes both
        final Outcome o = ours(dir, "-p", "-1", "-U", "-1");
        assertEquals(0, o.status(), o.stderr());
        final int tcp = o.tcpPorts().get(0);
        final int udp = o.udpPorts().get(0);
        assertEquals("TCP INET: " + tcp + "\nTCP INET6: " + tcp + "\nUDP INET: " + udp + "\nUDP INET6: " + udp + "\n",
            o.ports());
    }

    @Test
    void shouldAppendToALockFileLeftBehindAndReplaceTheFile(@TempDir final Path dir) throws Exception
    {
        Files.writeString(dir.resolve(PORTS + ".lck"), "left behind\n");
        Files.writeString(dir.resolve(PORTS), "old\n");
        final Outcome o = ours(dir, "-p", "-1", "-l", "127.0.0.1");
        assertEquals("left behind\nTCP INET: " + o.tcpPorts().get(0) + "\n", o.ports());
        assertNull(o.lockFile());
    }

    @Test
    void shouldStartWithoutAPortFileThatCannotBeOpened(@TempDir final Path dir) throws Exception
    {
        final Path missing = dir.resolve("none").resolve(PORTS);
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Main.Started started = Main.start(CommandLine.parse(Map.of(CommandLine.PORT_FILE_VARIABLE,
            missing.toString()), asRoot("-p", "-1", "-l", "127.0.0.1")),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertNotNull(started.server(), err::toString);
        started.server().close();
        started.cache().close();
        assertEquals("Failed to open \"" + missing + ".lck\": No such file or directory\n", err.toString());
    }

    @Test
    void shouldLeaveTheLockFileWhenASocketCannotBeOpened(@TempDir final Path dir) throws Exception
    {
        // TCP listens, then UDP port -2 fails
        final Outcome o = ours(dir, "-p", "-1", "-U", "-2", "-l", "127.0.0.1");
        assertEquals(71, o.status());
        assertNull(o.ports());
        assertTrue(o.lockFile().matches("TCP INET: \\d+\n"), o.lockFile());
    }

    @Test
    void shouldWriteAnEmptyFileWithoutSocketsAndNoneForAUnixSocket(@TempDir final Path dir) throws Exception
    {
        final Outcome none = ours(dir, "-p", "0");
        assertEquals(0, none.status(), none.stderr());
        assertEquals("", none.ports());
        Files.delete(dir.resolve(PORTS));
        final Outcome unix = ours(dir, "-s", dir.resolve("m.sock").toString());
        assertEquals(0, unix.status(), unix.stderr());
        assertNull(unix.ports());
        assertNull(unix.lockFile());
    }

    /**
     * The same command lines give the same files and lines as the real memcached, the ports masked: memcached binds
     * two sockets where memcached4j binds one, so without {@code -l} its two lines of a kind show different ports,
     * where they are the same here.
     */
    @Test
    void shouldWriteWhatMemcachedWrites(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String[][] lines = {
            {"-p", "-1", "-U", "-1"},
            {"-p", "-1", "-U", "-1", "-l", "127.0.0.1"},
            {"-p", "-1", "-U", "-1", "-l", "127.0.0.1,[::1]"},
            {"-p", "0"},
            {"-p", "-1", "-l", "127.0.0.1,198.51.100.1"},
            {"-p", "-1", "-U", "-2", "-l", "127.0.0.1"},
        };
        final List<String> differences = new ArrayList<>();
        int n = 0;
        for (final String[] args : lines)
        {
            final Path mine = Files.createDirectory(dir.resolve("ours" + n));
            final Path theirs = Files.createDirectory(dir.resolve("memcached" + n));
            n++;
            Files.writeString(mine.resolve(PORTS + ".lck"), "left behind\n");
            Files.writeString(theirs.resolve(PORTS + ".lck"), "left behind\n");
            final Outcome ours = ours(mine, args).masked();
            final Outcome memcached = memcached(theirs, args).masked();
            if (!ours.equals(memcached))
            {
                differences.add(String.join(" ", args) + "\n  memcached:   " + memcached + "\n  memcached4j: " + ours);
            }
        }
        assertTrue(differences.isEmpty(), () -> String.join("\n", differences));
    }

    @Test
    void shouldReportAMissingDirectoryAsMemcachedDoes(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final String name = dir.resolve("none").resolve(PORTS).toString();
        final Map<String, String> env = Map.of(CommandLine.PORT_FILE_VARIABLE, name);
        final int port = TestServers.freePort();
        final List<String> cmd = memcachedCommand("-p", Integer.toString(port), "-l", "127.0.0.1");
        final Path stderr = dir.resolve("stderr");
        final ProcessBuilder builder = new ProcessBuilder(cmd).redirectError(stderr.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        final Process p = builder.start();
        try
        {
            TestServers.awaitPort(port, p);
        }
        finally
        {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Main.Started started = Main.start(CommandLine.parse(env, asRoot("-p", "-1", "-l", "127.0.0.1")),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertNotNull(started.server(), err::toString);
        started.server().close();
        started.cache().close();
        assertEquals(Files.readString(stderr), err.toString());
        assertFalse(Files.exists(dir.resolve("none")));
    }

    /**
     * What a start left: its status, standard error, the port file and the {@code .lck} file (null when absent), and
     * the ports the server listened on.
     */
    private record Outcome(int status, String stderr, String ports, String lockFile, List<Integer> tcpPorts,
        List<Integer> udpPorts)
    {
        Outcome masked()
        {
            return new Outcome(status, stderr, mask(ports), mask(lockFile), List.of(), List.of());
        }

        private static String mask(final String text)
        {
            return text == null ? null : text.replaceAll(": \\d+\n", ": N\n");
        }

        @Override
        public String toString()
        {
            return "exit " + status + ", stderr \"" + stderr + "\", " + PORTS + " " + quoted(ports) + ", " + PORTS +
                ".lck " + quoted(lockFile);
        }

        private static String quoted(final String text)
        {
            return text == null ? "absent" : "\"" + text.replace("\n", "\\n") + "\"";
        }
    }

    private static Outcome ours(final Path dir, final String... args) throws Exception
    {
        final Map<String, String> env = Map.of(CommandLine.PORT_FILE_VARIABLE, dir.resolve(PORTS).toString());
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Main.Started started = Main.start(CommandLine.parse(env, asRoot(args)),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        final List<Integer> tcp = new ArrayList<>();
        final List<Integer> udp = new ArrayList<>();
        if (started.server() != null)
        {
            ports(started.server().localAddresses(), tcp);
            ports(started.server().udpAddresses(), udp);
            started.server().close();
            started.cache().close();
        }
        return new Outcome(started.status(), err.toString(StandardCharsets.UTF_8), read(dir.resolve(PORTS)),
            read(dir.resolve(PORTS + ".lck")), tcp, udp);
    }

    private static Outcome memcached(final Path dir, final String... args) throws Exception
    {
        final Path file = dir.resolve(PORTS);
        final Path stderr = dir.resolve("stderr");
        final ProcessBuilder builder = new ProcessBuilder(memcachedCommand(args)).redirectError(stderr.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put(CommandLine.PORT_FILE_VARIABLE, file.toString());
        final Process p = builder.start();
        // a start that succeeds renames the file into place; one that fails exits
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.isAlive() && !Files.exists(file) && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        final boolean running = p.isAlive();
        p.destroy();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "memcached did not stop");
        final int status = running ? 0 : p.exitValue();
        return new Outcome(status, Files.readString(stderr), read(file), read(dir.resolve(PORTS + ".lck")),
            List.of(), List.of());
    }

    private static List<String> memcachedCommand(final String... args)
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(TestServers.MEMCACHED.toString());
        if (TestServers.isRoot())
        {
            cmd.add("-u");
            cmd.add("root");
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void ports(final List<SocketAddress> addresses, final List<Integer> into)
    {
        for (final SocketAddress a : addresses)
        {
            if (a instanceof InetSocketAddress)
            {
                into.add(((InetSocketAddress)a).getPort());
            }
        }
    }

    private static String read(final Path file) throws Exception
    {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII) : null;
    }
}
