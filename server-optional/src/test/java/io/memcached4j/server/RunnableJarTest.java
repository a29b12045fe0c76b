/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
