/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar and the launcher script; runs after {@code package} (surefire execution {@code jar-test}).
 */
@Tag("jar")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunnableJarTest
{
    private static Path jar;

    @BeforeAll
    static void findJar()
    {
        final String path = System.getProperty("memcached4j.test.jar");
        Assumptions.assumeTrue(path != null, "run by the jar-test execution after packaging");
        jar = Path.of(path);
        assertTrue(Files.isRegularFile(jar), jar + " exists");
    }

    @Test
    void shouldNameMainClassAndExportJdkInternalMisc() throws Exception
    {
        try (JarFile file = new JarFile(jar.toFile()))
        {
            final Manifest m = file.getManifest();
            assertEquals(Main.class.getName(), m.getMainAttributes().getValue("Main-Class"));
            assertEquals("java.base/jdk.internal.misc", m.getMainAttributes().getValue("Add-Exports"));
        }
    }

    @Test
    void shouldPrintItsVersion() throws Exception
    {
        final Process p = new ProcessBuilder(TestServers.Forked.javaBinary(), "-jar", jar.toString(), "-V")
            .redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertTrue(out.matches("memcached4j \\S+\n"), out);
    }

    @Test
    void shouldLiftTheDirectMemoryCapAsTheImagesRuntimeDoes() throws Exception
    {
        // -m bounds the items, not the JVM's cap: the launcher passes the image's option, whatever the command line
        final String image = Files.readAllLines(
            Path.of(System.getProperty("memcached4j.test.moduleDir"), "src", "main", "jlink", "jvm-options.txt"))
            .stream().filter(l -> l.startsWith("-XX:MaxDirectMemorySize=")).findFirst().orElseThrow();
        assertEquals("1t", image.substring("-XX:MaxDirectMemorySize=".length()));
        assertEquals("1t", launcherDirectCap());
        assertEquals("1t", launcherDirectCap("-m", "2048", "-c", "10000"));
    }

    @Test
    void shouldRaiseTheMemoryLimitThroughCacheMemlimitAsMemcachedDoes() throws Exception
    {
        final Path launcher = Path.of(System.getProperty("memcached4j.test.moduleDir"), "bin", "memcached4j");
        final int port = TestServers.freePort();
        try (TestServers.Forked server = new TestServers.Forked(List.of(launcher.toString()), port, "-m", "8",
            "-p", Integer.toString(port), "-l", "127.0.0.1", "-v");
            Client c = new Client(port))
        {
            // memcached takes no memory for a limit until items need it, so it accepts any limit up to a billion
            // megabytes; here up to the pages an item reference can address
            assertEquals("OK\r\n", c.request("cache_memlimit 30000\r\n", "\r\n"));
            assertEquals(Long.toString(30000L << 20), c.stat("limit_maxbytes"));
            assertEquals("OK\r\n", c.request("cache_memlimit 64\r\n", "\r\n"));
            assertEquals(Long.toString(64L << 20), c.stat("limit_maxbytes"));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!server.stderrText().contains("maxbytes adjusted to 64m") && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertTrue(server.stderrText().contains("maxbytes adjusted to 30000m\nmaxbytes adjusted to 64m\n"),
                server.stderrText());
        }
    }

    /**
     * The {@code -XX:MaxDirectMemorySize} the launcher passes for a command line, read by running it with a "java"
     * that prints its arguments.
     */
    private static String launcherDirectCap(final String... args) throws Exception
    {
        final Path launcher = Path.of(System.getProperty("memcached4j.test.moduleDir"), "bin", "memcached4j");
        final List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JAVA", "echo");
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        for (final String word : out.trim().split(" "))
        {
            if (word.startsWith("-XX:MaxDirectMemorySize="))
            {
                return word.substring("-XX:MaxDirectMemorySize=".length());
            }
        }
        throw new AssertionError("no direct memory cap in " + out);
    }

    @Test
    void shouldStartThroughTheLauncherWithMoreMemoryThanTheDefaultDirectCap() throws Exception
    {
        final Path launcher = Path.of(System.getProperty("memcached4j.test.moduleDir"), "bin", "memcached4j");
        final int port = TestServers.freePort();
        try (TestServers.Forked server = new TestServers.Forked(List.of(launcher.toString()), port, "-m", "768",
            "-c", "2048", "-p", Integer.toString(port), "-l", "127.0.0.1", "-v");
            Client c = new Client(port))
        {
            assertEquals("805306368", c.stat("limit_maxbytes"));
            assertEquals("2048", c.stat("max_connections"));
            TestServers.assertStored(c, "testkey", "hello");
            server.process.destroy();
            assertTrue(server.process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, server.process.exitValue(), server.stderrText());
        }
    }

    @Test
    void shouldPauseAcceptingWhenOutOfDescriptorsInsteadOfSpinningAndResumeWhenOneCloses() throws Exception
    {
        // through the launcher, as in production: the JVM reads its classes from the jar it keeps open, where with
        // class directories on the class path a class first used while descriptors are out could not be loaded
        final Path launcher = Path.of(System.getProperty("memcached4j.test.moduleDir"), "bin", "memcached4j");
        // a soft limit of 128 the JVM keeps (it raises its soft limit to the hard one unless told not to), under a
        // hard limit that -c does not exceed, so that the server starts, as memcached would, and runs out first
        final List<String> limited = List.of("sh", "-c",
            "ulimit -S -n 128 && export JAVA_OPTS=-XX:-MaxFDLimit && exec \"$@\"", "sh", launcher.toString());
        final int port = TestServers.freePort();
        final List<Socket> clients = new ArrayList<>();
        try (TestServers.Forked server = new TestServers.Forked(limited, port, "-p", Integer.toString(port),
            "-l", "127.0.0.1", "-v"))
        {
            for (int i = 0; i < 160; i++)
            {
                // the backlog takes what the server does not accept
                try
                {
                    clients.add(new Socket("127.0.0.1", port));
                }
                catch (final IOException ex)
                {
                    throw new AssertionError(ex + "\n" + server.stderrText(), ex);
                }
            }
            final long pid = server.process.pid();
            server.awaitStderr("accept4(): Too many open files");
            assertTrue(server.process.isAlive(), server.stderrText());
            final long before = threadCpuTicks(pid, "memcached4j-acc");
            Thread.sleep(2000);
            assertTrue(server.process.isAlive(), server.stderrText());
            final long spent = threadCpuTicks(pid, "memcached4j-acc") - before;
            // a spinning acceptor takes the 200 ticks of two seconds; a paused one next to none
            assertTrue(spent < 50, "acceptor used " + spent + " ticks in 2 s\n" + server.stderrText());
            assertTrue(server.stderrText().contains("Too many open connections"), server.stderrText());
            for (final Socket c : clients)
            {
                c.close();
            }
            // accepting resumes once descriptors are free again
            try (Socket late = new Socket("127.0.0.1", port))
            {
                late.setSoTimeout(10_000);
                late.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
                final byte[] reply = new byte[64];
                final int n = late.getInputStream().read(reply);
                assertTrue(n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("VERSION "),
                    server.stderrText());
            }
        }
        finally
        {
            for (final Socket c : clients)
            {
                c.close();
            }
        }
    }

    /** User and system CPU, in clock ticks, of a process's threads whose name starts with a prefix. */
    private static long threadCpuTicks(final long pid, final String namePrefix) throws Exception
    {
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : tasks)
            {
                if (Files.readString(task.resolve("comm")).startsWith(namePrefix))
                {
                    final String stat = Files.readString(task.resolve("stat"));
                    final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the name
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                }
            }
        }
        return ticks;
    }
}
